"""framework changes kept: who changed which part of a framework, when, and what it said before

An edit of a framework version nothing was built on is made in place; until now it left no trace. Each edit, import
and version made by an edit is now a row of framework_change, kept for good; the account that made it is forgotten
(SET NULL) with the account.

Revision ID: b9d1f3a5c7e0
Revises: f1a3c5e7b9d2
Create Date: 2026-12-07 08:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b9d1f3a5c7e0'
down_revision = 'f1a3c5e7b9d2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('framework_change',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('framework_id', sa.Integer(), nullable=False),
                    sa.Column('version_number', sa.Integer(), nullable=False),
                    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('actor_id', sa.Integer(), nullable=True),
                    sa.Column('kind', sa.String(length=20), nullable=False),
                    sa.Column('key', sa.String(length=20), nullable=False),
                    sa.Column('changes', sa.JSON(), nullable=False),
                    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_framework_change_actor_id_user'),
                                            ondelete='SET NULL'),
                    sa.ForeignKeyConstraint(['framework_id'], ['framework.id'],
                                            name=op.f('fk_framework_change_framework_id_framework'),
                                            ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_change')))
    with op.batch_alter_table('framework_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_change_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_framework_change_framework_id'), ['framework_id'], unique=False)


def downgrade():
    with op.batch_alter_table('framework_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_change_framework_id'))
        batch_op.drop_index(batch_op.f('ix_framework_change_actor_id'))
    op.drop_table('framework_change')
