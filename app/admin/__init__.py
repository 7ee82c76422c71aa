"""Administration screens: people, institutions and cohorts. Owns no models; calls other domains' services."""
from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates")
