import sqlalchemy as sa
from flask import current_app, jsonify, render_template
from flask_login import current_user

from app.auth.models import Role
from app.auth.permissions import MANAGERS
from app.auth.services import UserFilter, visible_users
from app.cohorts.services import cohorts_of, visible_cohorts
from app.courses.services import courses_started, load_texts
from app.extensions import csrf, db, limiter
from app.main import bp
from app.places.services import visible_institutions


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    counts = {}
    manages = current_user.has_role(*MANAGERS)  # the roles of the pages the cards' links open: invite, import, add
    if current_user.is_staff:
        counts = {
            "people": _count(visible_users(current_user, UserFilter(is_active=True))),
            "institutions": _count(visible_institutions(current_user)),
            "cohorts": _count(visible_cohorts(current_user)),
        }
        if manages:
            from app.auth.tokens import pending_invitations

            counts["pending"] = _count(pending_invitations(current_user))
    attention = {}
    if current_user.is_admin:
        from app.jobs.services import jobs_needing_attention

        attention["jobs"] = _count(jobs_needing_attention())
    estimated = None  # None: nothing to invite to estimate (not a trainee, or no framework loaded)
    if current_user.has_role(Role.TRAINEE):
        from app.competences.services import get_framework, has_self_assessed

        # of the framework the estimate page asks of, as the person's competences show it
        framework = get_framework(current_app.config["COMPETENCE_FRAMEWORK"])
        estimated = has_self_assessed(current_user, framework) if framework is not None else None
    my_courses = courses_started(current_user)
    load_texts([item["resume"] for item in my_courses])  # the title of the module each course goes on with
    return render_template("main/dashboard.html", counts=counts, manages=manages, my_cohorts=cohorts_of(current_user),
                           attention=attention, my_courses=my_courses, estimated=estimated)


@bp.route("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    # never kept by a proxy or a monitor: an "ok" kept would report the server up after its database went down
    no_store = {"Cache-Control": "no-store"}
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as error:  # any failure to reach the database means unhealthy
        current_app.logger.warning("health check: database unavailable: %s", error)
        db.session.rollback()
        return jsonify(status="error", database="unavailable",
                       reason=f"database unreachable ({type(error).__name__})"), 503, no_store
    return jsonify(status="ok", database="ok"), 200, no_store
