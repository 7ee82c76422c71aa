"""the statements of a client, newest first, by an index

A client that reads back only its own statements (``write_own``) asks for them without a filter: without an
index on the client, PostgreSQL scanned every statement for its few (some 200 ms among a million, see
BENCHMARKS.md). Partial: the LMS's own statements, which have no client, are not in it.

Revision ID: d4f6a8c0e2b1
Revises: c9e2a7b5d3f1
Create Date: 2026-12-06 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f6a8c0e2b1'
down_revision = 'c9e2a7b5d3f1'
branch_labels = None
depends_on = None


def upgrade():
    condition = sa.text('client_id IS NOT NULL')
    with op.batch_alter_table('xapi_statement', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_statement_client_seq', ['client_id', 'seq'], unique=False,
                              postgresql_where=condition, sqlite_where=condition)


def downgrade():
    with op.batch_alter_table('xapi_statement', schema=None) as batch_op:
        batch_op.drop_index('ix_xapi_statement_client_seq')
