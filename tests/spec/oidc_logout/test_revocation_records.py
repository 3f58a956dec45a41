"""What each revocation writes: the record says what was taken back, why, and who did
it (the user at logout, the client at RFC 7009, Tessera itself on reuse), and so does
the security event."""

from __future__ import annotations

import jwt
from sqlalchemy import select

from idp.store.models import RevocationRow, SecurityEventRow
from tests.support.flows import Browser, create_user
from tests.support.relying_party import refresh, revoke, web_app
from tests.support.sign_in import sign_in


def records(idp, value: str) -> list[tuple[str, str, str]]:
    with idp.provider.store() as store:
        rows = store.session.scalars(select(RevocationRow).where(RevocationRow.value == value))
        return [(row.kind, row.reason, row.actor) for row in rows]


def event_actors(idp, subject: str) -> list[tuple[str, str]]:
    with idp.provider.store() as store:
        rows = store.session.scalars(
            select(SecurityEventRow).where(SecurityEventRow.subject == subject)
        )
        return [(row.detail["reason"], row.detail["actor"]) for row in rows]


def test_logout_is_recorded_as_the_users(idp):
    user, app = create_user(idp), web_app(idp)
    with Browser(idp) as browser:
        tokens = sign_in(idp, app, user, browser=browser)
        browser.http.get("/logout", params={"id_token_hint": tokens["id_token"]})
    sid = jwt.decode(tokens["id_token"], options={"verify_signature": False})["sid"]
    assert records(idp, sid) == [("sid", "logout", f"user:{user.id}")]
    assert event_actors(idp, user.id) == [("logout", f"user:{user.id}")]


def test_rfc7009_revocation_is_recorded_as_the_clients(idp):
    user, app = create_user(idp), web_app(idp)
    tokens = sign_in(idp, app, user)
    revoke(idp, app, tokens["access_token"])
    jti = jwt.decode(tokens["access_token"], options={"verify_signature": False})["jti"]
    assert records(idp, jti) == [("jti", "rfc7009_revocation", f"client:{app.client_id}")]


def test_refresh_token_reuse_is_recorded_as_tessera_s_own(idp):
    user, app = create_user(idp), web_app(idp)
    tokens = sign_in(idp, app, user)
    assert refresh(idp, app, tokens["refresh_token"]).status_code == 200
    assert refresh(idp, app, tokens["refresh_token"]).status_code == 400  # reuse
    sid = jwt.decode(tokens["id_token"], options={"verify_signature": False})["sid"]
    assert records(idp, sid) == [("sid", "refresh_token_reuse", "system")]
