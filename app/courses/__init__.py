"""Courses: the catalogue, course versions synced from files, modules and the reader."""
from flask import Blueprint

bp = Blueprint("courses", __name__, template_folder="templates")
