"""Small JSON lookups the forms use to narrow region, institution and cohort lists (progressive enhancement)."""
from flask import abort, jsonify
from flask_login import current_user

from app.auth.permissions import STAFF, can_see_country, check, role_required
from app.extensions import db
from app.places import bp, services
from app.places.models import Country


def _country(code: str) -> Country:
    country = db.session.get(Country, code.upper())
    if country is None:
        abort(404)
    return country


@bp.route("/countries/<code>/regions.json")
@role_required(*STAFF)
def regions(code):
    country = _country(code)
    return jsonify([{"code": r.code, "name": r.name} for r in services.regions_of(country.code)])


@bp.route("/countries/<code>/institutions.json")
@role_required(*STAFF)
def institutions(code):
    """How many institutions of the country the person sees, and the first of them a form lists whole: the script
    lists them in place, or for more, leaves the form's search to find them."""
    country = _country(code)
    check(can_see_country(current_user, country.code))
    count = services.institution_count(current_user, country.code)
    rows = db.session.scalars(services.visible_institutions(current_user, country.code)
                              .limit(services.INSTITUTIONS_LISTED)) if count else []
    return jsonify(count=count, institutions=[{"id": i.id, "name": i.name} for i in rows])


@bp.route("/countries/<code>/cohorts.json")
@role_required(*STAFF)
def cohorts(code):
    from app.cohorts.services import visible_cohorts

    country = _country(code)
    check(can_see_country(current_user, country.code))
    rows = db.session.scalars(visible_cohorts(current_user, country.code))
    return jsonify([{"id": c.id, "name": c.name} for c in rows])
