"""security event streams: Shared Signals streams, poll acknowledgements, and events
meant for one stream

Revision ID: 0006
Revises: 0005

Events recorded before the upgrade stay in the log, for every stream (stream_id NULL);
a stream starts after the newest event there is when it is created.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('streams',
    sa.Column('stream_id', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('endpoint_url', sa.String(length=2048), nullable=False),
    sa.Column('events_requested', sa.JSON(), nullable=True),
    sa.Column('authorization_header', sa.String(length=4096), nullable=True),
    sa.Column('description', sa.String(length=255), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_reason', sa.String(length=255), nullable=True),
    sa.Column('start_after', sa.BigInteger(), nullable=False),
    sa.Column('held_after', sa.BigInteger(), nullable=True),
    sa.Column('dropped_after', sa.BigInteger(), nullable=True),
    sa.Column('dropped_through', sa.BigInteger(), nullable=True),
    sa.Column('acked_through', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.Integer(), nullable=False),
    sa.Column('last_verification_at', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.client_id'], name=op.f('fk_streams_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('stream_id', name=op.f('pk_streams'))
    )
    with op.batch_alter_table('streams', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_streams_client_id'), ['client_id'], unique=False)

    op.create_table('stream_acks',
    sa.Column('stream_id', sa.String(length=64), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['stream_id'], ['streams.stream_id'], name=op.f('fk_stream_acks_stream_id_streams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('stream_id', 'event_id', name=op.f('pk_stream_acks'))
    )
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stream_id', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.drop_column('stream_id')

    op.drop_table('stream_acks')
    with op.batch_alter_table('streams', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_streams_client_id'))

    op.drop_table('streams')
