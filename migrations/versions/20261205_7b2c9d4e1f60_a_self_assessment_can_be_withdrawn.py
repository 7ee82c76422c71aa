"""a self-assessment can be withdrawn: a row without a level ("Not sure") ends the estimates before it

Revision ID: 7b2c9d4e1f60
Revises: 5e1f0a9b3c27
Create Date: 2026-12-05 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b2c9d4e1f60'
down_revision = '5e1f0a9b3c27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('self_assessment', schema=None) as batch_op:
        batch_op.alter_column('level', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # a withdrawal has no level to keep: the estimates it withdrew count again, as before this revision
    op.execute("DELETE FROM self_assessment WHERE level IS NULL")
    with op.batch_alter_table('self_assessment', schema=None) as batch_op:
        batch_op.alter_column('level', existing_type=sa.Integer(), nullable=False)
