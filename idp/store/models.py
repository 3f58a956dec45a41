"""Tables. Times are integer epoch seconds; secrets are stored only as SHA-256 digests."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[str]: JSON}


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(255), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    email_verified: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str | None] = mapped_column(String(255))
    given_name: Mapped[str | None] = mapped_column(String(255))
    family_name: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[int]
    updated_at: Mapped[int]
    # A second factor at every sign-in (enrolment forced at the next one): idp.authn.mfa_policy.
    mfa_required: Mapped[bool] = mapped_column(server_default=false())


class TotpCredentialRow(Base):
    """A user's TOTP secret (RFC 6238), sealed under the instance key and bound to the
    user, and the last time step accepted, so no code is accepted twice (RFC 6238 §5.2)."""

    __tablename__ = "totp_credentials"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    sealed_secret: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[int]
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCodeRow(Base):
    """A single-use recovery code, stored as a keyed digest (idp.authn.recovery_codes)."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    code_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[int]
    used_at: Mapped[int | None]


class PasskeyRow(Base):
    """A WebAuthn credential (idp.authn.passkeys): its public key (COSE), not a secret,
    and the last sign count, so a cloned authenticator shows (WebAuthn L3 §6.1.1)."""

    __tablename__ = "passkeys"

    credential_id: Mapped[str] = mapped_column(String(1364), primary_key=True)  # base64url
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger)
    transports: Mapped[list[str]]
    name: Mapped[str] = mapped_column(String(64))
    aaguid: Mapped[str | None] = mapped_column(String(36))
    synced: Mapped[bool]
    created_at: Mapped[int]
    last_used_at: Mapped[int | None]


class WebAuthnChallengeRow(Base):
    """Digests of WebAuthn challenges already used, so none is used twice (WebAuthn L3
    §13.4.3); kept until the challenge would have expired."""

    __tablename__ = "webauthn_challenges"

    challenge_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[int] = mapped_column(index=True)


class RememberedDeviceRow(Base):
    """A browser the user asked to be remembered at the second factor (idp.authn.risk):
    the digest of its device id (the id itself is only in the sealed cookie) and the
    networks (IPv4 /24, IPv6 /48) it gave a second factor from."""

    __tablename__ = "remembered_devices"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    device_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_agent: Mapped[str] = mapped_column(String(255))
    networks: Mapped[list[str]]
    created_at: Mapped[int]
    last_used_at: Mapped[int]
    expires_at: Mapped[int] = mapped_column(index=True)


class MailLinkRow(Base):
    """A link mailed to a user (idp.authn.mail_links): a password reset or a sign-in
    link, stored as the digest of its 256-bit token, single use (``used_at``, set by a
    conditional UPDATE), short-lived; a sign-in link also holds the digest of the cookie
    of the browser that asked and the interaction it continues (sealed)."""

    __tablename__ = "mail_links"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    browser_digest: Mapped[str | None] = mapped_column(String(64))
    interaction: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[int]
    expires_at: Mapped[int] = mapped_column(index=True)
    used_at: Mapped[int | None]


class ClientRow(Base):
    __tablename__ = "clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    secret_digest: Mapped[str | None] = mapped_column(String(64))
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(32))
    redirect_uris: Mapped[list[str]]
    grant_types: Mapped[list[str]]
    scope: Mapped[str] = mapped_column(String(1024))
    first_party: Mapped[bool] = mapped_column(default=False)
    jwks: Mapped[dict[str, Any] | None]
    id_token_signed_response_alg: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[int]
    resources: Mapped[list[str]] = mapped_column(server_default="[]")
    require_par: Mapped[bool] = mapped_column(server_default=false())
    access_token_ttl: Mapped[int | None]
    id_token_ttl: Mapped[int | None]
    refresh_token_ttl: Mapped[int | None]
    refresh_token_grace_period: Mapped[int] = mapped_column(server_default="0")
    web_origins: Mapped[list[str]] = mapped_column(server_default="[]")
    exchange_audiences: Mapped[list[str]] = mapped_column(server_default="[]")
    may_impersonate: Mapped[bool] = mapped_column(server_default=false())
    # OIDC RP-Initiated, Back-Channel and Front-Channel Logout 1.0 client metadata.
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(server_default="[]")
    backchannel_logout_uri: Mapped[str | None] = mapped_column(String(2048))
    backchannel_logout_session_required: Mapped[bool] = mapped_column(server_default=false())
    frontchannel_logout_uri: Mapped[str | None] = mapped_column(String(2048))
    frontchannel_logout_session_required: Mapped[bool] = mapped_column(server_default=false())
    # Every user signing in to this client uses a second factor (idp.authn.mfa_policy).
    require_mfa: Mapped[bool] = mapped_column(server_default=false())
    # Which roles, groups, permissions and attributes its tokens carry (idp.authz.claims).
    claim_mapping: Mapped[dict[str, Any] | None]


class SigningKeyRow(Base):
    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(16))
    sealed_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, Any]]
    created_at: Mapped[int]
    activates_at: Mapped[int]
    expires_at: Mapped[int | None]


class SsoSessionRow(Base):
    __tablename__ = "sso_sessions"

    id_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    auth_time: Mapped[int]
    amr: Mapped[list[str]]
    acr: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[int]
    last_seen_at: Mapped[int]
    expires_at: Mapped[int]
    # Where it was started, as shown to the user and the operator (idp sessions list).
    user_agent: Mapped[str] = mapped_column(String(255), server_default="")
    address: Mapped[str] = mapped_column(String(64), server_default="")
    # Orders logins within one second (created_at): the oldest session ends first.
    created_ns: Mapped[int] = mapped_column(BigInteger, server_default="0")


class SessionPartyRow(Base):
    """A client that took part in an SSO session (it was answered for it), to be told
    when the session ends (OIDC Back-Channel and Front-Channel Logout)."""

    __tablename__ = "session_parties"

    sid: Mapped[str] = mapped_column(
        ForeignKey("sso_sessions.sid", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    joined_at: Mapped[int]


class ConsentRow(Base):
    __tablename__ = "consents"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    scope: Mapped[str] = mapped_column(String(1024))
    updated_at: Mapped[int]


class AuthorizationCodeRow(Base):
    __tablename__ = "authorization_codes"

    code_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    redirect_uri: Mapped[str] = mapped_column(String(2048))
    scope: Mapped[str] = mapped_column(String(1024))
    nonce: Mapped[str | None] = mapped_column(String(512))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    sid: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[int] = mapped_column(index=True)
    used_at: Mapped[int | None]
    access_token_jti: Mapped[str | None] = mapped_column(String(64))
    access_token_expires_at: Mapped[int | None]
    refresh_family_id: Mapped[str | None] = mapped_column(String(64))
    resources: Mapped[list[str]] = mapped_column(server_default="[]")
    # The tokens' acr where an essential acr request named another class than the
    # session's (OIDC Core §5.5.1.1); NULL: the session's.
    acr: Mapped[str | None] = mapped_column(String(64))


class RefreshTokenRow(Base):
    __tablename__ = "refresh_tokens"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    family_id: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sid: Mapped[str] = mapped_column(String(64), index=True)
    scope: Mapped[str] = mapped_column(String(1024))
    auth_time: Mapped[int]
    created_at: Mapped[int]
    expires_at: Mapped[int]
    revoked_at: Mapped[int | None]
    rotated_at: Mapped[int | None]
    access_token_jti: Mapped[str | None] = mapped_column(String(64))
    access_token_expires_at: Mapped[int | None]
    offline: Mapped[bool] = mapped_column(server_default=false())
    acr: Mapped[str] = mapped_column(String(64), server_default="")
    amr: Mapped[list[str]] = mapped_column(server_default="[]")
    # Within the client's grace period: the response its rotation gave, sealed.
    replay_response: Mapped[bytes | None] = mapped_column(LargeBinary)


class RevocationRow(Base):
    """What has been taken back, kept until the last token it covers has expired."""

    __tablename__ = "revocations"
    __table_args__ = (Index("ix_revocations_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(String(64))
    # Who: "system", "operator", "user:<id>" or "client:<id>" (idp.revocation.events).
    actor: Mapped[str] = mapped_column(String(80), server_default="")
    revoked_at: Mapped[int]
    prune_after: Mapped[int]
    # PostgreSQL: the inserting transaction (pg_current_xact_id), for readers that
    # follow commit order (idp.store.revocations). NULL on SQLite.
    transaction_id: Mapped[int | None] = mapped_column(BigInteger, index=True)


class ClientAssertionRow(Base):
    """`jti`s of accepted private_key_jwt assertions, so none is used twice (RFC 7523 §3)."""

    __tablename__ = "client_assertions"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[int] = mapped_column(index=True)


class SecurityEventRow(Base):
    """Security-relevant happenings (refresh token reuse, code reuse, ...), kept for the
    security event stream (RFC 8417) that publishes them."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    event_type: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str | None] = mapped_column(String(64))
    sid: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]]
    created_at: Mapped[int] = mapped_column(index=True)
    # For one stream only (SSF verification and stream-updated events), or NULL: for
    # every stream that asks for its type (idp.ssf.model).
    stream_id: Mapped[str | None] = mapped_column(String(64))


class DeviceAuthorizationRow(Base):
    """A device authorization request (RFC 8628 §3.1) and what the user decided."""

    __tablename__ = "device_authorizations"

    device_code_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_code: Mapped[str] = mapped_column(String(16), unique=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(1024))
    resources: Mapped[list[str]]
    created_at: Mapped[int]
    expires_at: Mapped[int] = mapped_column(index=True)
    interval: Mapped[int]
    last_polled_at: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sid: Mapped[str | None] = mapped_column(String(64))


class PushedRequestRow(Base):
    """A pushed authorization request (RFC 9126 §2.2), single use."""

    __tablename__ = "pushed_requests"

    request_uri_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.client_id", ondelete="CASCADE"))
    parameters: Mapped[dict[str, Any]]
    expires_at: Mapped[int] = mapped_column(index=True)
    used_at: Mapped[int | None]


class CacheVersionRow(Base):
    """A counter per cached kind of data (clients, keys); nodes poll it to know when
    their in-memory copy is stale."""

    __tablename__ = "cache_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int]


class DeliveryRow(Base):
    """The outbox (idp.outbox): a message to another party, written in the transaction
    that caused it and kept until delivered (then pruned) or given up (then listed)."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    # No foreign key: a delivery to a deleted client is given up, and stays listed.
    client_id: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(2048))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[int]
    attempts: Mapped[int] = mapped_column(server_default="0")
    next_attempt_at: Mapped[int] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(String(512))
    delivered_at: Mapped[int | None]
    failed_at: Mapped[int | None]


class StatusListRow(Base):
    """A token status list (idp.revocation.status_list): ``size`` indexes, leased to the
    nodes in blocks; ``full`` once every block has been leased."""

    __tablename__ = "status_lists"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    size: Mapped[int]
    created_at: Mapped[int]
    full: Mapped[bool] = mapped_column(default=False)
    # When the last token recorded in it expires: the list can go after that.
    last_expiry: Mapped[int] = mapped_column(default=0)


class StatusBlockRow(Base):
    """A block of a list's indexes, leased by one node (idp.revocation.status_indexes)."""

    __tablename__ = "status_blocks"

    list_id: Mapped[int] = mapped_column(
        ForeignKey("status_lists.id", ondelete="CASCADE"), primary_key=True
    )
    block: Mapped[int] = mapped_column(primary_key=True)
    holder: Mapped[str] = mapped_column(String(64), index=True)
    leased_until: Mapped[int]
    closed: Mapped[bool] = mapped_column(default=False)


class StatusEntryBatchRow(Base):
    """What indexes of one block were issued for, as one flush of its node recorded
    them: packed in one value (idp.store.status_lists), so recording costs a row per
    block and flush rather than per token."""

    __tablename__ = "status_entry_batches"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("status_lists.id", ondelete="CASCADE"), index=True
    )
    block: Mapped[int]
    entries: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[int]  # when the last of its tokens expires


class SuspensionRow(Base):
    """A user (kind "sub") or a client ("client_id") in quarantine, until the row goes
    (idp.revocation.suspensions)."""

    __tablename__ = "suspensions"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), primary_key=True)
    since: Mapped[int]
    reason: Mapped[str] = mapped_column(String(255))
    actor: Mapped[str] = mapped_column(String(80))


class StreamRow(Base):
    """A Shared Signals stream (idp.ssf.model.Stream): a receiver client and how it
    takes its events."""

    __tablename__ = "streams"

    stream_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(String(32))
    endpoint_url: Mapped[str] = mapped_column(String(2048))
    events_requested: Mapped[list[str] | None]
    # Push: the Authorization header the receiver wants with each SET (its secret).
    authorization_header: Mapped[str | None] = mapped_column(String(4096))
    description: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(String(255))
    start_after: Mapped[int] = mapped_column(BigInteger)
    held_after: Mapped[int | None] = mapped_column(BigInteger)
    dropped_after: Mapped[int | None] = mapped_column(BigInteger)
    dropped_through: Mapped[int | None] = mapped_column(BigInteger)
    acked_through: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[int]
    last_verification_at: Mapped[int | None]


class StreamAckRow(Base):
    """A poll acknowledgement (RFC 8936 §2.2) above the stream's ``acked_through``."""

    __tablename__ = "stream_acks"

    stream_id: Mapped[str] = mapped_column(
        ForeignKey("streams.stream_id", ondelete="CASCADE"), primary_key=True
    )
    event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class RoleRow(Base):
    """A role (idp.authz.model): realm-wide (``client_id`` NULL) or of one client,
    named by ``ref`` (``name`` or ``client_id/name``)."""

    __tablename__ = "roles"

    ref: Mapped[str] = mapped_column(String(129), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str | None] = mapped_column(
        ForeignKey("clients.client_id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[int]


class RoleCompositeRow(Base):
    """``role`` includes ``includes`` (acyclic: idp.authz.roles.check_composite)."""

    __tablename__ = "role_composites"

    role: Mapped[str] = mapped_column(ForeignKey("roles.ref", ondelete="CASCADE"), primary_key=True)
    includes: Mapped[str] = mapped_column(
        ForeignKey("roles.ref", ondelete="CASCADE"), primary_key=True, index=True
    )


class RolePermissionRow(Base):
    __tablename__ = "role_permissions"

    role: Mapped[str] = mapped_column(ForeignKey("roles.ref", ondelete="CASCADE"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(127), primary_key=True)


class AuthzGroupRow(Base):
    __tablename__ = "authz_groups"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    description: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[int]


class GroupParentRow(Base):
    """A group nested in ``parent`` (one parent at most; acyclic). Deleting the parent
    makes the group top-level."""

    __tablename__ = "group_parents"

    group_name: Mapped[str] = mapped_column(
        ForeignKey("authz_groups.name", ondelete="CASCADE"), primary_key=True
    )
    parent: Mapped[str] = mapped_column(
        ForeignKey("authz_groups.name", ondelete="CASCADE"), index=True
    )


class GroupRoleRow(Base):
    __tablename__ = "group_roles"

    group_name: Mapped[str] = mapped_column(
        ForeignKey("authz_groups.name", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(
        ForeignKey("roles.ref", ondelete="CASCADE"), primary_key=True, index=True
    )


class GroupMemberRow(Base):
    __tablename__ = "group_members"

    group_name: Mapped[str] = mapped_column(
        ForeignKey("authz_groups.name", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class UserRoleRow(Base):
    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(
        ForeignKey("roles.ref", ondelete="CASCADE"), primary_key=True, index=True
    )


class UserAttributeRow(Base):
    """A typed user attribute (idp.authz.model.AttributeType); the value as JSON."""

    __tablename__ = "user_attributes"

    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[Any] = mapped_column(JSON)


class AuthzChangeRow(Base):
    """The audit trail of the RBAC model: who changed what, when."""

    __tablename__ = "authz_changes"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    created_at: Mapped[int] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]]


class PolicyVersionRow(Base):
    """One published version of the realm's policies (idp.authz.policy_store): never
    changed once written; the highest number is in force."""

    __tablename__ = "policy_versions"

    number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64))
    # the user attributes, resource types and actions (idp.authz.declarations)
    declaration: Mapped[dict[str, Any]]
    actor: Mapped[str] = mapped_column(String(100))
    comment: Mapped[str | None] = mapped_column(String(255))
    rollback_of: Mapped[int | None]  # the version republished; not a foreign key: history
    created_at: Mapped[int]


class PolicySourceRow(Base):
    """One policy of a version, as its author wrote it; ``position`` keeps their order."""

    __tablename__ = "policy_sources"

    version: Mapped[int] = mapped_column(
        ForeignKey("policy_versions.number", ondelete="CASCADE"), primary_key=True
    )
    policy_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
