"""The composition root: long-lived objects one process shares between requests."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from sqlalchemy.orm import Session

from idp.account.interaction import AccountSignIns
from idp.authn.login import PasswordChecks
from idp.authn.passkeys import PasskeyCeremonies, RelyingParty
from idp.authn.passwords import PasswordPolicy
from idp.authn.risk import DeviceCookies
from idp.authn.second_factor import SecondFactors
from idp.authn.throttle import Kind, Ladder, Scope, Throttle
from idp.authn.throttle_counters import Counters
from idp.authz.bundle_publication import BundlePublisher
from idp.authz.cache import AccessCache, TokenClaims
from idp.authz.claims import ClaimMapping
from idp.authz.decision_point import DecisionPoint
from idp.authz.model import Assignments, AttributeValue, Model
from idp.authz.policy_store import load_current
from idp.authz.policy_versions import PolicyVersion
from idp.clock import Clock, SystemClock
from idp.config import Settings
from idp.demo.example_app import EXAMPLE_BACKCHANNEL_LOGOUT_URI
from idp.errors import ProtocolError, TemporarilyUnavailableError
from idp.interaction.model import InteractionKind
from idp.interaction.registry import InteractionRegistry
from idp.interaction.sealing import InteractionSeal
from idp.keys.instance_secret import derive_key, load_or_create
from idp.keys.jws import JwtSigner
from idp.keys.keyring import KeyRing
from idp.keys.rotation import rotate_keys_if_due
from idp.keys.signing import StoredKey
from idp.mail.delivery import KIND as MAIL
from idp.mail.delivery import MailDeliverySender, MailQueue
from idp.mail.senders import ConsoleSender, MailSender, SmtpSecurity, SmtpSender
from idp.oauth.authorization_interaction import AuthorizationRequests
from idp.oauth.client_auth import AssertionAudience
from idp.oauth.client_cache import ClientCache
from idp.oauth.clients import Client
from idp.oauth.device_approval import DeviceApprovals
from idp.oauth.token_context import TokenContext, TokenStores
from idp.oauth.tokens import Lifetimes, TokenIssuer
from idp.oidc.backchannel_logout import (
    KIND as BACKCHANNEL_LOGOUT,
)
from idp.oidc.backchannel_logout import (
    BackchannelLogoutQueue,
    BackchannelLogoutSender,
    LogoutTokens,
)
from idp.oidc.discovery import provider_metadata
from idp.oidc.id_token import IdTokens
from idp.outbound import OutboundClient
from idp.outbox.worker import DeliveryWorker
from idp.revocation.bus import (
    AUTHZ_CHANGED,
    CLIENTS_CHANGED,
    POLICIES_CHANGED,
    SECURITY_EVENTS,
    SUSPENSIONS_CHANGED,
    EventBus,
    LocalBus,
    RedisBus,
    record_of,
    revocation_message,
)
from idp.revocation.cache import RevocationCache
from idp.revocation.events import SYSTEM
from idp.revocation.records import MAX_TOKEN_LIFETIME, RevocationRecord
from idp.revocation.revoker import Revoker, SessionEndListener
from idp.revocation.status_indexes import StatusIndexes
from idp.revocation.status_list import TakenBack
from idp.revocation.status_publication import StatusListPublisher
from idp.revocation.storage import RevocationStore
from idp.revocation.suspensions import Suspension, Suspensions
from idp.sealing import Sealer
from idp.secret import Secret
from idp.sessions.sso import SessionPolicy
from idp.ssf.delivery import EventReader
from idp.ssf.feed import EventFeed
from idp.ssf.notifier import EventNotifier
from idp.ssf.push import KIND as SSF_PUSH
from idp.ssf.push import PushSender
from idp.ssf.push_credentials import PushCredentials
from idp.ssf.sets import SecurityEventTokens
from idp.store.cache_versions import AUTHZ_CACHE, CLIENTS_CACHE, POLICIES_CACHE
from idp.store.database import Database, unavailable_when_unreachable
from idp.store.pruning import prune
from idp.store.repository import SqlStore

log = logging.getLogger("idp")


class NoStorage:
    """The stores of a request the core declared in-memory: any use is a bug, and says so."""

    def __getattr__(self, name: str) -> NoReturn:
        raise RuntimeError(f"a path declared in-memory used storage: {name}")


NO_STORAGE = NoStorage()


@dataclass
class Provider:
    settings: Settings
    clock: Clock
    database: Database
    keyring: KeyRing
    signer: JwtSigner
    tokens: TokenIssuer
    id_tokens: IdTokens
    clients: ClientCache
    access: AccessCache
    user_claims: TokenClaims
    decision_point: DecisionPoint
    policy_bundles: BundlePublisher
    revocations: RevocationCache
    csrf_key: bytes
    key_encryption_key: bytes
    session_policy: SessionPolicy
    assertion_audience: AssertionAudience
    discovery_document: bytes
    interactions: InteractionRegistry[SqlStore]
    interaction_seal: InteractionSeal
    replay_sealer: Sealer
    push_credentials: PushCredentials
    password_checks: PasswordChecks
    password_policy: PasswordPolicy
    mail: MailQueue | None  # None: no mail is sent (IDP_MAIL_SENDER=none)
    throttle: Throttle
    second_factors: SecondFactors
    passkeys: PasskeyCeremonies
    device_cookies: DeviceCookies
    deliveries: DeliveryWorker
    session_listeners: tuple[SessionEndListener, ...]
    bus: EventBus
    status_indexes: StatusIndexes
    status_lists: StatusListPublisher
    notifier: EventNotifier
    events: EventReader

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> Provider:
        clock = clock or SystemClock()
        instance_secret = load_or_create(settings.secret_key_file)
        database = Database(settings.database_url, settings.database_timeout)
        key_encryption_key = derive_key(instance_secret, "signing-key-encryption")

        def load_keys() -> list[StoredKey]:
            with database.reading() as session:
                return SqlStore(session).list_keys()

        def load_client(client_id: str) -> Client | None:
            with database.reading() as session:
                return SqlStore(session).load_client(client_id)

        def load_client_version() -> int:
            with database.reading() as session:
                return SqlStore(session).cache_version(CLIENTS_CACHE)

        def load_claim_mappings() -> dict[str, ClaimMapping]:
            with database.reading() as session:
                return SqlStore(session).claim_mappings()

        def load_authz_model() -> Model:
            with database.reading() as session:
                return SqlStore(session).load_authz_model()

        def load_user_access(user_id: str) -> tuple[Assignments, Mapping[str, AttributeValue]]:
            with database.reading() as session:
                store = SqlStore(session)
                return store.load_assignments(user_id), store.load_user_attributes(user_id)

        def load_authz_version() -> int:
            with database.reading() as session:
                return SqlStore(session).cache_version(AUTHZ_CACHE)

        def load_current_policies() -> PolicyVersion | None:
            with database.reading() as session:
                return load_current(SqlStore(session))

        def load_decision_versions() -> tuple[int, int]:
            with database.reading() as session:
                store = SqlStore(session)
                return store.cache_version(POLICIES_CACHE), store.cache_version(AUTHZ_CACHE)

        def load_revocations(position: int) -> tuple[list[RevocationRecord], int]:
            with database.reading() as session:
                return SqlStore(session).revocations_after(position, clock.now())

        bus: EventBus = (
            RedisBus(settings.redis_url, settings.issuer) if settings.redis_url else LocalBus()
        )
        database.cache_listeners.append(
            lambda name: bus.publish(CLIENTS_CHANGED) if name == CLIENTS_CACHE else None
        )
        database.cache_listeners.append(
            lambda name: bus.publish(AUTHZ_CHANGED) if name == AUTHZ_CACHE else None
        )
        database.cache_listeners.append(
            lambda name: bus.publish(POLICIES_CHANGED) if name == POLICIES_CACHE else None
        )
        notifier = EventNotifier()
        keyring = KeyRing(load_keys, key_encryption_key, clock)
        signer = JwtSigner(keyring, clock, settings.clock_leeway)
        lifetimes = Lifetimes(
            settings.access_token_ttl,
            settings.id_token_ttl,
            settings.refresh_token_ttl,
            settings.offline_access_max_lifetime,
        )
        clients = ClientCache(load_client, load_client_version, settings.cache_max_staleness)
        access = AccessCache(
            load_authz_model, load_user_access, load_authz_version, settings.cache_max_staleness
        )
        user_claims = TokenClaims(access)

        @contextmanager
        def transaction() -> Iterator[SqlStore]:
            with database.transaction() as session:
                yield SqlStore(session)

        @contextmanager
        def reading() -> Iterator[SqlStore]:
            with database.reading() as session:
                yield SqlStore(session)

        def load_suspensions() -> list[Suspension]:
            with reading() as store:
                return store.list_suspensions()

        suspensions = Suspensions(load_suspensions)
        decision_point = DecisionPoint(
            load_current_policies,
            load_authz_model,
            load_decision_versions,
            settings.cache_max_staleness,
            suspensions,
        )
        revocations = RevocationCache(
            load_revocations,
            settings.cache_max_staleness,
            announce=lambda record: bus.publish(revocation_message(record)),
            suspensions=suspensions,
        )
        status_indexes = StatusIndexes(
            transaction,
            list_size=settings.status_list_size,
            lease=settings.status_lease,
            now=clock.now,
        )
        status_lists = StatusListPublisher(
            reading,
            status_indexes,
            signer,
            lambda now: TakenBack.of(revocations.live_records(now), suspensions.held),
            lambda: (revocations.version, suspensions.version),
            issuer=settings.issuer,
            ttl=settings.status_list_ttl,
        )

        outbound = OutboundClient(
            allow_private=settings.outbound_allow_private,
            private_targets=frozenset([EXAMPLE_BACKCHANNEL_LOGOUT_URI] if settings.demo else []),
        )
        logout_sender = BackchannelLogoutSender(
            LogoutTokens(signer, settings.issuer),
            clients,
            outbound,
            clock.now,
        )
        security_event_tokens = SecurityEventTokens(signer, settings.issuer)
        push_credentials = PushCredentials(
            Sealer(derive_key(instance_secret, "ssf-push-authorization"), b"ssf-push-authorization")
        )
        mail_sealer = Sealer(derive_key(instance_secret, "mail"), b"mail")
        mail_sender = mail_sender_from(settings)
        deliveries = DeliveryWorker(
            transaction,
            {
                BACKCHANNEL_LOGOUT: logout_sender,
                SSF_PUSH: PushSender(reading, security_event_tokens, outbound, push_credentials),
                **({MAIL: MailDeliverySender(mail_sealer, mail_sender)} if mail_sender else {}),
            },
            clock,
            poll_interval=settings.delivery_poll_interval,
            lease=settings.delivery_lease,
        )

        def security_events_committed() -> None:
            notifier.notify()
            bus.publish(SECURITY_EVENTS)
            deliveries.wake()

        database.event_listeners.append(security_events_committed)
        return cls(
            settings=settings,
            clock=clock,
            database=database,
            keyring=keyring,
            signer=signer,
            tokens=TokenIssuer(
                signer,
                issuer=settings.issuer,
                audience=settings.audience,
                lifetimes=lifetimes,
                statuses=status_indexes,
                suspensions=suspensions,
            ),
            id_tokens=IdTokens(signer, settings.issuer, lifetimes, user_claims),
            clients=clients,
            access=access,
            user_claims=user_claims,
            decision_point=decision_point,
            policy_bundles=BundlePublisher(
                decision_point,
                clients,
                load_claim_mappings,
                signer,
                clock,
                issuer=settings.issuer,
            ),
            revocations=revocations,
            csrf_key=derive_key(instance_secret, "csrf"),
            key_encryption_key=key_encryption_key,
            session_policy=SessionPolicy(
                settings.session_idle_timeout,
                settings.session_absolute_timeout,
                settings.max_sessions_per_user,
            ),
            assertion_audience=AssertionAudience(
                token_endpoint=settings.endpoint("/token"), issuer=settings.issuer
            ),
            discovery_document=json.dumps(provider_metadata(settings.issuer)).encode(),
            # Each protocol resumes the interactions it suspended.
            interactions=InteractionRegistry(
                {
                    InteractionKind.AUTHORIZATION: AuthorizationRequests(
                        clients, settings.issuer, settings.authorization_code_ttl
                    ),
                    InteractionKind.DEVICE_APPROVAL: DeviceApprovals(clients),
                    InteractionKind.ACCOUNT: AccountSignIns(),
                }
            ),
            interaction_seal=InteractionSeal(
                Sealer(derive_key(instance_secret, "interaction"), b"interaction"),
                settings.interaction_ttl,
            ),
            password_checks=PasswordChecks(),
            password_policy=password_policy_from(settings),
            mail=MailQueue(mail_sealer, deliveries.wake) if mail_sender else None,
            throttle=throttle_from(settings),
            second_factors=SecondFactors(
                secret_sealer=Sealer(derive_key(instance_secret, "totp-secret"), b"totp-secret"),
                enrolment_sealer=Sealer(
                    derive_key(instance_secret, "totp-enrolment"), b"totp-enrolment"
                ),
                recovery_key=derive_key(instance_secret, "recovery-codes"),
            ),
            passkeys=PasskeyCeremonies(
                RelyingParty.of_issuer(settings.issuer),
                Sealer(derive_key(instance_secret, "webauthn-challenge"), b"webauthn-challenge"),
            ),
            device_cookies=DeviceCookies(
                Sealer(derive_key(instance_secret, "remembered-device"), b"remembered-device"),
                settings.remember_device_days,
            ),
            replay_sealer=Sealer(derive_key(instance_secret, "refresh-replay"), b"refresh-replay"),
            push_credentials=push_credentials,
            deliveries=deliveries,
            session_listeners=(BackchannelLogoutQueue(clients, deliveries.wake),),
            bus=bus,
            status_indexes=status_indexes,
            status_lists=status_lists,
            notifier=notifier,
            events=EventReader(
                reading,
                transaction,
                security_event_tokens,
                notifier,
                EventFeed(
                    reading, security_event_tokens, notifier, settings.ssf_heartbeat_interval
                ),
            ),
        )

    @contextmanager
    def store(self) -> Iterator[SqlStore]:
        """One transaction. A protocol rejection commits too: the core checks before it
        writes, so all a rejected request can have written is security bookkeeping
        (revocations after a replayed code or refresh token, a used client-assertion
        id, a device's last poll). A database that cannot be reached is 503."""
        with unavailable_when_unreachable():
            session = self.database.sessions()
            try:
                yield SqlStore(session)
                self._commit(session)
            except ProtocolError:
                self._commit(session)
                raise
            except BaseException:
                session.rollback()
                raise
            finally:
                session.close()

    @contextmanager
    def reading(self) -> Iterator[SqlStore]:
        """A read-only transaction: never takes SQLite's write lock."""
        with self.database.reading() as session:
            yield SqlStore(session)

    def token_context(self, stores: TokenStores) -> TokenContext:
        """What the endpoints of authenticated clients hand the core; ``NO_STORAGE``
        for a request the core declared in-memory."""
        return TokenContext(
            stores=stores,
            clients=self.clients,
            tokens=self.tokens,
            revocations=self.revocations,
            assertion_audience=self.assertion_audience,
            session_policy=self.session_policy,
            now=self.clock.now(),
            replay_sealer=self.replay_sealer,
            leeway=self.settings.clock_leeway,
            response_extensions=(self.id_tokens,),
            session_listeners=self.session_listeners,
            user_claims=self.user_claims,
            in_memory=stores is NO_STORAGE,
        )

    def revoker(self, stores: RevocationStore, actor: str = SYSTEM) -> Revoker:
        return Revoker(
            stores,
            self.revocations,
            self.clock.now(),
            self.settings.clock_leeway,
            self.session_listeners,
            actor,
            self._suspensions_changed,
        )

    def streams_changed(self) -> None:
        """Security events were written, or a stream changed: whoever reads streams, on
        this node and the others, reads again."""
        self.notifier.notify()
        self.bus.publish(SECURITY_EVENTS)

    def _suspensions_changed(self) -> None:
        self.revocations.suspensions.refresh()
        self.bus.publish(SUSPENSIONS_CHANGED)

    @staticmethod
    def _commit(session: Session) -> None:
        # Requests served from memory never began a transaction; committing would.
        if session.in_transaction():
            session.commit()

    def refresh_caches(self) -> None:
        """What the node's cache refresher runs every IDP_CACHE_POLL_INTERVAL seconds."""
        with unavailable_when_unreachable():
            self.revocations.refresh(self.clock.now())
            self.clients.refresh()
            self.access.refresh()
            self.decision_point.refresh()
        # Events another node wrote, should the bus have lost the word of them.
        self.notifier.notify()

    def hear(self, message: dict[str, Any]) -> None:
        """A message from another node on the event bus."""
        if message.get("type") == "revocation":
            self.revocations.remember(record_of(message))
        elif message == CLIENTS_CHANGED:
            with unavailable_when_unreachable():
                self.clients.refresh()
        elif message == AUTHZ_CHANGED:
            with unavailable_when_unreachable():
                self.access.refresh()
                self.decision_point.refresh()
        elif message == POLICIES_CHANGED:
            with unavailable_when_unreachable():
                self.decision_point.refresh()
        elif message == SECURITY_EVENTS:
            self.notifier.notify()
        elif message == SUSPENSIONS_CHANGED:
            with unavailable_when_unreachable():
                self.revocations.suspensions.refresh()

    def cache_poll_interval(self) -> float:
        """Often while the bus is away; rarely, as a safety net, while it carries news."""
        settings = self.settings
        return settings.bus_poll_interval if self.bus.healthy else settings.cache_poll_interval

    def seal_stored_push_credentials(self) -> None:
        """At start: push authorization headers an older version stored in the clear
        are sealed (idp.ssf.push_credentials)."""
        with self.store() as store:
            sealed = self.push_credentials.seal_stored(store)
        if sealed:
            log.info("sealed %d push authorization headers stored in the clear", sealed)

    def flush_status_indexes(self) -> None:
        """Every IDP_STATUS_FLUSH_INTERVAL seconds (idp.revocation.status_indexes)."""
        with unavailable_when_unreachable():
            self.status_indexes.flush()

    def close_status_indexes(self) -> None:
        """At shutdown, so no block of this node lapses (idp.revocation.status_indexes)."""
        try:
            with unavailable_when_unreachable():
                self.status_indexes.close()
        except TemporarilyUnavailableError as error:
            log.warning("could not close the status-list blocks: %s", error.debug)

    def refresh_keys(self) -> None:
        """Every IDP_KEY_CACHE_TTL seconds."""
        with unavailable_when_unreachable():
            self.keyring.refresh()

    def prune(self) -> dict[str, int]:
        """Delete rows nothing can use any more (idp.store.pruning)."""
        with self.database.transaction() as session:
            return prune(
                session,
                self.clock.now(),
                self.settings.session_idle_timeout,
                leeway=self.settings.clock_leeway,
            )

    def rotate_keys_if_due(self) -> None:
        """Scheduled key rotation (IDP_KEY_ROTATION_PERIOD); any node may run it."""
        settings = self.settings
        with self.database.transaction() as session:
            rotated = rotate_keys_if_due(
                SqlStore(session),
                self.key_encryption_key,
                self.clock.now(),
                period=settings.key_rotation_period,
                publish_delay=settings.key_publish_delay,
                max_token_ttl=MAX_TOKEN_LIFETIME,
            )
        if rotated:
            self.keyring.refresh()


def password_policy_from(settings: Settings) -> PasswordPolicy:
    """IDP_PASSWORD_MIN_LENGTH(_MFA); the service's name (IDP_TOTP_ISSUER) is a word no
    password may contain."""
    return PasswordPolicy(
        settings.password_min_length, settings.password_min_length_mfa, settings.totp_issuer
    )


def mail_sender_from(settings: Settings) -> MailSender | None:
    """IDP_MAIL_SENDER: SMTP, the console (development only) or none."""
    chosen = settings.resolved_mail_sender
    if chosen == "console":
        if settings.issuer.startswith("https://"):
            log.warning("IDP_MAIL_SENDER=console: mail, links included, goes to stderr")
        return ConsoleSender(settings.mail_from)
    if chosen != "smtp" or not settings.smtp_host:
        return None
    security = SmtpSecurity(settings.smtp_security)
    default_port = {SmtpSecurity.STARTTLS: 587, SmtpSecurity.TLS: 465, SmtpSecurity.NONE: 25}
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    if settings.smtp_password_file is not None:
        password = settings.smtp_password_file.read_text().strip()
    return SmtpSender(
        settings.smtp_host,
        settings.smtp_port or default_port[security],
        settings.mail_from,
        security,
        settings.smtp_username,
        Secret(password) if password is not None else None,
        settings.smtp_timeout,
    )


def throttle_from(settings: Settings) -> Throttle:
    """Who is throttled how: passwords per account and address, per account across the
    addresses it is not known from, and per address; device user codes per address;
    second-factor codes per account and address and per account."""

    def ladder(free: int) -> Ladder:
        return Ladder(free, settings.throttle_base_delay, settings.throttle_max_delay)

    return Throttle(
        policies={
            Kind.PASSWORD: {
                Scope.ACCOUNT_ADDRESS: ladder(settings.throttle_free_attempts),
                Scope.ACCOUNT: ladder(settings.throttle_account_free_attempts),
                Scope.ADDRESS: ladder(settings.throttle_address_free_attempts),
            },
            Kind.USER_CODE: {Scope.ADDRESS: ladder(settings.throttle_free_attempts)},
            # The password is known: per account (its user id), from each address and
            # from all the addresses it is not known from.
            Kind.SECOND_FACTOR: {
                Scope.ACCOUNT_ADDRESS: ladder(settings.throttle_free_attempts),
                Scope.ACCOUNT: ladder(settings.throttle_free_attempts),
            },
            # Per address, and per the account the credential names when it names one:
            # as passwords are counted.
            Kind.PASSKEY: {
                Scope.ACCOUNT_ADDRESS: ladder(settings.throttle_free_attempts),
                Scope.ACCOUNT: ladder(settings.throttle_account_free_attempts),
                Scope.ADDRESS: ladder(settings.throttle_address_free_attempts),
            },
            Kind.MAIL_LINK_REQUEST: {
                Scope.ACCOUNT_ADDRESS: ladder(settings.throttle_free_attempts),
                Scope.ACCOUNT: ladder(settings.throttle_free_attempts),
                Scope.ADDRESS: ladder(settings.throttle_address_free_attempts),
            },
            Kind.MAIL_LINK: {Scope.ADDRESS: ladder(settings.throttle_free_attempts)},
        },
        counters=Counters(settings.redis_url, settings.issuer),
        remember_address=settings.throttle_remember_address,
    )
