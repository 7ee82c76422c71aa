"""statements that a batch of 20 or more wrote as a JSON string (PostgreSQL) become the objects they are

Until this revision, a batch stored with COPY on PostgreSQL encoded each statement's JSON a second time, so the
row held a JSON string whose text is the statement. The statement itself was intact: it is decoded in place.
SQLite never took that path.

Revision ID: 3c1f0e7a9b52
Revises: 96723cd6cb95
Create Date: 2026-12-05 08:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3c1f0e7a9b52'
down_revision = '96723cd6cb95'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE xapi_statement SET data = (data #>> '{}')::json WHERE json_typeof(data) = 'string'")


def downgrade():
    pass  # the repaired rows are what the statements always should have been
