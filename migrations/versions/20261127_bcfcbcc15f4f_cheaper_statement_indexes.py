"""cheaper statement indexes: BRIN on stored, partial indexes that skip rows without a value

Revision ID: bcfcbcc15f4f
Revises: 5a72fa7faf88
Create Date: 2026-11-27 04:41:26.648060

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bcfcbcc15f4f'
down_revision = '5a72fa7faf88'
branch_labels = None
depends_on = None


def upgrade():
    # Cheaper indexes on xapi_statement (same names as before, so autogenerate cannot see the change):
    # BRIN for the stored time, partial indexes that skip rows without a value.
    with op.batch_alter_table('xapi_statement', schema=None) as batch_op:
        for name in ('ix_xapi_statement_stored', 'ix_xapi_statement_ref_id', 'ix_xapi_statement_user_id',
                     'ix_xapi_statement_registration_seq'):
            batch_op.drop_index(name)
        batch_op.create_index('ix_xapi_statement_stored', ['stored'], unique=False, postgresql_using='brin')
        for name, columns, column in (('ix_xapi_statement_registration_seq', ['registration', 'seq'], 'registration'),
                                      ('ix_xapi_statement_ref_id', ['ref_id'], 'ref_id'),
                                      ('ix_xapi_statement_user_id', ['user_id'], 'user_id')):
            condition = sa.text(f'{column} IS NOT NULL')
            batch_op.create_index(name, columns, unique=False, postgresql_where=condition, sqlite_where=condition)


def downgrade():
    with op.batch_alter_table('xapi_statement', schema=None) as batch_op:
        for name in ('ix_xapi_statement_stored', 'ix_xapi_statement_ref_id', 'ix_xapi_statement_user_id',
                     'ix_xapi_statement_registration_seq'):
            batch_op.drop_index(name)
        batch_op.create_index('ix_xapi_statement_stored', ['stored'], unique=False)
        batch_op.create_index('ix_xapi_statement_ref_id', ['ref_id'], unique=False)
        batch_op.create_index('ix_xapi_statement_user_id', ['user_id'], unique=False)
        batch_op.create_index('ix_xapi_statement_registration_seq', ['registration', 'seq'], unique=False)
