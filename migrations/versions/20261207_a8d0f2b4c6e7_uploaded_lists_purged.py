"""uploaded lists purged: when a batch's rows were dropped

The rows of an uploaded trainee list (names and addresses of people, some never imported) were kept for ever.
From this revision they are dropped IMPORT_PREVIEW_DAYS after the upload (a preview never imported) or the import
(app.imports.services.purge_expired); the batch keeps its record and the moment its rows went.

Revision ID: a8d0f2b4c6e7
Revises: e5b7c9d1f3a4
Create Date: 2026-12-06 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8d0f2b4c6e7'
down_revision = 'e5b7c9d1f3a4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
