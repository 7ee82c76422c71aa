"""The xAPI core: the Learning Record Store, the one record(), and progress derived from statements."""
from flask import Blueprint

bp = Blueprint("xapi", __name__, template_folder="templates")
