"""report indexes by case and by event

Revision ID: 96fcd261477e
Revises: c41d7e2a9b10
Create Date: 2026-11-25 20:06:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '96fcd261477e'
down_revision = 'c41d7e2a9b10'
branch_labels = None
depends_on = None

# The two covering orders of marathon.tally.models.REPORT_INDEXES, written out: a migration
# must keep building the same schema whatever the models say later.
BY_CASE = ['edition', 'case_id', 'event_id', 'group_id', 'day', 'channel', 'kind', 'language', 'quantity']
BY_EVENT = ['edition', 'event_id', 'group_id', 'day', 'channel', 'kind', 'language', 'case_id', 'quantity']
OLD_REPORT = ['edition', 'case_id', 'kind', 'language', 'channel', 'event_id', 'group_id', 'day', 'quantity']


def upgrade():
    with op.batch_alter_table('tally_count', schema=None) as batch_op:
        batch_op.drop_index('ix_tally_count_report')
        batch_op.create_index('ix_tally_count_by_case', BY_CASE, unique=False)
        batch_op.create_index('ix_tally_count_by_event', BY_EVENT, unique=False)


def downgrade():
    with op.batch_alter_table('tally_count', schema=None) as batch_op:
        batch_op.drop_index('ix_tally_count_by_event')
        batch_op.drop_index('ix_tally_count_by_case')
        batch_op.create_index('ix_tally_count_report', OLD_REPORT, unique=False)
