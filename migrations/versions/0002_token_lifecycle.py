"""token lifecycle

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 22:05:45.810053
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    cache_versions = op.create_table('cache_versions',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions'))
    )
    op.bulk_insert(cache_versions, [{"name": "clients", "version": 0}, {"name": "keys", "version": 0}])
    op.create_table('security_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('event_type', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=True),
    sa.Column('sid', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_events'))
    )
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_events_created_at'), ['created_at'], unique=False)

    op.create_table('device_authorizations',
    sa.Column('device_code_digest', sa.String(length=64), nullable=False),
    sa.Column('user_code', sa.String(length=16), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=1024), nullable=False),
    sa.Column('resources', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Integer(), nullable=False),
    sa.Column('interval', sa.Integer(), nullable=False),
    sa.Column('last_polled_at', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('sid', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.client_id'], name=op.f('fk_device_authorizations_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_device_authorizations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('device_code_digest', name=op.f('pk_device_authorizations')),
    sa.UniqueConstraint('user_code', name=op.f('uq_device_authorizations_user_code'))
    )
    with op.batch_alter_table('device_authorizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_authorizations_expires_at'), ['expires_at'], unique=False)

    op.create_table('pushed_requests',
    sa.Column('request_uri_digest', sa.String(length=64), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('parameters', sa.JSON(), nullable=False),
    sa.Column('expires_at', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['client_id'], ['clients.client_id'], name=op.f('fk_pushed_requests_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_uri_digest', name=op.f('pk_pushed_requests'))
    )
    with op.batch_alter_table('pushed_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pushed_requests_expires_at'), ['expires_at'], unique=False)

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resources', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('require_par', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('access_token_ttl', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('id_token_ttl', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refresh_token_ttl', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('exchange_audiences', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('may_impersonate', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resources', sa.JSON(), server_default='[]', nullable=False))
        # Redemption takes auth_time, acr and amr from the live session (sid) instead.
        batch_op.drop_column('auth_time')
        batch_op.drop_column('acr')
        batch_op.drop_column('amr')

    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rotated_at', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('access_token_jti', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('access_token_expires_at', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('offline', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('acr', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('amr', sa.JSON(), server_default='[]', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_column('amr')
        batch_op.drop_column('acr')
        batch_op.drop_column('offline')
        batch_op.drop_column('access_token_expires_at')
        batch_op.drop_column('access_token_jti')
        batch_op.drop_column('rotated_at')

    with op.batch_alter_table('authorization_codes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('amr', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('acr', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('auth_time', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_column('resources')

    with op.batch_alter_table('clients', schema=None) as batch_op:
        batch_op.drop_column('may_impersonate')
        batch_op.drop_column('exchange_audiences')
        batch_op.drop_column('refresh_token_ttl')
        batch_op.drop_column('id_token_ttl')
        batch_op.drop_column('access_token_ttl')
        batch_op.drop_column('require_par')
        batch_op.drop_column('resources')

    with op.batch_alter_table('pushed_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pushed_requests_expires_at'))

    op.drop_table('pushed_requests')
    with op.batch_alter_table('device_authorizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_authorizations_expires_at'))

    op.drop_table('device_authorizations')
    with op.batch_alter_table('security_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_events_created_at'))

    op.drop_table('security_events')
    op.drop_table('cache_versions')
