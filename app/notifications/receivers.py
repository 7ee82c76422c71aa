"""Notifications sent in answer to other domains' signals."""
import sqlalchemy as sa

from app import signals
from app.auth.models import Role, User, UserRole
from app.auth.permissions import can_view_user
from app.extensions import db
from app.notifications.services import mark_failed_mail, notify


@signals.job_failed.connect
def tell_admins_about_failed_job(job, **_):
    mark_failed_mail(job)
    admins = db.session.scalars(sa.select(User).join(UserRole).where(UserRole.role == Role.ADMIN,
                                                                      User.is_active.is_(True)))
    # a failed e-mail delivery is reported in the app only, so a mail outage cannot feed itself
    by_email = not job.func.endswith((":deliver", ":deliver_many"))
    for admin in admins:
        notify(admin, "job_failed", send_email=by_email, job_id=job.id, func=job.func)


@signals.invitation_accepted.connect
def tell_the_inviter(user, invited_by=None, **_):
    """Only while the inviter may still see the person: one moved to another country's coordination, or left
    with the trainee role alone, is not told their name."""
    if invited_by is not None and invited_by.is_active and can_view_user(invited_by, user):
        notify(invited_by, "invitation_accepted", name=user.full_name, user_uuid=str(user.uuid))


@signals.invitation_accepted.connect
def tell_the_newcomer_about_their_cohorts(user, **_):
    """Cohorts someone joined while still invited (add_members does not notify them then): they hear about it in
    the app as they arrive (they are on the site, so no e-mail)."""
    from app.cohorts.services import cohorts_of

    for cohort in cohorts_of(user):
        notify(user, "added_to_cohort", send_email=False, cohort=cohort.name)
