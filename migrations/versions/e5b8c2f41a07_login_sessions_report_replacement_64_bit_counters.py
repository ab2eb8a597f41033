"""server-side login sessions; a newer report of an event replaces the earlier; 64-bit counters

Revision ID: e5b8c2f41a07
Revises: d7a3e91f0c42
Create Date: 2026-12-01 20:00:00

"""
import hashlib

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b8c2f41a07'
down_revision = 'd7a3e91f0c42'
branch_labels = None
depends_on = None

CURRENT = "event_key IS NOT NULL AND replaced_at IS NULL"


def _event_key(edition, group_name, event_code):
    # The same digest as marathon.reports.report_file.event_key_of (kept here as it is today).
    material = f"{int(edition)}\x1f{group_name.strip()}\x1f{event_code.strip().upper()}"
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def upgrade():
    op.create_table(
        'login_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_login_session_user_id_user')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_login_session_token_digest')),
    )
    with op.batch_alter_table('login_session') as batch_op:
        batch_op.create_index(
            batch_op.f('ix_login_session_last_seen_at'), ['last_seen_at'], unique=False
        )
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('report_import') as batch_op:
        batch_op.add_column(sa.Column('event_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True))
    _name_imported_events()
    op.create_index(
        'uq_report_import_current_event',
        'report_import',
        ['event_key'],
        unique=True,
        sqlite_where=sa.text(CURRENT),
        postgresql_where=sa.text(CURRENT),
    )

    # A report file could bring a 32-bit counter near its limit; 64 bits cannot be reached.
    with op.batch_alter_table('tally_count') as batch_op:
        batch_op.alter_column(
            'quantity', existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )
    with op.batch_alter_table('tally_rollup') as batch_op:
        batch_op.alter_column(
            'quantity', existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )


def _name_imported_events():
    """Give the imports made so far their event key, so a newer report replaces them.

    Only the latest import of each event gets it (an event imported twice before this version
    keeps both counts: no count changes here).
    """
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            'SELECT report_import.id, report_import.edition, report_import.event_code, '
            '"group".name FROM report_import JOIN "group" ON "group".id = report_import.group_id '
            'WHERE report_import.edition IS NOT NULL AND report_import.event_code IS NOT NULL '
            'ORDER BY report_import.id DESC'
        )
    ).all()
    named = set()
    for import_id, edition, event_code, group_name in rows:
        key = _event_key(edition, group_name, event_code)
        if key in named:
            continue
        named.add(key)
        connection.execute(
            sa.text('UPDATE report_import SET event_key = :key WHERE id = :id'),
            {"key": key, "id": import_id},
        )


def downgrade():
    with op.batch_alter_table('tally_rollup') as batch_op:
        batch_op.alter_column(
            'quantity', existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
    with op.batch_alter_table('tally_count') as batch_op:
        batch_op.alter_column(
            'quantity', existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
    op.drop_index('uq_report_import_current_event', table_name='report_import')
    with op.batch_alter_table('report_import') as batch_op:
        batch_op.drop_column('replaced_at')
        batch_op.drop_column('exported_at')
        batch_op.drop_column('event_key')
    with op.batch_alter_table('login_session') as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_login_session_last_seen_at'))
    op.drop_table('login_session')
