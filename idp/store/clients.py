"""Clients (implements idp.oauth.storage.ClientStore)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from idp.authz.claims import ClaimMapping
from idp.authz.model import AuthzError
from idp.oauth.clients import AuthMethod, Client, GrantType
from idp.scope import Scope
from idp.store.cache_versions import AUTHZ_CACHE, CLIENTS_CACHE, CacheVersionQueries
from idp.store.database import affected_rows
from idp.store.models import ClientRow


def _to_client(row: ClientRow) -> Client:
    return Client(
        client_id=row.client_id,
        name=row.name,
        token_endpoint_auth_method=AuthMethod(row.token_endpoint_auth_method),
        redirect_uris=tuple(row.redirect_uris),
        grant_types=tuple(GrantType(grant) for grant in row.grant_types),
        scope=Scope.parse(row.scope),
        first_party=row.first_party,
        secret_digest=row.secret_digest,
        jwks=row.jwks,
        id_token_signed_response_alg=row.id_token_signed_response_alg,
        resources=tuple(row.resources),
        require_par=row.require_par,
        access_token_ttl=row.access_token_ttl,
        id_token_ttl=row.id_token_ttl,
        refresh_token_ttl=row.refresh_token_ttl,
        refresh_token_grace_period=row.refresh_token_grace_period,
        web_origins=tuple(row.web_origins),
        exchange_audiences=tuple(row.exchange_audiences),
        may_impersonate=row.may_impersonate,
        post_logout_redirect_uris=tuple(row.post_logout_redirect_uris),
        backchannel_logout_uri=row.backchannel_logout_uri,
        backchannel_logout_session_required=row.backchannel_logout_session_required,
        frontchannel_logout_uri=row.frontchannel_logout_uri,
        frontchannel_logout_session_required=row.frontchannel_logout_session_required,
        require_mfa=row.require_mfa,
        claim_mapping=_claim_mapping(row.claim_mapping),
    )


def _claim_mapping(stored: object) -> ClaimMapping | None:
    """As stored; a mapping that no longer passes the checks releases nothing (fail
    closed) rather than failing every token of the client."""
    if not isinstance(stored, dict) or not stored.get("rules"):
        return None
    try:
        return ClaimMapping.from_json(stored)
    except (AuthzError, TypeError, ValueError):
        return None


class ClientQueries(CacheVersionQueries):
    session: Session

    def load_client(self, client_id: str) -> Client | None:
        row = self.session.get(ClientRow, client_id)
        return _to_client(row) if row else None

    def create_client(self, client: Client, now: int) -> None:
        self.session.add(
            ClientRow(
                client_id=client.client_id,
                name=client.name,
                secret_digest=client.secret_digest,
                token_endpoint_auth_method=client.token_endpoint_auth_method.value,
                redirect_uris=list(client.redirect_uris),
                grant_types=[grant.value for grant in client.grant_types],
                scope=str(client.scope),
                first_party=client.first_party,
                jwks=client.jwks,
                id_token_signed_response_alg=client.id_token_signed_response_alg,
                created_at=now,
                resources=list(client.resources),
                require_par=client.require_par,
                access_token_ttl=client.access_token_ttl,
                id_token_ttl=client.id_token_ttl,
                refresh_token_ttl=client.refresh_token_ttl,
                refresh_token_grace_period=client.refresh_token_grace_period,
                web_origins=list(client.web_origins),
                exchange_audiences=list(client.exchange_audiences),
                may_impersonate=client.may_impersonate,
                post_logout_redirect_uris=list(client.post_logout_redirect_uris),
                backchannel_logout_uri=client.backchannel_logout_uri,
                backchannel_logout_session_required=client.backchannel_logout_session_required,
                frontchannel_logout_uri=client.frontchannel_logout_uri,
                frontchannel_logout_session_required=client.frontchannel_logout_session_required,
                require_mfa=client.require_mfa,
                claim_mapping=client.claim_mapping.to_json() if client.claim_mapping else None,
            )
        )
        self.session.flush()
        self.bump_cache_version(CLIENTS_CACHE)

    def list_clients(self) -> list[Client]:
        rows = self.session.scalars(select(ClientRow).order_by(ClientRow.created_at))
        return [_to_client(row) for row in rows]

    def claim_mappings(self) -> dict[str, ClaimMapping]:
        """Every client's claim mapping, by client_id (clients without one left out)."""
        rows = self.session.execute(
            select(ClientRow.client_id, ClientRow.claim_mapping).where(
                ClientRow.claim_mapping.is_not(None)
            )
        )
        mappings = ((client_id, _claim_mapping(stored)) for client_id, stored in rows)
        return {client_id: mapping for client_id, mapping in mappings if mapping is not None}

    def set_claim_mapping(self, client_id: str, mapping: ClaimMapping | None) -> bool:
        row = self.session.get(ClientRow, client_id)
        if row is None:
            return False
        row.claim_mapping = mapping.to_json() if mapping and mapping.rules else None
        self.session.flush()
        self.bump_cache_version(CLIENTS_CACHE)
        return True

    def delete_client(self, client_id: str) -> bool:
        result = self.session.execute(delete(ClientRow).where(ClientRow.client_id == client_id))
        self.bump_cache_version(CLIENTS_CACHE)
        self.bump_cache_version(AUTHZ_CACHE)  # its roles went with it
        return affected_rows(result) > 0
