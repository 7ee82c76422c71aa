"""names searched and ordered without accents or case

Revision ID: ec0ccd9c35c2
Revises: 78967e73d05a
Create Date: 2026-12-05 09:07:31.998910

"""
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ec0ccd9c35c2'
down_revision = '78967e73d05a'
branch_labels = None
depends_on = None

NAMES = (("cohort", "name"), ("institution", "name"), ("user", "full_name"))


def _key(text):
    """The search key as app.text.search_key made it on the day of this migration."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()[:200]


def upgrade():
    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), server_default='', nullable=False))

    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), server_default='', nullable=False))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_user_name_key'), ['name_key'], unique=False)

    connection = op.get_bind()
    for table_name, column in NAMES:
        table = sa.table(table_name, sa.column("id", sa.Integer), sa.column(column, sa.String),
                         sa.column("name_key", sa.String))
        rows = connection.execute(sa.select(table.c.id, table.c[column])).all()
        for start in range(0, len(rows), 1000):
            connection.execute(sa.update(table).where(table.c.id == sa.bindparam("row_id"))
                               .values(name_key=sa.bindparam("key")),
                               [{"row_id": row_id, "key": _key(name)} for row_id, name in rows[start:start + 1000]])


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_name_key'))
        batch_op.drop_column('name_key')

    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_column('name_key')

    with op.batch_alter_table('cohort', schema=None) as batch_op:
        batch_op.drop_column('name_key')
