import sqlalchemy as sa
from flask import current_app, jsonify, render_template
from flask_login import current_user

from app.auth.services import UserFilter, visible_users
from app.cohorts.services import cohorts_of, visible_cohorts
from app.extensions import csrf, db, limiter
from app.main import bp
from app.places.services import visible_institutions


def _count(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))


def _my_courses(user) -> list[dict]:
    """The courses a person has started, the one read last first: progress, and the module to go on with."""
    from app.courses import services as courses
    from app.courses.models import Enrolment

    enrolments = db.session.scalars(sa.select(Enrolment).where(Enrolment.user_id == user.id).order_by(
        Enrolment.last_seen_at.desc().nulls_last(), Enrolment.started_at.desc()))
    result = []
    for enrolment in enrolments:
        course, version = enrolment.course, enrolment.course.current
        if version is None or not courses.can_read(user, course):
            continue  # withdrawn from the catalogue: its page is closed to trainees
        states = courses.states(user, version)
        done, total = courses.course_progress(user, version, states)
        finished = done >= total if total else all(s.status == "completed" for s in states)
        resume = courses.resume_point(enrolment, states) or next(
            (s.module for s in states if s.status != "completed"), None)
        result.append({"version": version, "done": done, "total": total, "finished": finished,
                       "resume": None if finished else resume})
    return result


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    counts = {}
    if current_user.is_staff:
        counts = {
            "people": _count(visible_users(current_user, UserFilter(is_active=True))),
            "institutions": _count(visible_institutions(current_user)),
            "cohorts": _count(visible_cohorts(current_user)),
        }
    attention = {}
    if current_user.is_admin:
        from app.jobs.services import jobs_needing_attention

        attention["jobs"] = _count(jobs_needing_attention())
    return render_template("main/dashboard.html", counts=counts, my_cohorts=cohorts_of(current_user),
                           attention=attention, my_courses=_my_courses(current_user))


@bp.route("/healthz")
@limiter.exempt
@csrf.exempt
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as error:  # any failure to reach the database means unhealthy
        current_app.logger.warning("health check: database unavailable: %s", error)
        db.session.rollback()
        return jsonify(status="error", database="unavailable",
                       reason=f"database unreachable ({type(error).__name__})"), 503
    return jsonify(status="ok", database="ok")
