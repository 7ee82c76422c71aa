"""the agents and activities of statements kept in key order on SQLite (WITHOUT ROWID)

xapi_statement_agent and xapi_statement_activity are keyed by (key, statement_seq) and hold one more column,
is_direct. As rowid tables, SQLite kept them twice: the rows by rowid, and the key in an index pointing to them, so
that a filter on direct mentions read a row elsewhere for each statement of the agent or activity (some 45 ms for
the 6,000 statements of an activity). WITHOUT ROWID keeps the rows themselves in key order: one B-tree, read in
one range. SQLite rebuilds the tables; nothing changes on PostgreSQL.

Revision ID: f1a3c5e7b9d2
Revises: c4e6a8b0d2f1
Create Date: 2026-12-07 05:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f1a3c5e7b9d2'
down_revision = 'c4e6a8b0d2f1'
branch_labels = None
depends_on = None

TABLES = ('xapi_statement_agent', 'xapi_statement_activity')


def rebuild(with_rowid: bool):
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        with op.batch_alter_table(table, schema=None, recreate='always',
                                  table_kwargs={'sqlite_with_rowid': with_rowid}):
            pass


def upgrade():
    rebuild(with_rowid=False)


def downgrade():
    rebuild(with_rowid=True)
