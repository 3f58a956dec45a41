"""A party joining a session that a logout has just ended adds nothing and fails
nothing (the race of /authorize and /logout on one session, on both databases)."""

from __future__ import annotations

from tests.support.flows import Browser, create_user, register
from tests.support.sign_in import sign_in_for_tokens


def test_joining_an_ended_session_adds_nothing_and_raises_nothing(idp_on_each_backend):
    idp = idp_on_each_backend
    user = create_user(idp)
    client, secret = register(idp)
    with Browser(idp) as browser:
        sign_in_for_tokens(idp, client, secret, user, browser=browser)
    with idp.provider.store() as store:
        (sid,) = store.list_user_sids(user.id)
        store.end_sessions_by_sid(sid)
        store.add_session_party(sid, client.client_id, user.id, idp.clock.now())
        assert store.session_parties(sid) == []
