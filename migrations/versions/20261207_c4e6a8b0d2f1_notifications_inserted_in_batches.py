"""notifications inserted in batches: an insert sentinel on notification and outbox_message

SQLAlchemy inserts many rows in one statement only where it can match the ids the statement returns to its rows:
on SQLite that takes a column of values it chooses (app.notifications.models). Nullable, filled only by such
inserts, never read.

Revision ID: c4e6a8b0d2f1
Revises: a8d0f2b4c6e7
Create Date: 2026-12-07 02:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e6a8b0d2f1'
down_revision = 'a8d0f2b4c6e7'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('notification', 'outbox_message'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('_sentinel', sa.Integer(), nullable=True))


def downgrade():
    for table in ('outbox_message', 'notification'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('_sentinel')
