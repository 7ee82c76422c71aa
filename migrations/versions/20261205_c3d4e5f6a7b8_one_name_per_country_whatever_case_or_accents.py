"""one name per country for cohorts and institutions, whatever the case or accents

Until this revision the database kept two institutions (or cohorts) of a country apart when their names differed
in anything, and the forms refused a name that differed only in case, compared with the database's lower(), which
on SQLite lowers only A to Z: "ÑUBLE" and "Ñuble" could both be saved, and two requests at once could save
"Cohorte A" and "cohorte a". A trainee import, which finds an institution by its name without case or accents,
then met two. From this revision the unique constraint is on the name's search key (app.text.search_key: no case,
no accents). Names that already share a key keep the oldest as it is; each later one gets " (2)", " (3)", ... and
is named in the log, for an administrator to rename or merge.

Revision ID: c3d4e5f6a7b8
Revises: ed1e29379888
Create Date: 2026-12-05 15:05:00.000000

"""
import logging
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3d4e5f6a7b8'
down_revision = 'ed1e29379888'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
TABLES = ("cohort", "institution")


def _plain(text):
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _key(text):
    """The search key as app.text.search_key made it on the day of this migration."""
    return _plain(text)[:200]


def _tell_apart(connection, table_name):
    table = sa.table(table_name, sa.column("id", sa.Integer), sa.column("country_code", sa.String),
                     sa.column("name", sa.String), sa.column("name_key", sa.String))
    rows = connection.execute(sa.select(table.c.id, table.c.country_code, table.c.name).order_by(table.c.id)).all()
    taken = {(country, _key(name)) for _id, country, name in rows}
    seen = set()
    for row_id, country, name in rows:
        key = _key(name)
        if (country, key) not in seen:
            seen.add((country, key))
            continue
        number = 2
        while True:
            suffix = f" ({number})"
            base = name[:200 - len(suffix)]
            while base and len(_plain(base + suffix)) > 200:  # a character may give more than one to the key (Ⅻ)
                base = base[:-1]
            renamed = base + suffix
            if (country, _key(renamed)) not in taken:
                break
            number += 1
        taken.add((country, _key(renamed)))
        seen.add((country, _key(renamed)))
        connection.execute(sa.update(table).where(table.c.id == row_id).values(name=renamed, name_key=_key(renamed)))
        log.warning("%s %s of %s renamed %r: %r has the same name but for case or accents", table_name, row_id,
                    country, renamed, name)


def upgrade():
    connection = op.get_bind()
    for table_name in TABLES:
        _tell_apart(connection, table_name)
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table_name}_country_name', type_='unique')
            batch_op.create_unique_constraint(f'uq_{table_name}_country_name_key', ['country_code', 'name_key'])


def downgrade():
    for table_name in TABLES:
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_constraint(f'uq_{table_name}_country_name_key', type_='unique')
            batch_op.create_unique_constraint(f'uq_{table_name}_country_name', ['country_code', 'name'])
