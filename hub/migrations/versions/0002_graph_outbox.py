"""graph outbox and checkpoint (the projection of the records into Neo4j)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:30:52.321246
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('graph_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_outbox_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_graph_checkpoint'))
    )
    op.create_table('graph_outbox',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('entity', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=True),
    sa.CheckConstraint("entity IN ('node', 'edge')", name=op.f('ck_graph_outbox_entity_known')),
    sa.CheckConstraint("op IN ('upsert', 'delete')", name=op.f('ck_graph_outbox_op_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_graph_outbox')),
    sqlite_autoincrement=True
    )


def downgrade() -> None:
    op.drop_table('graph_outbox')
    op.drop_table('graph_checkpoint')
