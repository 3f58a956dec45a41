"""Settings, read from environment variables prefixed ``IDP_``.

Every option has a secure default and a one-line description; the configuration
reference in docs/configuration.md is generated from this class
(``idp config docs``), and a test fails when the two drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from idp.keys.publication import minimum_publish_delay
from idp.revocation.status_list import DRAFT as STATUS_LIST_DRAFT


class Settings(BaseSettings):
    """Tessera's configuration."""

    model_config = SettingsConfigDict(env_prefix="IDP_", extra="ignore", frozen=True)

    issuer: str = Field(
        "http://127.0.0.1:8000",
        description="Issuer identifier: the https URL clients see (OIDC Discovery §3).",
    )
    database_url: str = Field(
        "sqlite:///tessera.db",
        description="SQLAlchemy URL; use postgresql+psycopg://… at scale.",
    )
    secret_key_file: Path = Field(
        Path("idp-secret.key"),
        description="File holding the instance secret (created 0600 on first start).",
    )
    access_token_ttl: int = Field(600, ge=60, le=3600, description="Access token lifetime, s.")
    id_token_ttl: int = Field(600, ge=60, le=3600, description="ID token lifetime, s.")
    refresh_token_ttl: int = Field(
        86400 * 14, ge=600, description="Refresh token lifetime, s (bounded by the session)."
    )
    offline_access_max_lifetime: int = Field(
        86400 * 90,
        ge=3600,
        le=86400 * 730,
        description="Offline access (refresh tokens with offline_access) ends this long after "
        "the login it came from, however often it is refreshed, s.",
    )
    authorization_code_ttl: int = Field(
        60, ge=10, le=600, description="Authorization code lifetime, s (RFC 6749 §4.1.2)."
    )
    interaction_ttl: int = Field(
        900, ge=60, le=3600, description="Time a user has to finish login and consent, s."
    )
    totp_issuer: str = Field(
        "Tessera",
        min_length=1,
        max_length=64,
        pattern=r"^[^:]+$",
        description="Name authenticator apps show beside a TOTP account (Key Uri Format "
        "issuer; no colon).",
    )
    remember_device_days: int = Field(
        0,
        ge=0,
        le=365,
        description="Offer 'remember this device' at the second factor: a remembered browser "
        "on a network seen from it skips the code of a user whose only reason is their own "
        "enrolment, for this many days; 0: off.",
    )
    session_idle_timeout: int = Field(
        3600 * 8, ge=60, description="SSO session idle timeout (sliding), s."
    )
    session_absolute_timeout: int = Field(
        86400, ge=300, description="SSO session absolute timeout, s."
    )
    max_sessions_per_user: int = Field(
        50,
        ge=1,
        le=10000,
        description="SSO sessions a user may hold at once; a new login ends the oldest.",
    )
    cookie_secure: bool | None = Field(
        None,
        description="Mark cookies Secure and use the __Host- prefix; default: issuer is https.",
    )
    key_publish_delay: int = Field(
        3600,
        ge=0,
        description="Time a rotated-in key is published before it signs, s; at least "
        "IDP_KEY_CACHE_TTL plus the JWKS max-age (60 s).",
    )
    key_cache_ttl: int = Field(
        30, ge=1, le=3600, description="How long a node caches signing keys before re-reading, s."
    )
    key_rotation_period: int = Field(
        0, ge=0, description="Rotate signing keys this often, s; 0 turns scheduled rotation off."
    )
    cache_poll_interval: float = Field(
        1.0,
        gt=0,
        le=60,
        description="How often a node checks for changed clients and new revocations, s.",
    )
    cache_max_staleness: float = Field(
        300,
        ge=1,
        le=3600,
        description="While the database cannot be read, how long a node keeps answering "
        "from memory (client credentials, introspection) before it answers 503, s.",
    )
    database_timeout: float = Field(
        5,
        gt=0,
        le=120,
        description="Bound on every database call (connect, pool wait, statement, lock), s.",
    )
    clock_leeway: int = Field(
        15,
        ge=0,
        le=120,
        description="Clock skew tolerated when checking the expiry of codes and tokens, s.",
    )
    prune_interval: int = Field(
        3600, ge=0, description="Delete expired codes, sessions, tokens every this many s; 0 off."
    )
    max_body_bytes: int = Field(65536, ge=1024, description="Largest request body accepted, bytes.")
    admin_policies_max_bytes: int = Field(
        4 * 1024 * 1024,
        ge=65536,
        le=256 * 1024 * 1024,
        description="Largest policy publication accepted by PUT /admin/v1/policies, bytes.",
    )
    max_header_bytes: int = Field(
        32768,
        ge=8192,
        le=1048576,
        description="Largest request line and headers accepted (idp serve), bytes; else 431.",
    )
    header_read_timeout: float = Field(
        10, gt=0, le=300, description="Time a client has to send a request's headers, s; else 408."
    )
    body_read_timeout: float = Field(
        10, gt=0, le=300, description="Time a client has to send a request's body, s; else 408."
    )
    max_connections: int = Field(
        1000,
        ge=10,
        le=100000,
        description="Connections and requests a worker process handles at once; past it, 503.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis URL (redis://host:6379/0) of the event bus between nodes, so they "
        "hear of revocations and client changes at once; unset: each node polls.",
    )
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], NoDecode] = Field(
        (),
        description="Comma-separated CIDRs of the reverse proxies whose X-Forwarded-For is "
        "believed (RFC 7239 §7.4); the caller's address is the right-most one they did not "
        "add. Unset: the peer address, and X-Forwarded-For is ignored.",
    )
    throttle_free_attempts: int = Field(
        5,
        ge=1,
        le=100,
        description="Wrong passwords for one account from one address (and wrong device "
        "user codes from one address, RFC 8628 §5.1) before each further one waits longer.",
    )
    throttle_account_free_attempts: int = Field(
        20,
        ge=1,
        le=1000,
        description="Wrong passwords for one account from all the addresses it has not "
        "signed in from before, before each further one waits longer.",
    )
    throttle_address_free_attempts: int = Field(
        100,
        ge=1,
        le=100000,
        description="Wrong passwords from one address, whatever the account (credential "
        "stuffing), before each further one waits longer.",
    )
    throttle_base_delay: int = Field(
        5, ge=1, le=600, description="First wait past the free attempts, s; each more doubles it."
    )
    throttle_max_delay: int = Field(
        300,
        ge=1,
        le=3600,
        description="Longest wait, s: a soft lock-out, never a permanent one.",
    )
    throttle_remember_address: int = Field(
        86400 * 30,
        ge=0,
        description="After a sign-in, its address stays known to the account this long, s: "
        "failures for the account from elsewhere never hold it back.",
    )
    bus_poll_interval: float = Field(
        30,
        ge=1,
        le=300,
        description="While the event bus is connected, how often a node still polls the "
        "database for what it may have missed, s.",
    )
    outbound_allow_private: bool = Field(
        False,
        description="Let back-channel logout and other outbound requests reach private, "
        "loopback and link-local addresses (tests, internal apps); off: refused (SSRF).",
    )
    delivery_poll_interval: float = Field(
        2.0,
        gt=0,
        le=60,
        description="How often a node looks for outbox deliveries queued by other nodes, s.",
    )
    delivery_lease: int = Field(
        60,
        ge=10,
        le=3600,
        description="A delivery whose node stopped while sending it is sent again by any "
        "node after this long, s.",
    )
    status_list_size: int = Field(
        1_048_576,
        ge=4096,
        le=16_777_216,
        multiple_of=1024,
        description=f"Indexes per token status list ({STATUS_LIST_DRAFT}); a new "
        "list starts when one is full. A multiple of 1024.",
    )
    policy_bundle_max_age: int = Field(
        60,
        ge=5,
        le=3600,
        description="HTTP max-age of the policy bundle (`GET /access/v1/policy-bundle`): "
        "how long an SDK deciding locally may go before asking again (conditionally), s.",
    )
    status_list_ttl: int = Field(
        60,
        ge=10,
        le=3600,
        description="`ttl` of status list tokens and their HTTP max-age: how long a relying "
        "party may cache one, s. Their `exp` is ten times this.",
    )
    status_flush_interval: float = Field(
        1.0,
        gt=0,
        le=10,
        description="How often a node records the status-list indexes it handed out, s.",
    )
    status_lease: int = Field(
        60,
        ge=10,
        le=3600,
        description="A node leases blocks of status-list indexes for this long, renewed as it "
        "runs; a block whose node stopped without closing it is published as revoked, s.",
    )
    ssf_poll_wait: float = Field(
        15.0,
        ge=0,
        le=60,
        description="How long an RFC 8936 poll without returnImmediately waits for events, s.",
    )
    ssf_heartbeat_interval: float = Field(
        15.0,
        ge=1,
        le=300,
        description="How often an idle Server-Sent Events stream sends a heartbeat comment, s.",
    )
    ssf_send_timeout: float = Field(
        30.0,
        ge=1,
        le=300,
        description="A Server-Sent Events subscriber that takes no data for this long is "
        "disconnected (it resumes with Last-Event-ID), s.",
    )
    demo: bool = Field(
        False, description="Serve the demo relying party at /demo (set by idp serve --demo)."
    )
    default_audience: str | None = Field(
        None, description="`aud` of access tokens when no resource is named; default: issuer."
    )
    # Passwords, mail, magic links and self-service reset (docs/authentication.md).
    password_min_length: int = Field(
        15,
        ge=15,
        le=64,
        description="Shortest new password of an account without a second factor "
        "(NIST SP 800-63B-4 §3.1.1.2: at least 15 as a single factor).",
    )
    password_min_length_mfa: int = Field(
        8,
        ge=8,
        le=64,
        description="Shortest new password of an account with a second factor enrolled "
        "(NIST SP 800-63B-4 §3.1.1.2: at least 8).",
    )
    mail_sender: Literal["console", "smtp", "none"] | None = Field(
        None,
        description="Who sends mail: smtp (IDP_SMTP_*), console (development only: prints "
        "every message, links included, to stderr) or none (no reset or sign-in links). "
        "Default: smtp when IDP_SMTP_HOST is set, else console on a loopback http issuer, "
        "else none.",
    )
    mail_from: str = Field(
        "Tessera <no-reply@localhost>",
        max_length=320,
        description="From address of the mail Tessera sends (RFC 5322 §3.6.2).",
    )
    smtp_host: str | None = Field(None, description="SMTP server (RFC 5321) that relays mail.")
    smtp_port: int | None = Field(
        None, ge=1, le=65535, description="SMTP port; default: 587 (starttls), 465 (tls), 25."
    )
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description="starttls (RFC 3207), tls (implicit, RFC 8314 §3.3) or none (a local "
        "relay only); certificates are verified.",
    )
    smtp_username: str | None = Field(None, description="SMTP AUTH username (RFC 4954).")
    smtp_password: SecretStr | None = Field(
        None, description="SMTP AUTH password; prefer IDP_SMTP_PASSWORD_FILE."
    )
    smtp_password_file: Path | None = Field(
        None, description="File holding the SMTP AUTH password (e.g. a mounted secret)."
    )
    smtp_timeout: float = Field(
        10.0, gt=0, le=120, description="Timeout of each SMTP connection and reply, s."
    )
    password_reset: bool = Field(
        True,
        description='Offer "Forgot your password?": a single-use reset link by mail (only '
        "when mail can be sent).",
    )
    password_reset_ttl: int = Field(
        1800, ge=300, le=86400, description="Lifetime of a password-reset link, s."
    )
    magic_links: bool = Field(
        False,
        description='Offer "Email me a sign-in link" (passwordless first factor; the '
        "second factor is still asked for).",
    )
    magic_link_ttl: int = Field(600, ge=60, le=3600, description="Lifetime of a sign-in link, s.")

    @field_validator("issuer")
    @classmethod
    def _check_issuer(cls, value: str) -> str:
        # OIDC Discovery §3 / RFC 8414 §2: https URL, no query or fragment.
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL, e.g. https://login.example.com")
        if parts.query or parts.fragment:
            raise ValueError("must not contain a query or fragment")
        if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("must use https unless the host is loopback")
        return value.rstrip("/")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):  # IDP_TRUSTED_PROXIES=10.0.0.0/8,2001:db8::/32
            return tuple(ip_network(part.strip()) for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
        if self.session_idle_timeout > self.session_absolute_timeout:
            raise ValueError(
                "IDP_SESSION_IDLE_TIMEOUT must not exceed IDP_SESSION_ABSOLUTE_TIMEOUT"
            )
        if self.key_rotation_period and self.key_rotation_period <= self.key_publish_delay:
            raise ValueError("IDP_KEY_ROTATION_PERIOD must exceed IDP_KEY_PUBLISH_DELAY")
        if self.redis_url and self.bus_poll_interval >= self.cache_max_staleness:
            # A node that polls this rarely would find its copy stale in between (503).
            raise ValueError("IDP_BUS_POLL_INTERVAL must be less than IDP_CACHE_MAX_STALENESS")
        if self.resolved_mail_sender == "smtp" and not self.smtp_host:
            raise ValueError("IDP_MAIL_SENDER=smtp needs IDP_SMTP_HOST")
        if self.smtp_password and self.smtp_password_file:
            raise ValueError("set IDP_SMTP_PASSWORD or IDP_SMTP_PASSWORD_FILE, not both")
        if self.throttle_base_delay > self.throttle_max_delay:
            raise ValueError("IDP_THROTTLE_BASE_DELAY must not exceed IDP_THROTTLE_MAX_DELAY")
        floor = minimum_publish_delay(self.key_cache_ttl)
        if self.key_publish_delay < floor:
            # Every node and every verifier must have the new key before it signs.
            raise ValueError(
                f"IDP_KEY_PUBLISH_DELAY must be at least {floor} (IDP_KEY_CACHE_TTL + 60)"
            )
        return self

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.issuer.startswith("https://")

    @property
    def resolved_mail_sender(self) -> str:
        """smtp, console or none (IDP_MAIL_SENDER, or what its default means)."""
        if self.mail_sender is not None:
            return self.mail_sender
        if self.smtp_host:
            return "smtp"
        return "none" if self.issuer.startswith("https://") else "console"

    @property
    def audience(self) -> str:
        return self.default_audience or self.issuer

    def endpoint(self, path: str) -> str:
        return f"{self.issuer}{path}"


class ConfigError(ValueError):
    """Bad configuration; the message names each bad variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if not error["loc"]:  # a rule across fields: its message names them
                problems.append(str(error["ctx"]["error"]) if "ctx" in error else error["msg"])
                continue
            field = ".".join(str(part) for part in error["loc"])
            problems.append(f"IDP_{field.upper()}: {error['msg']}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None


def unknown_settings(environ: Mapping[str, str]) -> list[str]:
    """IDP_ variables that name no setting: most likely typos."""
    known = {f"IDP_{name.upper()}" for name in Settings.model_fields}
    return sorted(
        name
        for name in environ
        if name.startswith("IDP_") and name not in known and not name.startswith("IDP_TEST_")
    )


def configuration_reference() -> str:
    """docs/configuration.md, generated from the fields above."""
    lines = [
        "# Configuration reference",
        "",
        "Generated by `idp config docs` from `idp/config.py`; a test fails when it drifts.",
        "Every option is an environment variable; bad values stop the server at start",
        "with a message naming the variable.",
        "",
        "| variable | default | description |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default = "(derived)" if field.default is None else f"`{field.default}`"
        lines.append(f"| `IDP_{name.upper()}` | {default} | {field.description} |")
    return "\n".join(lines) + "\n"
