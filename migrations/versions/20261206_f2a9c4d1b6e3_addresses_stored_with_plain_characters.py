"""addresses stored with plain characters

Until this revision an address typed or imported in full-width characters (ＡＮＡ@ｅｘａｍｐｌｅ.org, as an East Asian
keyboard writes them) or with another compatibility character (a ligature such as ﬁ) was stored as typed: a
second account for the mailbox of ana@example.org, whose owner could not sign in by typing it plainly. From this
revision app.auth.models.normalise_email reads them as their plain characters (NFKC, and the ideographic full stop
as a dot); the addresses stored are cleaned the same way. One that, cleaned, is another account's is left as it
was and named in the log: two accounts of one person, for an administrator to sort out (signing in finds the one
stored plainly).

Revision ID: f2a9c4d1b6e3
Revises: e7a1c2d3b4f5
Create Date: 2026-12-06 01:50:00.000000

"""
import logging
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f2a9c4d1b6e3'
down_revision = 'e7a1c2d3b4f5'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _clean(email):
    """The address as app.auth.models.normalise_email made it on the day of this migration."""
    visible = "".join(c for c in email if unicodedata.category(c) != "Cf")
    plain = unicodedata.normalize("NFKC", visible).translate({0x3002: "."})
    return unicodedata.normalize("NFKC", plain.strip().lower())


def upgrade():
    connection = op.get_bind()
    users = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String))
    rows = connection.execute(sa.select(users.c.id, users.c.email).order_by(users.c.id)).all()
    taken = {email for _id, email in rows}
    changes = []
    for user_id, email in rows:
        clean = _clean(email)
        if clean == email:
            continue
        if clean in taken:
            log.warning("user %s: the address %r, in plain characters, is another account's; left as it was",
                        user_id, email)
            continue
        taken.add(clean)
        changes.append({"row_id": user_id, "clean": clean})
    for start in range(0, len(changes), 1000):
        connection.execute(sa.update(users).where(users.c.id == sa.bindparam("row_id"))
                           .values(email=sa.bindparam("clean")), changes[start:start + 1000])


def downgrade():
    pass  # the addresses cleaned are the ones their owners type
