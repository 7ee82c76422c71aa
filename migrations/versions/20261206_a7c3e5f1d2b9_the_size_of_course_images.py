"""the size of course images

An image of a course's assets keeps the width and height its file gives, written on the module page's <img> so
that the text does not jump as the image arrives. The images synced before this revision are measured here.

Revision ID: a7c3e5f1d2b9
Revises: f2a9c4d1b6e3
Create Date: 2026-12-06 06:05:00.000000

"""
import io

from alembic import op
import imagesize
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7c3e5f1d2b9'
down_revision = 'f2a9c4d1b6e3'
branch_labels = None
depends_on = None


def _size(data):
    """(width, height) as app.courses.services.image_size gave them on the day of this migration."""
    try:
        width, height = imagesize.get(io.BytesIO(data))
    except Exception:
        return None
    if not (0 < width < 100_000 and 0 < height < 100_000):
        return None
    return max(1, round(width)), max(1, round(height))


def upgrade():
    with op.batch_alter_table('course_asset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('width', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('height', sa.Integer(), nullable=True))

    connection = op.get_bind()
    asset = sa.table("course_asset", sa.column("id", sa.Integer), sa.column("sha256", sa.String),
                     sa.column("media_type", sa.String), sa.column("width", sa.Integer),
                     sa.column("height", sa.Integer))
    blob = sa.table("asset_blob", sa.column("sha256", sa.String), sa.column("data", sa.LargeBinary))
    images = connection.execute(sa.select(asset.c.sha256, sa.func.min(asset.c.id)).where(
        asset.c.media_type.like("image/%")).group_by(asset.c.sha256)).all()
    for sha256, _first in images:  # one file at a time: images may be large
        data = connection.scalar(sa.select(blob.c.data).where(blob.c.sha256 == sha256))
        size = _size(data) if data is not None else None
        if size:
            connection.execute(sa.update(asset).where(asset.c.sha256 == sha256, asset.c.media_type.like("image/%"))
                               .values(width=size[0], height=size[1]))


def downgrade():
    with op.batch_alter_table('course_asset', schema=None) as batch_op:
        batch_op.drop_column('height')
        batch_op.drop_column('width')
