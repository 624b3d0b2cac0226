"""dated evidence: start and end dates and a source on roles in organizations, kinship, ties and part-time posts;
contracts with their period

A conflict of interest counts only where a contract's period overlaps the cadre's tenure, the relative's role and
the kinship; these columns carry those periods. All are nullable (unknown dates count as open), so every row is kept.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

PERIOD_CHECK = "end_date IS NULL OR start_date IS NULL OR end_date >= start_date"
# table -> (adds start and end dates, adds a source, adds reported_on)
DATED = {
    'organization_role': (True, True, True),
    'kinship': (True, True, True),
    'social_tie': (True, False, True),
    'part_time_position': (False, True, True),
}


def upgrade() -> None:
    for table, (period, source, reported) in DATED.items():
        with op.batch_alter_table(table) as batch:
            if period:
                batch.add_column(sa.Column('start_date', sa.Date(), nullable=True))
                batch.add_column(sa.Column('end_date', sa.Date(), nullable=True))
                batch.create_check_constraint(op.f(f'ck_{table}_ends_after_start'), PERIOD_CHECK)
            if source:
                batch.add_column(sa.Column('source', sa.String(length=128), nullable=False, server_default=''))
            if reported:
                batch.add_column(sa.Column('reported_on', sa.Date(), nullable=True))
    with op.batch_alter_table('supply_contract') as batch:
        batch.add_column(sa.Column('start_date', sa.Date(), nullable=True))
        batch.add_column(sa.Column('end_date', sa.Date(), nullable=True))
        batch.create_check_constraint(op.f('ck_supply_contract_ends_after_start'), "end_date IS NULL OR end_date >= coalesce(start_date, signed_on)")


def downgrade() -> None:
    with op.batch_alter_table('supply_contract') as batch:
        batch.drop_constraint(op.f('ck_supply_contract_ends_after_start'), type_='check')
        batch.drop_column('end_date')
        batch.drop_column('start_date')
    for table, (period, source, reported) in DATED.items():
        with op.batch_alter_table(table) as batch:
            if reported:
                batch.drop_column('reported_on')
            if source:
                batch.drop_column('source')
            if period:
                batch.drop_constraint(op.f(f'ck_{table}_ends_after_start'), type_='check')
                batch.drop_column('end_date')
                batch.drop_column('start_date')
