"""addresses stored without invisible characters

Until this revision an address typed or imported with a zero-width space, a byte order mark, a soft hyphen or
another of Unicode's format characters was stored with them, so its owner could not sign in by typing it. From this
revision app.auth.models.normalise_email leaves them out of every address entered or looked up; the addresses
stored are cleaned the same way. One that, cleaned, is another account's is left as it was and named in the log:
two accounts of one person, for an administrator to sort out (signing in finds the one stored without them).

Revision ID: ed1e29379888
Revises: a41c7d2e9f03
Create Date: 2026-12-05 12:04:25.994418

"""
import logging
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ed1e29379888'
down_revision = 'a41c7d2e9f03'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _clean(email):
    """The address as app.auth.models.normalise_email made it on the day of this migration."""
    visible = "".join(c for c in email if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFC", visible.strip().lower())


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
            log.warning("user %s: the address %r, without its invisible characters, is another account's; "
                        "left as it was", user_id, email)
            continue
        taken.add(clean)
        changes.append({"row_id": user_id, "clean": clean})
    for start in range(0, len(changes), 1000):
        connection.execute(sa.update(users).where(users.c.id == sa.bindparam("row_id"))
                           .values(email=sa.bindparam("clean")), changes[start:start + 1000])


def downgrade():
    pass  # the addresses cleaned are the ones their owners type
