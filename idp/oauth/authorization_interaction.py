"""The authorization request as an interaction (OIDC Core §3.1.2.3-§3.1.2.6): suspended
while the user logs in and consents, then answered with a code at the redirect URI."""

from __future__ import annotations

from dataclasses import dataclass

from idp.authn.mfa_policy import asserted_acr
from idp.errors import (
    AccessDeniedError,
    InvalidRequestError,
    ProtocolError,
    UnmetAuthenticationRequirementsError,
)
from idp.interaction.model import Interaction, InteractionKind, Prompt, Requirements
from idp.interaction.registry import Completion, Party, Redirect
from idp.oauth.authorization import (
    AuthorizationRequest,
    authorization_response_uri,
    issue_authorization_code,
)
from idp.oauth.clients import Client
from idp.oauth.storage import ClientStore, CodeStore
from idp.sessions.sso import SsoSession


def authorization_interaction(request: AuthorizationRequest) -> Interaction:
    return Interaction(
        kind=InteractionKind.AUTHORIZATION,
        payload=request.to_record(),
        requirements=Requirements(
            party_id=request.client_id,
            consent_scope=request.scope,
            prompt=frozenset(Prompt(value) for value in request.prompt),
            max_age=request.max_age,
            login_hint=request.login_hint,
            acr_values=request.acr_values,
            acr_essential=request.acr_essential,
        ),
    )


def client_party(clients: ClientStore, client_id: str) -> tuple[Client, Party]:
    client = clients.load_client(client_id)
    if client is None:
        raise InvalidRequestError("unknown client", redirectable=False)
    party = Party(client.client_id, client.name, client.first_party, require_mfa=client.require_mfa)
    return client, party


@dataclass(frozen=True)
class AuthorizationRequests:
    """The handler of InteractionKind.AUTHORIZATION."""

    clients: ClientStore
    issuer: str
    code_ttl: int

    def load_party(self, stores: CodeStore, interaction: Interaction) -> Party:
        return client_party(self.clients, interaction.requirements.party_id)[1]

    def complete(
        self, stores: CodeStore, interaction: Interaction, session: SsoSession, now: int
    ) -> Completion:
        request = AuthorizationRequest.from_record(interaction.payload)
        acr = asserted_acr(session.acr, request.acr_values, essential=request.acr_essential)
        if acr is None:
            # OIDC Core §5.5.1.1: an essential acr not met is a failed authentication.
            error = UnmetAuthenticationRequirementsError(
                "the sign-in did not reach any of the essential acr values requested"
            )
            raise self.refusal(interaction, error)
        code = issue_authorization_code(stores, request, session, now, self.code_ttl, acr)
        return Redirect(authorization_response_uri(request, {"code": code}, self.issuer))

    def deny(self, stores: CodeStore, interaction: Interaction) -> Completion:
        # RFC 6749 §4.1.2.1
        error = AccessDeniedError("the resource owner denied the request")
        raise self.refusal(interaction, error)

    def refusal(self, interaction: Interaction, error: ProtocolError) -> ProtocolError:
        request = AuthorizationRequest.from_record(interaction.payload)
        return error.redirected_to(request.redirect_uri, request.state)
