"""watchlists and the watch event log

A user's watched cadres and persons, and the append-only log of what happened to them (records written, cases and
alerts changed), read by the `watchEvents` subscription.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-06 07:50:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

EVENT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table('watch_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency', sa.String(length=32), nullable=False),
    sa.Column('user', sa.String(length=128), nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("entity IN ('cadre', 'person')", name=op.f('ck_watch_entry_entity_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_entry')),
    sa.UniqueConstraint('agency', 'user', 'entity', 'entity_id', name='uq_watch_entry_watcher_entity')
    )
    op.create_index('ix_watch_entry_entity', 'watch_entry', ['entity', 'entity_id'], unique=False)
    op.create_table('watch_event',
    sa.Column('id', EVENT_ID, autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('change', sa.String(length=8), nullable=False),
    sa.Column('source_table', sa.String(length=64), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.CheckConstraint("change IN ('created', 'updated', 'deleted')", name=op.f('ck_watch_event_change_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_event')),
    sqlite_autoincrement=True
    )
    op.create_table('watch_event_subject',
    sa.Column('event_id', EVENT_ID, nullable=False),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("entity IN ('cadre', 'person')", name=op.f('ck_watch_event_subject_entity_known')),
    sa.ForeignKeyConstraint(['event_id'], ['watch_event.id'], name=op.f('fk_watch_event_subject_event_id_watch_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'entity', 'entity_id', name=op.f('pk_watch_event_subject'))
    )
    op.create_index('ix_watch_event_subject_entity', 'watch_event_subject', ['entity', 'entity_id', 'event_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_watch_event_subject_entity', table_name='watch_event_subject')
    op.drop_table('watch_event_subject')
    op.drop_table('watch_event')
    op.drop_index('ix_watch_entry_entity', table_name='watch_entry')
    op.drop_table('watch_entry')
