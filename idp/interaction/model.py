"""What an interaction is: a suspended request of some kind, what it requires of the
user before it can be answered, and how far the user has authenticated in it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from idp.authn.methods import AuthenticationMethod
from idp.scope import Scope


class InteractionKind(StrEnum):
    """Who suspended the request, and so who resumes it (idp.interaction.registry)."""

    AUTHORIZATION = "authorization"  # an OAuth 2.0 / OpenID Connect authorization request
    DEVICE_APPROVAL = "device_approval"  # a device awaiting approval (RFC 8628 §3.3)
    ACCOUNT = "account"  # the user's own account pages


class Prompt(StrEnum):
    """What may be asked of the user: the OIDC Core §3.1.2.1 prompt values a request may
    name (REQUESTED_PROMPTS), and the second factor's pages, which only the policy asks."""

    NONE = "none"  # ask nothing: fail instead
    LOGIN = "login"
    CONSENT = "consent"
    SECOND_FACTOR = "second_factor"  # a TOTP or recovery code (idp.authn.second_factor)
    ENROLMENT = "mfa_enrolment"  # set up an authenticator app, when one is required


REQUESTED_PROMPTS = frozenset({Prompt.NONE, Prompt.LOGIN, Prompt.CONSENT})


@dataclass(frozen=True)
class Requirements:
    """Protocol-neutral conditions the user must meet before the request is answered.

    ``party_id`` names who is asking (a client, later a SAML service provider);
    ``consent_scope`` is what the user is asked to allow; ``prompt`` and ``max_age``
    follow OIDC Core §3.1.2.1 (SAML's ForceAuthn and IsPassive map onto them)."""

    party_id: str
    consent_scope: Scope
    prompt: frozenset[Prompt] = frozenset()
    max_age: int | None = None
    login_hint: str | None = None
    acr_values: tuple[str, ...] = ()  # OIDC Core §3.1.2.1, in order of preference
    acr_essential: bool = False  # the claims parameter's essential acr (§5.5.1.1)


@dataclass(frozen=True)
class Authentication:
    """How far the user has authenticated within this interaction."""

    methods: tuple[str, ...] = ()  # names of the methods done here
    acr: str | None = None
    authenticated_at: int | None = None
    owed: tuple[str, ...] = ()  # methods still to do (MFA, step-up)
    # The first factor done, the second owed: who, and the digest of the cookie that
    # binds this partial sign-in to the browser that did it (no SSO session yet).
    pending_user: str | None = None
    binding: str | None = None

    def after(self, method: AuthenticationMethod, now: int) -> Authentication:
        return Authentication(
            methods=(*self.methods, method.name),
            acr=method.acr,
            authenticated_at=now,
            owed=tuple(owed for owed in self.owed if owed != method.name),
        )

    def awaiting(
        self, first: AuthenticationMethod, user_id: str, binding: str, now: int
    ) -> Authentication:
        return replace(self.after(first, now), pending_user=user_id, binding=binding)


@dataclass(frozen=True)
class Interaction:
    kind: InteractionKind
    payload: dict[str, Any]  # owned by the kind's handler
    requirements: Requirements
    authentication: Authentication = field(default_factory=Authentication)
    consented: bool = False

    def authenticated(self, method: AuthenticationMethod, now: int) -> Interaction:
        return replace(self, authentication=self.authentication.after(method, now))

    def awaiting_second_factor(
        self, first: AuthenticationMethod, user_id: str, binding: str, now: int
    ) -> Interaction:
        """The first factor done by ``user_id`` in the browser ``binding`` names."""
        authentication = self.authentication.awaiting(first, user_id, binding, now)
        return replace(self, authentication=authentication)

    def without_pending(self) -> Interaction:
        """Forget a partial sign-in (another browser holds the link)."""
        authentication = replace(self.authentication, pending_user=None, binding=None)
        return replace(self, authentication=authentication)

    def with_consent(self) -> Interaction:
        return replace(self, consented=True)

    def to_record(self) -> dict[str, Any]:
        requirements, authentication = self.requirements, self.authentication
        return {
            "kind": self.kind.value,
            "payload": self.payload,
            "requirements": {
                "party_id": requirements.party_id,
                "consent_scope": str(requirements.consent_scope),
                "prompt": sorted(requirements.prompt),
                "max_age": requirements.max_age,
                "login_hint": requirements.login_hint,
                "acr_values": list(requirements.acr_values),
                "acr_essential": requirements.acr_essential,
            },
            "authentication": {
                "methods": list(authentication.methods),
                "acr": authentication.acr,
                "authenticated_at": authentication.authenticated_at,
                "owed": list(authentication.owed),
                "pending_user": authentication.pending_user,
                "binding": authentication.binding,
            },
            "consented": self.consented,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Interaction:
        requirements, authentication = record["requirements"], record["authentication"]
        return cls(
            kind=InteractionKind(record["kind"]),
            payload=dict(record["payload"]),
            requirements=Requirements(
                party_id=requirements["party_id"],
                consent_scope=Scope.parse(requirements["consent_scope"]),
                prompt=frozenset(Prompt(value) for value in requirements["prompt"]),
                max_age=requirements["max_age"],
                login_hint=requirements["login_hint"],
                acr_values=tuple(requirements.get("acr_values", ())),
                acr_essential=bool(requirements.get("acr_essential", False)),
            ),
            authentication=Authentication(
                methods=tuple(authentication["methods"]),
                acr=authentication["acr"],
                authenticated_at=authentication["authenticated_at"],
                owed=tuple(authentication["owed"]),
                pending_user=authentication.get("pending_user"),
                binding=authentication.get("binding"),
            ),
            consented=bool(record["consented"]),
        )
