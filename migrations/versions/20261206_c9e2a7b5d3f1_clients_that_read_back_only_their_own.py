"""clients that read back only their own statements

A third access for LRS clients, ``write_own``: it writes, and reads back only the statements it wrote (xAPI's
statements/read/mine), for content whose key its users can see.

Revision ID: c9e2a7b5d3f1
Revises: b3d8e1f4a6c2
Create Date: 2026-12-06 12:10:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c9e2a7b5d3f1'
down_revision = 'b3d8e1f4a6c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lrs_client', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_lrs_client_client_scope'), type_='check')
        batch_op.create_check_constraint(op.f('ck_lrs_client_client_scope'),
                                         "scope IN ('read', 'read_write', 'write_own')")


def downgrade():
    # without this access, such a client could only be given more reading than it had: it is revoked
    op.execute("UPDATE lrs_client SET scope = 'read', revoked_at = COALESCE(revoked_at, created_at) "
               "WHERE scope = 'write_own'")
    with op.batch_alter_table('lrs_client', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_lrs_client_client_scope'), type_='check')
        batch_op.create_check_constraint(op.f('ck_lrs_client_client_scope'), "scope IN ('read', 'read_write')")
