"""agencies are policy data: agency columns lose their CHECK constraints and hold any code the policy declares

Which agencies exist is declared beside the policy (policies/agencies.csv) and checked by the services on every
write, so adding an agency needs no migration. The columns stay VARCHAR(32) (they were non-native enums, so
PostgreSQL has no enum type to drop); every row is kept. Downgrading puts the constraints back over the ten agencies
0001 and 0003 knew, and fails if a row names another one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 09:12:40.418305
"""

from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

AGENCIES_OF_0003 = (
    'org', 'discipline', 'police', 'court', 'procuratorate', 'audit', 'petition', 'unit', 'inspector', 'security',
)
# table -> (CHECK constraint as 0001 and 0003 named it, the agency column it guards)
AGENCY_CHECKS: dict[str, tuple[tuple[str, str], ...]] = {
    'negative_record': (('ck_negative_record_agency', 'reporting_agency'),),
    'supervision_action': (('ck_supervision_action_agency', 'issued_by'),),
    'reporting_round': (('ck_reporting_round_agency', 'opened_by'),),
    'report_submission': (('ck_report_submission_agency', 'agency'),),
    'joint_review': (
        ('ck_joint_review_opening_agency', 'opened_by'),
        ('ck_joint_review_concluding_agency', 'concluded_by'),
    ),
    'review_answer': (('ck_review_answer_agency', 'agency'),),
    'matters_verification': (('ck_matters_verification_agency', 'decided_by'),),
    'decision': (('ck_decision_agency', 'agency'),),
}


def upgrade() -> None:
    for table, checks in AGENCY_CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _column in checks:
                batch_op.drop_constraint(batch_op.f(name), type_='check')


def downgrade() -> None:
    listed = ', '.join(f"'{code}'" for code in AGENCIES_OF_0003)
    for table, checks in AGENCY_CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column in checks:
                batch_op.create_check_constraint(batch_op.f(name), f'{column} IN ({listed})')
