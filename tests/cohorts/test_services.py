import sqlalchemy as sa

from app.auth.services import SYSTEM
from app.auth.tokens import accept_invitation, issue_token
from app.auth.models import TokenPurpose
from app.cohorts.services import add_members
from app.extensions import db
from app.notifications.models import Notification


def kinds_of(user):
    return [(n.kind, n.data.get("cohort")) for n in db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))]


def test_people_added_while_invited_hear_about_their_cohorts_when_they_arrive(app, make_user, make_cohort, outbox):
    invited = make_user(country="CL", password=None)
    member = make_user(country="CL")
    first, second = make_cohort(country="CL", name="Pilot"), make_cohort(country="CL", name="Second wave")
    add_members(SYSTEM, first, [invited, member])
    add_members(SYSTEM, second, [invited])
    db.session.commit()
    assert kinds_of(invited) == [] and kinds_of(member) == [("added_to_cohort", "Pilot")]

    raw = issue_token(invited, TokenPurpose.INVITATION)
    db.session.commit()
    sent_before = len(outbox())
    accept_invitation(raw, "a-good-long-password")
    db.session.commit()
    assert sorted(kinds_of(invited)) == [("added_to_cohort", "Pilot"), ("added_to_cohort", "Second wave")]
    assert len(outbox()) == sent_before  # they are on the site: in the app only
