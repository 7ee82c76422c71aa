"""forms sent twice make their thing once: the one-time tokens already used

Revision ID: d4e5f6a7b8c9
Revises: 7b2c9d4e1f60
Create Date: 2026-12-05 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e5f6a7b8c9'
down_revision = '7b2c9d4e1f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('form_submission',
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('token', sa.String(length=64), nullable=False),
                    sa.Column('result', sa.String(length=200), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_form_submission_user_id_user'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('user_id', 'token', name=op.f('pk_form_submission')))
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_submission_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('form_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_submission_created_at'))
    op.drop_table('form_submission')
