"""The ``idp`` command: serve, db, users, sessions, clients, keys, deliveries, roles,
groups, policies.

Every command that creates or lists something takes ``--json``. Errors print one line to
stderr and exit 1 (2 for usage errors, as Click does).
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from idp.admin.authz import access_json, attributes_json, group_json, role_json
from idp.admin.clients import ClientRegistration, delete_client, describe_client, register_client
from idp.admin.mfa import require_mfa, reset_second_factors
from idp.admin.policies import policy_version_json, version_json
from idp.admin.sessions import SessionView, end_all_sessions, end_session, list_sessions
from idp.admin.users import (
    UserAdminError,
    create_user,
    disable_user,
    enable_user,
    load_user,
    set_password,
    update_profile,
)
from idp.authn.passwords import WeakPasswordError, hash_password
from idp.authn.second_factor import has_second_factor
from idp.authn.users import User
from idp.authz.cedar_schema import SchemaDeclarationError, generate_schema
from idp.authz.claims import ClaimMapping, check_mapping, make_rule
from idp.authz.declarations import Declaration
from idp.authz.management import Authz
from idp.authz.model import AttributeType, AuthzError, parse_attribute
from idp.authz.policies import InvalidPolicies
from idp.authz.policy_files import PolicyFileError, read_policies
from idp.authz.policy_store import (
    MAX_ACTOR,
    PolicyStoreError,
    compile_content,
    history,
    load_current,
    load_version,
    publish,
    rollback,
)
from idp.authz.policy_versions import PolicyContent, PolicyVersion, PolicyVersionInfo
from idp.config import (
    ConfigError,
    Settings,
    configuration_reference,
    load_settings,
    unknown_settings,
)
from idp.demo.seed import seed_demo
from idp.errors import TemporarilyUnavailableError
from idp.keys.keyring import KeySealError
from idp.keys.publication import minimum_publish_delay
from idp.keys.rotation import ensure_signing_keys, rotate_keys
from idp.oauth.clients import Client, InvalidClientMetadataError
from idp.oauth.uris import is_loopback_host
from idp.outbox.model import Delivery, DeliveryState
from idp.provider import Provider, password_policy_from
from idp.revocation.events import OPERATOR
from idp.revocation.records import MAX_TOKEN_LIFETIME
from idp.revocation.suspensions import SuspendedKind
from idp.store.database import check_driver, display_url
from idp.store.migrate import DanglingForeignKeysError, current_revision, upgrade
from idp.store.repository import SqlStore

app = typer.Typer(
    help="Tessera identity provider.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
clients_app = typer.Typer(help="OAuth clients.", no_args_is_help=True)
keys_app = typer.Typer(help="Signing keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
sessions_app = typer.Typer(help="Users' SSO sessions.", no_args_is_help=True)
app.add_typer(sessions_app, name="sessions")
app.add_typer(clients_app, name="clients")
app.add_typer(keys_app, name="keys")
deliveries_app = typer.Typer(
    help="The outbox: back-channel logout tokens sent to clients.", no_args_is_help=True
)
app.add_typer(deliveries_app, name="deliveries")
config_app = typer.Typer(help="Configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


class CliError(Exception):
    pass


def fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def settings() -> Settings:
    for name in unknown_settings(os.environ):
        typer.echo(f"warning: {name} is not a Tessera setting; it is ignored", err=True)
    try:
        config = load_settings()
        check_driver(config.database_url)
    except ConfigError as exc:
        raise fail(str(exc)) from None
    return config


@contextmanager
def provider_store(*, create: bool = False) -> Iterator[tuple[Provider, SqlStore]]:
    """Migrate, then one transaction; expected errors become one line and exit 1.
    ``create``: make the database if there is none (``serve``); other commands refuse,
    so that one run in the wrong directory does not quietly start an empty IdP."""
    config = settings()
    try:
        revision = current_revision(config.database_url)
    except TemporarilyUnavailableError:
        raise fail(f"cannot reach the database {display_url(config.database_url)}") from None
    if not create and revision is None:
        raise fail(
            f"no Tessera database at {display_url(config.database_url)}; run idp db upgrade "
            "(or idp serve) first, or set IDP_DATABASE_URL to the server's database"
        )
    upgrade(config.database_url)
    provider = Provider.from_settings(config)
    try:
        with provider.database.transaction() as session:
            yield provider, SqlStore(session)
    except (CliError, InvalidClientMetadataError, UserAdminError) as exc:
        raise fail(str(exc)) from None
    finally:
        provider.database.dispose()


def emit(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, indent=2) if as_json else text)


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise fail("no terminal to ask for the password on: use --password-stdin")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    demo: Annotated[bool, typer.Option(help="Seed a demo user and client.")] = False,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = False,
) -> None:
    """Apply migrations, create signing keys if none exist, and serve. Without
    IDP_ISSUER, the issuer is the loopback address served."""
    import uvicorn

    _issuer_from_address(host, port)
    _check_port_free(host, port)  # before the demo data changes the printed password
    if demo:
        os.environ["IDP_DEMO"] = "true"  # for every worker process
    with provider_store(create=True) as (provider, store):
        ensure_signing_keys(store, provider.key_encryption_key, provider.clock.now())
        if demo:
            typer.echo(seed_demo(store, provider))
    try:
        provider.keyring.refresh()  # a wrong instance secret stops here, not at /jwks
    except KeySealError as exc:
        raise fail(str(exc)) from None
    uvicorn.run(
        "idp.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # X-Forwarded-For is believed from IDP_TRUSTED_PROXIES only (idp.http.client_address).
        proxy_headers=False,
        log_level="info",
        access_log=access_log,
        # Slow and oversized requests are bounded (idp.http.connections), as is the work
        # a worker takes on at once.
        http="idp.http.connections:BoundedHttpToolsProtocol",
        limit_concurrency=provider.settings.max_connections,
        timeout_keep_alive=5,
    )


def _check_port_free(host: str, port: int) -> None:
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _issuer_from_address(host: str, port: int) -> None:
    if "IDP_ISSUER" in os.environ:
        return
    if not is_loopback_host(host):
        raise fail(f"set IDP_ISSUER to the https URL users reach this server at (serving {host})")
    address = f"[{host}]" if ":" in host else host
    os.environ["IDP_ISSUER"] = f"http://{address}:{port}"


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations and say which."""
    try:
        result = upgrade(settings().database_url)
    except DanglingForeignKeysError as exc:
        raise fail(str(exc)) from None
    if not result.applied:
        typer.echo(f"database is already up to date ({result.after})")
    elif result.before is None:
        typer.echo(f"created the database schema at {result.after}")
    else:
        typer.echo(f"upgraded the database from {result.before} to {result.after}")


@db_app.command("prune")
def db_prune(as_json: JsonOption = False) -> None:
    """Delete expired codes, sessions, tokens and requests now (servers do it hourly)."""
    with provider_store() as (provider, _store):
        deleted = provider.prune()
    emit(deleted, as_json, "\n".join(f"{table}\t{count}" for table, count in deleted.items()))


def _user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "email_verified": user.email_verified,
        "name": user.name,
        "disabled": user.disabled,
    }


@users_app.command("create")
def users_create(
    username: str,
    email: Annotated[str | None, typer.Option()] = None,
    name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    given_name: Annotated[str | None, typer.Option()] = None,
    family_name: Annotated[str | None, typer.Option()] = None,
    email_verified: Annotated[bool, typer.Option()] = False,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Create a user."""
    password_hash = _new_password_hash(password_stdin, username=username, email=email)
    with provider_store() as (provider, store):
        user = create_user(
            store,
            User(
                id="",
                username=username,
                email=email,
                email_verified=email_verified,
                name=name,
                given_name=given_name,
                family_name=family_name,
                password_hash=password_hash,
            ),
            provider.clock.now(),
        )
    emit(_user_json(user), as_json, f"created user {user.username} ({user.id})")


def _new_password_hash(
    from_stdin: bool, *, username: str, email: str | None, uses_mfa: bool = False
) -> str:
    """A new password, read and checked against the policy (NIST SP 800-63B-4
    §3.1.1.2, idp.authn.passwords) before any transaction begins; its hash."""
    password = read_password(from_stdin)
    try:
        password_policy_from(settings()).check(
            password, username=username, email=email, uses_mfa=uses_mfa
        )
        return hash_password(password)
    except WeakPasswordError as exc:
        raise fail(str(exc)) from None


@users_app.command("list")
def users_list(as_json: JsonOption = False) -> None:
    """List users."""
    with provider_store() as (_provider, store):
        users = store.list_users()
        suspended = {
            held.value for held in store.list_suspensions() if held.kind is SuspendedKind.SUBJECT
        }
    listed = [_user_json(user) | {"suspended": user.id in suspended} for user in users]
    lines = [f"{u['username']}\t{u['email'] or '-'}\t{_user_state(u)}" for u in listed]
    emit(listed, as_json, "\n".join(lines) or "no users")


def _user_state(listed: dict[str, Any]) -> str:
    """Disabled (for good, until enabled), suspended (its tokens inactive until resumed),
    or active."""
    return "disabled" if listed["disabled"] else "suspended" if listed["suspended"] else "active"


@users_app.command("set-password")
def users_set_password(
    username: str,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Set a user's password, ending their sessions and tokens (ASVS 5 §7.4)."""
    with provider_store() as (_provider, store):
        user = store.load_user_by_username(username)
        uses_mfa = user is not None and has_second_factor(store, user.id)
    password_hash = _new_password_hash(
        password_stdin,
        username=username,
        email=user.email if user else None,
        uses_mfa=uses_mfa,
    )
    with provider_store() as (provider, store):
        set_password(store, provider.revoker(store, OPERATOR), username, password_hash)
    typer.echo(f"password set for {username}")


@users_app.command("disable")
def users_disable(username: str) -> None:
    """Disable a user: they can no longer log in, and what they hold has ended."""
    with provider_store() as (provider, store):
        changed = disable_user(store, provider.revoker(store, OPERATOR), username)
    typer.echo(f"disabled {username}" if changed else f"{username} was disabled already")


@users_app.command("enable")
def users_enable(username: str) -> None:
    """Let a disabled user log in again (their old sessions and tokens stay ended)."""
    with provider_store() as (provider, store):
        changed = enable_user(store, username, provider.clock.now())
    typer.echo(f"enabled {username}" if changed else f"{username} was not disabled")


MAX_REASON = 255  # suspensions.reason


def _reason(value: str) -> str:
    if len(value) > MAX_REASON or not value.isprintable():
        raise CliError(f"--reason must be at most {MAX_REASON} printable characters")
    return value


@users_app.command("update")
def users_update(
    username: str,
    email: Annotated[str | None, typer.Option()] = None,
    name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    given_name: Annotated[str | None, typer.Option()] = None,
    family_name: Annotated[str | None, typer.Option()] = None,
    email_verified: Annotated[bool | None, typer.Option()] = None,
    as_json: JsonOption = False,
) -> None:
    """Change a user's profile claims; receivers of the security event stream hear of
    it (CAEP token-claims-change)."""
    options = {
        "email": email,
        "name": name,
        "given_name": given_name,
        "family_name": family_name,
        "email_verified": email_verified,
    }
    changes = {claim: value for claim, value in options.items() if value is not None}
    with provider_store() as (provider, store):
        changed = update_profile(store, username, changes, provider.clock.now())
    emit(
        changed, as_json, f"updated {', '.join(changed)} of {username}" if changed else "no change"
    )


ReasonOption = Annotated[str, typer.Option(help="Why, kept with the suspension.")]


@users_app.command("suspend")
def users_suspend(username: str, reason: ReasonOption = "suspended by an operator") -> None:
    """Quarantine a user until `resume`: their live tokens are SUSPENDED in the status
    lists and inactive, and nothing new is issued to them."""
    with provider_store() as (provider, store):
        user = load_user(store, username)
        changed = provider.revoker(store, OPERATOR).suspend(
            SuspendedKind.SUBJECT, user.id, reason=_reason(reason)
        )
    typer.echo(f"suspended {username}" if changed else f"{username} was suspended already")


@users_app.command("resume")
def users_resume(username: str) -> None:
    """Lift a user's suspension: their live tokens are valid again."""
    with provider_store() as (provider, store):
        user = load_user(store, username)
        changed = provider.revoker(store, OPERATOR).lift_suspension(SuspendedKind.SUBJECT, user.id)
    typer.echo(f"resumed {username}" if changed else f"{username} was not suspended")


mfa_app = typer.Typer(help="Users' second factors (TOTP, recovery codes).", no_args_is_help=True)
users_app.add_typer(mfa_app, name="mfa")


@mfa_app.command("require")
def users_mfa_require(
    username: str,
    off: Annotated[bool, typer.Option("--off", help="Stop requiring it.")] = False,
) -> None:
    """Require a second factor at every sign-in of a user (enrolled at the next one)."""
    with provider_store() as (provider, store):
        changed = require_mfa(store, username, not off, provider.clock.now())
    state = "no longer required" if off else "required"
    typer.echo(f"MFA {state} for {username}" if changed else f"no change for {username}")


@mfa_app.command("reset")
def users_mfa_reset(username: str) -> None:
    """Remove a user's authenticator app and recovery codes (a lost phone)."""
    with provider_store() as (provider, store):
        changed = reset_second_factors(store, username, provider.clock.now())
    typer.echo(
        f"second factors of {username} removed" if changed else f"{username} had none enrolled"
    )


@sessions_app.command("list")
def sessions_list(username: str, as_json: JsonOption = False) -> None:
    """List a user's SSO sessions: where they started, when, and the clients in each."""
    with provider_store() as (_provider, store):
        views = list_sessions(store, username)
    rows = [_session_json(view) for view in views]
    lines = [
        f"{r['sid']}\tstarted {_when(r['created_at'])}\tlast seen {_when(r['last_seen_at'])}"
        f"\t{r['address'] or '-'}\t{r['user_agent'] or '-'}\tclients: "
        f"{', '.join(r['clients']) or '-'}"
        for r in rows
    ]
    emit(rows, as_json, "\n".join(lines) or f"{username} has no sessions")


def _session_json(view: SessionView) -> dict[str, Any]:
    session = view.session
    return {
        "sid": session.sid,
        "created_at": session.created_at,
        "last_seen_at": session.last_seen_at,
        "expires_at": session.expires_at,
        "auth_time": session.auth_time,
        "amr": session.amr,
        "user_agent": session.user_agent,
        "address": session.address,
        "clients": list(view.parties),
    }


@sessions_app.command("revoke")
def sessions_revoke(
    sid: Annotated[str | None, typer.Argument(help="The session to end.")] = None,
    all_of: Annotated[
        str | None, typer.Option("--all", metavar="USERNAME", help="End every session of a user.")
    ] = None,
) -> None:
    """End a session (or all of a user's) with every token it issued; its clients are
    told by back-channel logout."""
    if (sid is None) == (all_of is None):
        raise typer.BadParameter("name a session id, or --all USERNAME")
    with provider_store() as (provider, store):
        if sid is not None:
            end_session(store, provider.revoker(store, OPERATOR), sid)
            message = f"ended session {sid}"
        else:
            count = end_all_sessions(store, provider.revoker(store, OPERATOR), str(all_of))
            message = f"ended {_count(count, 'session', 'sessions')} of {all_of}"
    typer.echo(message)


@clients_app.command("create")
def clients_create(
    name: Annotated[str, typer.Option(help="Display name shown on consent pages.")],
    redirect_uri: Annotated[
        list[str] | None, typer.Option(help="Exact redirect URI (repeatable).")
    ] = None,
    grant: Annotated[list[str] | None, typer.Option(help="Grant type (repeatable).")] = None,
    public: Annotated[bool, typer.Option(help="Public client: no secret, PKCE.")] = False,
    auth_method: Annotated[str | None, typer.Option(help="Token endpoint auth method.")] = None,
    jwks_file: Annotated[Path | None, typer.Option(help="JWKS for private_key_jwt.")] = None,
    scope: Annotated[
        str | None,
        typer.Option(
            help="Scopes the client may request [default: openid profile email, and "
            "offline_access with --grant refresh_token]."
        ),
    ] = None,
    first_party: Annotated[bool, typer.Option(help="Skip the consent page.")] = False,
    resource: Annotated[
        list[str] | None, typer.Option(help="Resource it may ask tokens for (RFC 8707).")
    ] = None,
    require_par: Annotated[bool, typer.Option(help="Require pushed requests (RFC 9126).")] = False,
    require_mfa: Annotated[
        bool, typer.Option(help="Every user signs in with a second factor (TOTP).")
    ] = False,
    access_token_ttl: Annotated[int | None, typer.Option(help="Access token lifetime, s.")] = None,
    id_token_ttl: Annotated[int | None, typer.Option(help="ID token lifetime, s.")] = None,
    refresh_token_ttl: Annotated[int | None, typer.Option(help="Refresh lifetime, s.")] = None,
    web_origin: Annotated[
        list[str] | None,
        typer.Option(
            help="Origin whose scripts may call /token, /revoke and /userinfo (CORS; "
            "repeatable) [default: the origins of the redirect URIs]."
        ),
    ] = None,
    refresh_grace: Annotated[
        int,
        typer.Option(
            help="Seconds a rotated refresh token may be retried for the same new tokens "
            "(0: reuse is always treated as theft; RFC 9700 §4.14.2)."
        ),
    ] = 0,
    exchange_audience: Annotated[
        list[str] | None, typer.Option(help="Audience it may exchange tokens for (RFC 8693).")
    ] = None,
    may_impersonate: Annotated[
        bool, typer.Option(help="Token exchange without an act claim (impersonation).")
    ] = False,
    id_token_alg: Annotated[str, typer.Option(help="ID token signing alg.")] = "RS256",
    post_logout_redirect_uri: Annotated[
        list[str] | None,
        typer.Option(help="Exact URI to return to after logout (repeatable; RP-Initiated)."),
    ] = None,
    backchannel_logout_uri: Annotated[
        str | None, typer.Option(help="Where logout tokens are POSTed (Back-Channel Logout).")
    ] = None,
    frontchannel_logout_uri: Annotated[
        str | None,
        typer.Option(help="Page framed at logout (Front-Channel Logout; gets iss and sid)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Register a client. A generated secret is printed once and never again."""
    jwks = _read_jwks(jwks_file) if jwks_file else None
    registration = ClientRegistration(
        name=name,
        redirect_uris=redirect_uri or [],
        grant_types=grant or ["authorization_code"],
        public=public,
        auth_method=auth_method,
        scope=scope,
        first_party=first_party,
        jwks=jwks,
        resources=resource or [],
        require_par=require_par,
        require_mfa=require_mfa,
        access_token_ttl=access_token_ttl,
        id_token_ttl=id_token_ttl,
        refresh_token_ttl=refresh_token_ttl,
        refresh_token_grace_period=refresh_grace,
        web_origins=web_origin or [],
        exchange_audiences=exchange_audience or [],
        may_impersonate=may_impersonate,
        id_token_signed_response_alg=id_token_alg,
        post_logout_redirect_uris=post_logout_redirect_uri or [],
        backchannel_logout_uri=backchannel_logout_uri,
        frontchannel_logout_uri=frontchannel_logout_uri,
    )
    with provider_store() as (provider, store):
        client, secret = register_client(store, registration, provider.clock.now())
    data = describe_client(client)
    if secret:
        data["client_secret"] = secret.reveal()
    text = f"created client {client.client_id}"
    if secret:
        text += f"\nclient_secret: {secret.reveal()}\n(store it now: it is not shown again)"
    emit(data, as_json, text)


def _read_jwks(path: Path) -> dict[str, Any]:
    try:
        jwks = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise fail(f"cannot read JWKS from {path}: {exc}") from None
    if not isinstance(jwks, dict):
        raise fail(f"{path} is not a JWK Set")
    return jwks


@clients_app.command("list")
def clients_list(as_json: JsonOption = False) -> None:
    """List clients."""
    with provider_store() as (_provider, store):
        clients = store.list_clients()
    lines = [f"{c.client_id}\t{c.name}\t{c.token_endpoint_auth_method}" for c in clients]
    emit([describe_client(c) for c in clients], as_json, "\n".join(lines) or "no clients")


@clients_app.command("show")
def clients_show(client_id: str, as_json: JsonOption = False) -> None:
    """Show one client's metadata."""
    with provider_store() as (_provider, store):
        client = _existing_client(store, client_id)
    data = describe_client(client)
    emit(data, as_json, "\n".join(f"{key}: {value}" for key, value in data.items()))


@clients_app.command("delete")
def clients_delete(client_id: str) -> None:
    """Delete a client and everything issued to it."""
    with provider_store() as (provider, store):
        delete_client(store, provider.revoker(store, OPERATOR), client_id)
    typer.echo(f"deleted {client_id}")


@clients_app.command("suspend")
def clients_suspend(client_id: str, reason: ReasonOption = "suspended by an operator") -> None:
    """Quarantine a client until `resume`: its live tokens are SUSPENDED in the status
    lists and inactive, and nothing new is issued to it."""
    with provider_store() as (provider, store):
        _existing_client(store, client_id)
        changed = provider.revoker(store, OPERATOR).suspend(
            SuspendedKind.CLIENT, client_id, reason=_reason(reason)
        )
    typer.echo(f"suspended {client_id}" if changed else f"{client_id} was suspended already")


@clients_app.command("resume")
def clients_resume(client_id: str) -> None:
    """Lift a client's suspension: its live tokens are valid again."""
    with provider_store() as (provider, store):
        _existing_client(store, client_id)
        changed = provider.revoker(store, OPERATOR).lift_suspension(SuspendedKind.CLIENT, client_id)
    typer.echo(f"resumed {client_id}" if changed else f"{client_id} was not suspended")


def _existing_client(store: SqlStore, client_id: str) -> Client:
    client = store.load_client(client_id)
    if client is None:
        raise CliError(f"no client {client_id!r}")
    return client


@deliveries_app.command("list")
def deliveries_list(
    state: Annotated[
        DeliveryState | None, typer.Option(help="Only deliveries in this state.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000, help="At most this many.")] = 100,
    as_json: JsonOption = False,
) -> None:
    """List deliveries, newest first, with their attempts and last error."""
    with provider_store() as (_provider, store):
        deliveries = store.list_deliveries(state, limit)
    rows = [_delivery_json(delivery) for delivery in deliveries]
    lines = [
        f"{r['id']}\t{r['state']}\t{r['kind']}\t{r['client_id']}\t{r['target']}\t"
        f"attempts={r['attempts']}\t{_delivery_when(r)}\t{r['last_error'] or ''}".rstrip()
        for r in rows
    ]
    emit(rows, as_json, "\n".join(lines) or "no deliveries")


def _delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "state": delivery.state.value,
        "kind": delivery.kind,
        "client_id": delivery.client_id,
        "target": delivery.target,
        "created_at": delivery.created_at,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
        "failed_at": delivery.failed_at,
    }


def _delivery_when(row: dict[str, Any]) -> str:
    if row["delivered_at"] is not None:
        return f"delivered {_when(row['delivered_at'])}"
    if row["failed_at"] is not None:
        return f"given up {_when(row['failed_at'])}"
    return f"next attempt {_when(row['next_attempt_at'])}"


@deliveries_app.command("retry")
def deliveries_retry(
    delivery_id: Annotated[
        list[int] | None, typer.Argument(help="Failed deliveries to retry [default: all].")
    ] = None,
) -> None:
    """Try failed (given-up) deliveries again, now."""
    with provider_store() as (provider, store):
        if delivery_id:
            failed = {d.id for d in store.list_deliveries(DeliveryState.FAILED, 100_000)}
            if others := sorted(set(delivery_id) - failed):
                raise CliError(f"not failed deliveries (unknown, pending or delivered): {others}")
        count = store.retry_deliveries(delivery_id or None, provider.clock.now())
    typer.echo(f"{_count(count, 'delivery', 'deliveries')} queued again")


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


@keys_app.command("list")
def keys_list(as_json: JsonOption = False) -> None:
    """List signing keys and their state."""
    with provider_store() as (provider, store):
        now = provider.clock.now()
        keys = store.list_keys()
    rows = [
        {
            "kid": key.kid,
            "alg": key.alg.value,
            "created_at": key.created_at,
            "activates_at": key.activates_at,
            "expires_at": key.expires_at,
            "state": _key_state(key.activates_at, key.expires_at, now),
        }
        for key in keys
    ]
    lines = [f"{r['kid']}\t{r['alg']}\t{r['state']}\t{_key_times(r)}" for r in rows]
    emit(rows, as_json, "\n".join(lines) or "no keys")


def _key_state(activates_at: int, expires_at: int | None, now: int) -> str:
    """next: published, signs from activates_at; active: signs; retiring: signs until its
    successor activates, then stays published until expires_at for what it signed."""
    if activates_at > now:
        return "next"
    return "retiring" if expires_at is not None else "active"


def _key_times(row: dict[str, Any]) -> str:
    times = [f"signs from {_when(row['activates_at'])}"]
    if row["expires_at"] is not None:
        times.append(f"published until {_when(row['expires_at'])}")
    return ", ".join(times)


def _when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@keys_app.command("rotate")
def keys_rotate(
    publish_delay: Annotated[
        int | None,
        typer.Option(
            help="Seconds the new key is published before it signs [default: "
            "IDP_KEY_PUBLISH_DELAY, 3600; at least IDP_KEY_CACHE_TTL + 60, i.e. 90]."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Publish a next key per algorithm; it signs after the publish delay."""
    with provider_store() as (provider, store):
        config = provider.settings
        delay = config.key_publish_delay if publish_delay is None else publish_delay
        floor = minimum_publish_delay(config.key_cache_ttl)
        if delay < floor and store.list_keys():  # the first keys replace none: no floor
            raise CliError(
                f"--publish-delay must be at least {floor} s (IDP_KEY_CACHE_TTL plus the JWKS "
                "max-age): until then some node or relying party does not yet know the new key"
            )
        created = rotate_keys(
            store,
            provider.key_encryption_key,
            now=provider.clock.now(),
            publish_delay=delay,
            max_token_ttl=MAX_TOKEN_LIFETIME,
        )
    rows = [{"kid": k.kid, "alg": k.alg.value, "activates_at": k.activates_at} for k in created]
    lines = [f"{k.kid}\t{k.alg.value}\tsigns from {_when(k.activates_at)}" for k in created]
    emit(rows, as_json, "\n".join(lines))


roles_app = typer.Typer(
    help="Roles (realm-wide: NAME; of one client: CLIENT_ID/NAME), composites, permissions.",
    no_args_is_help=True,
)
app.add_typer(roles_app, name="roles")
groups_app = typer.Typer(help="Groups: nesting, roles, members.", no_args_is_help=True)
app.add_typer(groups_app, name="groups")
attributes_app = typer.Typer(help="Users' typed attributes.", no_args_is_help=True)
users_app.add_typer(attributes_app, name="attributes")
claims_app = typer.Typer(
    help="Which roles, groups, permissions and attributes a client's tokens carry.",
    no_args_is_help=True,
)
clients_app.add_typer(claims_app, name="claims")
DescriptionOption = Annotated[str | None, typer.Option(help="What it is for.")]
RequireMfaOption = Annotated[
    bool,
    typer.Option(
        "--require/--off",
        help="Require a second factor (enrolled at the next sign-in), or stop requiring it.",
    ),
]


@contextmanager
def authz_store() -> Iterator[tuple[Authz, SqlStore]]:
    """One transaction of RBAC changes by the operator; AuthzError is one line, exit 1."""
    with provider_store() as (provider, store):
        try:
            yield Authz(store, provider.clock.now(), OPERATOR), store
        except AuthzError as exc:
            raise CliError(str(exc)) from None


def _changed(changed: bool, done: str, already: str) -> None:
    typer.echo(done if changed else already)


def _mfa_changed(changed: bool, whom: str, required: bool) -> None:
    state = "required" if required else "no longer required"
    _changed(changed, f"MFA {state} for {whom}", f"no change for {whom}")


def _mfa_column(row: dict[str, Any]) -> str:
    return "\tMFA required" if row["mfa_required"] else ""


@roles_app.command("create")
def roles_create(role: str, description: DescriptionOption = None) -> None:
    """Create a realm role (NAME) or a role of a client (CLIENT_ID/NAME)."""
    with authz_store() as (authz, _store):
        authz.create_role(role, description)
    typer.echo(f"created role {role}")


@roles_app.command("list")
def roles_list(
    client: Annotated[str | None, typer.Option(help="Only this client's roles.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List roles with what they include and grant."""
    with authz_store() as (_authz, store):
        model = store.load_authz_model()
    roles = [
        role_json(role)
        for ref, role in sorted(model.roles.items())
        if client is None or ref.client_id == client
    ]
    lines = [
        f"{row['role']}\tincludes: {', '.join(row['composites']) or '-'}"
        f"\tpermissions: {', '.join(row['permissions']) or '-'}{_mfa_column(row)}"
        for row in roles
    ]
    emit(roles, as_json, "\n".join(lines) or "no roles")


@roles_app.command("delete")
def roles_delete(role: str) -> None:
    """Delete a role: users and groups given it lose it, composites stop including it."""
    with authz_store() as (authz, _store):
        authz.delete_role(role)
    typer.echo(f"deleted role {role}")


@roles_app.command("add-composite")
def roles_add_composite(role: str, includes: str) -> None:
    """ROLE includes INCLUDES (and what it includes); a cycle is refused."""
    with authz_store() as (authz, _store):
        changed = authz.add_composite(role, includes)
    _changed(changed, f"{role} includes {includes}", f"{role} already includes {includes}")


@roles_app.command("remove-composite")
def roles_remove_composite(role: str, includes: str) -> None:
    with authz_store() as (authz, _store):
        changed = authz.remove_composite(role, includes)
    _changed(changed, f"{role} no longer includes {includes}", f"{role} did not include it")


@roles_app.command("grant")
def roles_grant(role: str, permission: str) -> None:
    """Attach a permission (resource:action) to a role."""
    with authz_store() as (authz, _store):
        changed = authz.grant_permission(role, permission)
    _changed(changed, f"{role} grants {permission}", f"{role} already grants {permission}")


@roles_app.command("revoke")
def roles_revoke(role: str, permission: str) -> None:
    with authz_store() as (authz, _store):
        changed = authz.revoke_permission(role, permission)
    _changed(changed, f"{role} no longer grants {permission}", f"{role} did not grant it")


@roles_app.command("mfa")
def roles_mfa(role: str, required: RequireMfaOption) -> None:
    """Require a second factor of everyone holding ROLE (directly, through a group or a
    composite role), or stop requiring it."""
    with authz_store() as (authz, _store):
        changed = authz.require_mfa_of_role(role, required)
    _mfa_changed(changed, f"holders of {role}", required)


@roles_app.command("assign")
def roles_assign(role: str, username: str) -> None:
    """Give a user a role directly."""
    with authz_store() as (authz, store):
        changed = authz.assign_role(load_user(store, username).id, role)
    _changed(changed, f"{username} has {role}", f"{username} already had {role}")


@roles_app.command("unassign")
def roles_unassign(role: str, username: str) -> None:
    with authz_store() as (authz, store):
        changed = authz.unassign_role(load_user(store, username).id, role)
    _changed(changed, f"{username} no longer has {role}", f"{username} did not have {role}")


@roles_app.command("changes")
def roles_changes(
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50, as_json: JsonOption = False
) -> None:
    """The audit trail of roles, groups, assignments and attributes, newest first."""
    with authz_store() as (authz, _store):
        rows = authz.changes(limit)
    lines = [f"{_when(r['at'])}\t{r['actor']}\t{r['action']}\t{r['target']}" for r in rows]
    emit(rows, as_json, "\n".join(lines) or "no changes")


@groups_app.command("create")
def groups_create(
    group: str,
    description: DescriptionOption = None,
    parent: Annotated[str | None, typer.Option(help="Nest it in this group.")] = None,
) -> None:
    with authz_store() as (authz, _store):
        authz.create_group(group, description, parent)
    typer.echo(f"created group {group}")


@groups_app.command("list")
def groups_list(as_json: JsonOption = False) -> None:
    """List groups with their parent and roles."""
    with authz_store() as (authz, _store):
        groups = [group_json(group) for group in authz.groups()]
    lines = [
        f"{row['group']}\tparent: {row['parent'] or '-'}"
        f"\troles: {', '.join(row['roles']) or '-'}{_mfa_column(row)}"
        for row in groups
    ]
    emit(groups, as_json, "\n".join(lines) or "no groups")


@groups_app.command("delete")
def groups_delete(group: str) -> None:
    """Delete a group: its subgroups become top-level, its members leave it."""
    with authz_store() as (authz, _store):
        authz.delete_group(group)
    typer.echo(f"deleted group {group}")


@groups_app.command("set-parent")
def groups_set_parent(group: str, parent: str) -> None:
    """Nest GROUP in PARENT (its members inherit PARENT's roles); a cycle is refused."""
    with authz_store() as (authz, _store):
        changed = authz.set_parent(group, parent)
    _changed(changed, f"{group} is in {parent}", f"{group} was in {parent} already")


@groups_app.command("unset-parent")
def groups_unset_parent(group: str) -> None:
    """Make GROUP a top-level group."""
    with authz_store() as (authz, _store):
        changed = authz.set_parent(group, None)
    _changed(changed, f"{group} is top-level", f"{group} was top-level already")


@groups_app.command("mfa")
def groups_mfa(group: str, required: RequireMfaOption) -> None:
    """Require a second factor of the members of GROUP and of the groups nested in it,
    or stop requiring it."""
    with authz_store() as (authz, _store):
        changed = authz.require_mfa_of_group(group, required)
    _mfa_changed(changed, f"members of {group}", required)


@groups_app.command("add-role")
def groups_add_role(group: str, role: str) -> None:
    """Members of GROUP and of the groups nested in it hold ROLE."""
    with authz_store() as (authz, _store):
        changed = authz.add_group_role(group, role)
    _changed(changed, f"{group} gives {role}", f"{group} already gave {role}")


@groups_app.command("remove-role")
def groups_remove_role(group: str, role: str) -> None:
    with authz_store() as (authz, _store):
        changed = authz.remove_group_role(group, role)
    _changed(changed, f"{group} no longer gives {role}", f"{group} did not give {role}")


@groups_app.command("add-member")
def groups_add_member(group: str, username: str) -> None:
    with authz_store() as (authz, store):
        changed = authz.add_member(group, load_user(store, username).id)
    _changed(changed, f"{username} is in {group}", f"{username} was in {group} already")


@groups_app.command("remove-member")
def groups_remove_member(group: str, username: str) -> None:
    with authz_store() as (authz, store):
        changed = authz.remove_member(group, load_user(store, username).id)
    _changed(changed, f"{username} left {group}", f"{username} was not in {group}")


@groups_app.command("members")
def groups_members(group: str, as_json: JsonOption = False) -> None:
    """The users in GROUP itself (not in the groups nested in it)."""
    with authz_store() as (authz, _store):
        members = [member.username for member in authz.members(group)]
    emit(members, as_json, "\n".join(members) or "no members")


@users_app.command("access")
def users_access(username: str, as_json: JsonOption = False) -> None:
    """What a user holds in effect: roles (through groups and composites), groups
    (with their ancestors), permissions, and whether one of them requires MFA."""
    with authz_store() as (authz, store):
        held = authz.effective(load_user(store, username).id)
    data = access_json(held)
    lines = [f"{key}: {', '.join(data[key]) or '-'}" for key in ("roles", "groups", "permissions")]
    lines.append(f"mfa_required: {'yes' if held.mfa_required else 'no'}")
    emit(data, as_json, "\n".join(lines))


@attributes_app.command("set")
def users_attributes_set(
    username: str,
    name: str,
    value: Annotated[list[str], typer.Argument(help="The value (several for string_list).")],
    type_: Annotated[
        AttributeType, typer.Option("--type", help="The value's type.")
    ] = AttributeType.STRING,
) -> None:
    """Set a typed attribute of a user (string, number, boolean, string_list)."""
    with authz_store() as (authz, store):
        user = load_user(store, username)
        if type_ is not AttributeType.STRING_LIST and len(value) != 1:
            raise AuthzError(f"attribute {name}: one value expected for type {type_}")
        parsed = parse_attribute(name, type_, value if len(value) > 1 else value[0])
        authz.set_attribute(user.id, name, parsed)
    typer.echo(f"set {name} of {username}")


@attributes_app.command("unset")
def users_attributes_unset(username: str, name: str) -> None:
    with authz_store() as (authz, store):
        changed = authz.unset_attribute(load_user(store, username).id, name)
    _changed(changed, f"unset {name} of {username}", f"{username} had no {name}")


@attributes_app.command("list")
def users_attributes_list(username: str, as_json: JsonOption = False) -> None:
    with authz_store() as (authz, store):
        data = attributes_json(authz.attributes(load_user(store, username).id))
    lines = [f"{name}\t{row['type']}\t{json.dumps(row['value'])}" for name, row in data.items()]
    emit(data, as_json, "\n".join(lines) or "no attributes")


def _save_mapping(authz: Authz, store: SqlStore, client: Client, mapping: ClaimMapping) -> None:
    store.set_claim_mapping(client.client_id, mapping)
    store.record_authz_change(
        actor=authz.actor,
        action="client.claims.set",
        target=client.client_id,
        detail=mapping.to_json(),
        now=authz.now,
    )


@claims_app.command("set")
def clients_claims_set(
    client_id: str,
    source: Annotated[
        str,
        typer.Argument(
            help="roles, client_roles, resource_access, groups, permissions, attribute."
        ),
    ],
    claim: Annotated[str | None, typer.Option(help="Claim name [default: the source's].")] = None,
    target: Annotated[
        list[str] | None,
        typer.Option(help="access_token, id_token, introspection, userinfo (repeatable) [all]."),
    ] = None,
    scope: Annotated[
        str | None, typer.Option(help="Scope that releases it [default: the source's].")
    ] = None,
    attribute: Annotated[str | None, typer.Option(help="For source attribute.")] = None,
) -> None:
    """Map a source to a claim of this client's tokens (replaces a rule for that claim)."""
    with authz_store() as (authz, store):
        client = _existing_client(store, client_id)
        rule = make_rule(source, claim=claim, targets=target, scope=scope, attribute=attribute)
        _save_mapping(
            authz, store, client, (client.claim_mapping or ClaimMapping()).with_rule(rule)
        )
    typer.echo(f"{client_id}: {rule.claim} from {rule.source} when {rule.scope} is granted")


@claims_app.command("unset")
def clients_claims_unset(client_id: str, claim: str) -> None:
    """Stop releasing a claim."""
    with authz_store() as (authz, store):
        client = _existing_client(store, client_id)
        _save_mapping(
            authz, store, client, (client.claim_mapping or ClaimMapping()).without_claim(claim)
        )
    typer.echo(f"{client_id}: {claim} no longer released")


@claims_app.command("limits")
def clients_claims_limits(
    client_id: str,
    max_values: Annotated[int | None, typer.Option(help="Values per claim.")] = None,
    max_bytes: Annotated[int | None, typer.Option(help="JSON bytes of all mapped claims.")] = None,
) -> None:
    """Bound the mapped claims: beyond, values are cut and named in truncated_claims."""
    with authz_store() as (authz, store):
        client = _existing_client(store, client_id)
        current = client.claim_mapping or ClaimMapping()
        mapping = check_mapping(
            ClaimMapping(
                current.rules,
                current.max_values if max_values is None else max_values,
                current.max_bytes if max_bytes is None else max_bytes,
            )
        )
        _save_mapping(authz, store, client, mapping)
    typer.echo(f"{client_id}: at most {mapping.max_values} values, {mapping.max_bytes} bytes")


@claims_app.command("list")
def clients_claims_list(client_id: str, as_json: JsonOption = False) -> None:
    with authz_store() as (_authz, store):
        mapping = _existing_client(store, client_id).claim_mapping or ClaimMapping()
    data = mapping.to_json()
    lines = [
        f"{rule['claim']}\t{rule['source']}{':' + rule['attribute'] if 'attribute' in rule else ''}"
        f"\tscope {rule['scope']}\tin {', '.join(rule['targets'])}"
        for rule in data["rules"]
    ]
    emit(data, as_json, "\n".join(lines) or "no claims mapped")


policies_app = typer.Typer(
    help="Cedar policies: publish, validate, show, history, rollback, schema.",
    no_args_is_help=True,
)
app.add_typer(policies_app, name="policies")
PolicyFiles = Annotated[
    Path, typer.Argument(help="A directory (application.json and *.cedar) or a JSON file.")
]
VersionOption = Annotated[
    int | None, typer.Option("--version", min=1, help="This version, not the one in force.")
]


def cli_actor() -> str:
    """Who publishes from the command line: ``cli:<os user>``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        user = str(os.getuid())
    return f"cli:{user}"[:MAX_ACTOR]


@contextmanager
def policies_store() -> Iterator[tuple[Provider, SqlStore]]:
    """One transaction of the policy store; refusals are error lines, exit 1."""
    with provider_store() as (provider, store):
        try:
            yield provider, store
        except (PolicyStoreError, SchemaDeclarationError) as exc:
            raise CliError(str(exc)) from None
        except InvalidPolicies as exc:
            raise _refused(exc) from None


def _policy_files(path: Path) -> PolicyContent:
    try:
        return read_policies(path)
    except PolicyFileError as exc:
        raise fail(str(exc)) from None


def _refused(invalid: InvalidPolicies) -> typer.Exit:
    """Every problem on its own line: policy id, line and column where known, message."""
    for problem in invalid.problems:
        typer.echo(f"error: {problem}", err=True)
    return typer.Exit(1)


def _version_line(info: PolicyVersionInfo) -> str:
    back = f"\trollback to {info.rollback_of}" if info.rollback_of is not None else ""
    comment = f"\t{info.comment}" if info.comment and info.rollback_of is None else ""
    return (
        f"{info.number}\t{_when(info.created_at)}\t{info.actor}\t{info.digest[:12]}{back}{comment}"
    )


@policies_app.command("publish")
def policies_publish(
    path: PolicyFiles,
    comment: Annotated[str | None, typer.Option(help="Why (kept with the version).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Compile the policies against their declaration and publish them as a new version."""
    content = _policy_files(path)
    declaration = content.declaration
    with policies_store() as (provider, store):
        info = publish(
            store,
            declaration.application,
            content.sources,
            cli_actor(),
            comment,
            provider.clock.now(),
            user_attributes=declaration.user_attributes,
        )
    emit(version_json(info), as_json, f"published version {info.number} ({info.digest[:12]})")


@policies_app.command("validate")
def policies_validate(path: PolicyFiles) -> None:
    """Compile only: print every problem (policy id, line and column where known)."""
    content = _policy_files(path)
    try:
        compiled = compile_content(content, "draft")
    except SchemaDeclarationError as exc:
        raise fail(str(exc)) from None
    except InvalidPolicies as exc:
        raise _refused(exc) from None
    typer.echo(f"valid: {len(compiled.policies)} policies ({compiled.digest[:12]})")


@policies_app.command("show")
def policies_show(version: VersionOption = None, as_json: JsonOption = False) -> None:
    """The version in force (or --version N): its declaration and policies."""
    with policies_store() as (_provider, store):
        shown = _version_or_current(store, version)
    if shown is None:
        emit(None, as_json, "no policies published")
        return
    data = policy_version_json(shown)
    policies = "\n\n".join(
        f"// {source.id}\n{source.text.strip()}" for source in shown.content.sources
    )
    emit(data, as_json, f"{_version_line(shown.info)}\n\n{policies}".rstrip())


@policies_app.command("history")
def policies_history(
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50, as_json: JsonOption = False
) -> None:
    """Published versions, newest first."""
    with policies_store() as (_provider, store):
        versions = history(store, limit)
    lines = [_version_line(info) for info in versions]
    emit(
        [version_json(info) for info in versions],
        as_json,
        "\n".join(lines) or "no policies published",
    )


@policies_app.command("rollback")
def policies_rollback(number: int, as_json: JsonOption = False) -> None:
    """Publish version NUMBER's content again, as a new version (history is kept)."""
    with policies_store() as (provider, store):
        info = rollback(store, number, cli_actor(), provider.clock.now())
    emit(version_json(info), as_json, f"published version {info.number} (the content of {number})")


@policies_app.command("schema")
def policies_schema(
    version: VersionOption = None,
    path: Annotated[
        Path | None, typer.Option("--from", help="The schema of these files instead.")
    ] = None,
) -> None:
    """The Cedar schema (JSON) the policies are validated against."""
    if path is not None and version is not None:
        raise fail("--version and --from name two schemas: give one")
    if path is not None:
        content: PolicyContent | None = _policy_files(path)
    else:
        with policies_store() as (_provider, store):
            shown = _version_or_current(store, version)
        content = shown.content if shown is not None else None
    declaration = content.declaration if content is not None else Declaration()
    try:
        schema = generate_schema(declaration.user_attributes, declaration.application)
    except SchemaDeclarationError as exc:
        raise fail(str(exc)) from None
    typer.echo(json.dumps(schema.document, indent=2, sort_keys=True))


def _version_or_current(store: SqlStore, number: int | None) -> PolicyVersion | None:
    return load_current(store) if number is None else load_version(store, number)


@config_app.command("docs")
def config_docs() -> None:
    """Print the configuration reference (Markdown)."""
    typer.echo(configuration_reference(), nl=False)


@app.command()
def openapi() -> None:
    """Print the OpenAPI document of the HTTP API."""
    typer.echo(json.dumps(openapi_document(), indent=2, sort_keys=True))


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document, independent of any instance's settings or database."""
    from idp.app import build_routes

    return build_routes(Settings()).openapi()
