"""The competence framework: areas, competences (knowledge, skills, attitudes and values), proficiency levels,
versions, alignments, and the levels people hold (current_levels)."""
from flask import Blueprint

bp = Blueprint("competences", __name__, template_folder="templates")
