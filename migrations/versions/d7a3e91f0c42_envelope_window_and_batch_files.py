"""a letter's envelope window side; a batch's several print files

Revision ID: d7a3e91f0c42
Revises: 96fcd261477e
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a3e91f0c42'
down_revision = '96fcd261477e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter') as batch_op:
        batch_op.add_column(sa.Column('window', sa.String(length=5), nullable=True))
    with op.batch_alter_table('batch') as batch_op:
        batch_op.add_column(sa.Column('files', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('batch') as batch_op:
        batch_op.drop_column('files')
    with op.batch_alter_table('letter') as batch_op:
        batch_op.drop_column('window')
