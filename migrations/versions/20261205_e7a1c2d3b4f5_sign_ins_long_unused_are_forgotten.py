"""sign-ins long unused are forgotten: by when each was last used

Revision ID: e7a1c2d3b4f5
Revises: d4e5f6a7b8c9
Create Date: 2026-12-05 20:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e7a1c2d3b4f5'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_last_seen_at'), ['last_seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_last_seen_at'))
