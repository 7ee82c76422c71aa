"""the people an import created

An import's people were found again by the addresses of its file: the page of an import counted those still to
invite, and its button invited them, by the rows kept on the batch. Those rows are now purged after a while
(IMPORT_PREVIEW_DAYS), and an address of an account removed since may be another person's: the accounts an import
creates are recorded instead. Those of the imports done before are found as before, by the file's addresses among
the accounts of the batch's country.

Revision ID: e5b7c9d1f3a4
Revises: a8d3e5f7c9b2
Create Date: 2026-12-06 23:10:00.000000

"""
import json
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b7c9d1f3a4'
down_revision = 'a8d3e5f7c9b2'
branch_labels = None
depends_on = None


def _email(row):
    """A row's address as app.imports.services._email read it on the day of this migration."""
    email = " ".join((row.get("email") or "").split())
    visible = "".join(c for c in email if unicodedata.category(c) != "Cf")
    plain = unicodedata.normalize("NFKC", visible).translate({0x3002: "."})
    return unicodedata.normalize("NFKC", plain.strip().lower()).removeprefix("mailto:")


def upgrade():
    op.create_table('imported_person',
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_imported_person_batch_id_import_batch'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_imported_person_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('batch_id', 'user_id', name=op.f('pk_imported_person'))
    )
    with op.batch_alter_table('imported_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_person_user_id'), ['user_id'], unique=False)

    connection = op.get_bind()
    batches = sa.table("import_batch", sa.column("id", sa.Integer), sa.column("country_code", sa.String),
                       sa.column("status", sa.String), sa.column("rows", sa.JSON))
    users = sa.table("user", sa.column("id", sa.Integer), sa.column("email", sa.String),
                     sa.column("country_code", sa.String))
    people = sa.table("imported_person", sa.column("batch_id", sa.Integer), sa.column("user_id", sa.Integer))
    for batch_id, country_code, rows in connection.execute(
            sa.select(batches.c.id, batches.c.country_code, batches.c.rows).where(batches.c.status == "imported")):
        rows = json.loads(rows) if isinstance(rows, str) else rows or []
        emails = list(dict.fromkeys(_email(row) for row in rows if isinstance(row, dict)))
        for start in range(0, len(emails), 500):
            found = connection.execute(sa.select(users.c.id).where(
                users.c.email.in_(emails[start:start + 500]), users.c.country_code == country_code)).scalars().all()
            if found:
                connection.execute(sa.insert(people), [{"batch_id": batch_id, "user_id": user_id}
                                                       for user_id in found])


def downgrade():
    with op.batch_alter_table('imported_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_person_user_id'))

    op.drop_table('imported_person')
