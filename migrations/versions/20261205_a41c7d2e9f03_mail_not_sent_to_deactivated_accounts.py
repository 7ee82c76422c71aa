"""mail not sent to accounts deactivated before it went out

Revision ID: a41c7d2e9f03
Revises: 5b8e2f1d4c7a
Create Date: 2026-12-05 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a41c7d2e9f03'
down_revision = '5b8e2f1d4c7a'
branch_labels = None
depends_on = None

BEFORE = ('queued', 'sent', 'logged', 'failed')
AFTER = BEFORE + ('cancelled',)


def _status(values):
    return sa.Enum(*values, name='mail_status', native_enum=False, create_constraint=True, length=10)


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_status(BEFORE), type_=_status(AFTER), existing_nullable=False)


def downgrade():
    op.execute("UPDATE outbox_message SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=_status(AFTER), type_=_status(BEFORE), existing_nullable=False)
