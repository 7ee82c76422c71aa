"""forms kept for their person: what was typed into a form sent once the sign-in or the page had expired

Revision ID: a8d3e5f7c9b2
Revises: e8b3f5a1c7d4
Create Date: 2026-12-06 23:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8d3e5f7c9b2'
down_revision = 'e8b3f5a1c7d4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kept_form',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('browser', sa.String(length=64), nullable=False),
                    sa.Column('user_id', sa.Integer(), nullable=False),
                    sa.Column('page', sa.String(length=2000), nullable=False),
                    sa.Column('form', sa.String(length=200), nullable=False),
                    sa.Column('fields', sa.Text(), nullable=False),
                    sa.Column('reason', sa.String(length=20), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_kept_form_user_id_user'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_form')))
    with op.batch_alter_table('kept_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_form_browser'), ['browser'], unique=False)
        batch_op.create_index(batch_op.f('ix_kept_form_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kept_form_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kept_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_form_user_id'))
        batch_op.drop_index(batch_op.f('ix_kept_form_created_at'))
        batch_op.drop_index(batch_op.f('ix_kept_form_browser'))
    op.drop_table('kept_form')
