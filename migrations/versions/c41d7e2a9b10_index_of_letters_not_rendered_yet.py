"""index of the letters not rendered yet (the render sweep's look-up)

Revision ID: c41d7e2a9b10
Revises: b13a4ced06c5
Create Date: 2026-11-25 19:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41d7e2a9b10'
down_revision = 'b13a4ced06c5'
branch_labels = None
depends_on = None

NOT_RENDERED = "rendered_at IS NULL AND purged_at IS NULL"


def upgrade():
    op.create_index(
        'ix_letter_not_rendered',
        'letter',
        ['id'],
        unique=False,
        sqlite_where=sa.text(NOT_RENDERED),
        postgresql_where=sa.text(NOT_RENDERED),
    )


def downgrade():
    op.drop_index('ix_letter_not_rendered', table_name='letter')
