"""a batch's files withdrawn (a letter in them deleted, or the retention period over)

Revision ID: f3c9a1d27b85
Revises: e5b8c2f41a07
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3c9a1d27b85'
down_revision = 'e5b8c2f41a07'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('batch') as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_reason', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('batch') as batch_op:
        batch_op.drop_column('withdrawn_reason')
        batch_op.drop_column('withdrawn_at')
