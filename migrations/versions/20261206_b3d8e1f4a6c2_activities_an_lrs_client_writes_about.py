"""activities an LRS client writes about

An administrator may hold a client (a partner's simulation, say) to the activities whose IRIs start with the
addresses given here, one per line; without them (every client until now) it writes about any activity.

Revision ID: b3d8e1f4a6c2
Revises: a7c3e5f1d2b9
Create Date: 2026-12-06 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3d8e1f4a6c2'
down_revision = 'a7c3e5f1d2b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lrs_client', schema=None) as batch_op:
        batch_op.add_column(sa.Column('activity_prefixes', sa.Text(), nullable=True))


def downgrade():
    # without the list, such a client would write about any activity (a module of Itinera's passed for anyone):
    # it is revoked
    op.execute("UPDATE lrs_client SET revoked_at = COALESCE(revoked_at, created_at) "
               "WHERE activity_prefixes IS NOT NULL")
    with op.batch_alter_table('lrs_client', schema=None) as batch_op:
        batch_op.drop_column('activity_prefixes')
