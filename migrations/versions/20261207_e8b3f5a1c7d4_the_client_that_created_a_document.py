"""the client that created a document

A client that reads back only its own statements (``write_own``, content whose key its users can see) read,
overwrote and deleted any document: every person's agent profiles, the state of other content. Each document now
names the client that created it, and such a client keeps only its own. Documents stored before name none: such
a client neither reads nor changes them (the others, as before).

Revision ID: e8b3f5a1c7d4
Revises: d4f6a8c0e2b1
Create Date: 2026-12-07 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e8b3f5a1c7d4'
down_revision = 'd4f6a8c0e2b1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('xapi_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_xapi_document_client_id_lrs_client'), 'lrs_client',
                                    ['client_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('xapi_document', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_xapi_document_client_id_lrs_client'), type_='foreignkey')
        batch_op.drop_column('client_id')
