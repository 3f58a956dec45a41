"""Two tabs of one signed-in browser each show the consent page for the same client,
and the user allows both at the same moment. Each submission saves the consent in its
own transaction; neither may fail because the other inserted the row first (it was a
500 from the unique constraint), and the stored consent is the union of what the two
tabs asked for (idp.store.grants.save_consent: an upsert that merges). Several rounds
on each database, since a race is won or lost by microseconds."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import sqlalchemy

from idp.oauth.clients import Client
from tests.support.client_requests import redeem
from tests.support.flows import Browser, code_flow, create_user, pkce_pair, query_of, register
from tests.support.race import all_at_once
from tests.support.server import RunningIdp

ROUNDS = 6
CONSENT_FORM = re.compile(r'action="/interaction/[^"]+/consent"')


@dataclass(frozen=True)
class Tab:
    """One tab of the browser, on the consent page of its own authorization request."""

    browser: Browser
    consent_page: httpx.Response
    state: str
    verifier: str

    def allow(self) -> httpx.Response:
        """Submit "allow" and follow the IdP's redirects; the answer that leaves it."""
        return self.browser.follow(self.browser.submit_consent(self.consent_page))


def open_tab(idp: RunningIdp, signed_in: Browser, client: Client, scope: str) -> Tab:
    """A new tab of ``signed_in`` (its cookies) at /authorize, on the consent page."""
    tab = Browser(idp)
    tab.http.cookies.update(signed_in.http.cookies)
    verifier, challenge = pkce_pair()
    state = f"tab-{scope.replace(' ', '-')}"
    page = tab.follow(
        tab.authorize(
            response_type="code",
            client_id=client.client_id,
            redirect_uri=client.redirect_uris[0],
            scope=scope,
            state=state,
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )
    assert page.status_code == 200, page.text
    assert CONSENT_FORM.search(page.text), page.text
    return Tab(tab, page, state, verifier)


def stored_consent(idp: RunningIdp, user_id: str, client_id: str) -> set[str]:
    query = sqlalchemy.text(
        "select scope from consents where user_id = :user_id and client_id = :client_id"
    )
    with idp.provider.store() as store:
        [scope] = store.session.execute(
            query, {"user_id": user_id, "client_id": client_id}
        ).scalars()
    return set(scope.split())


def test_two_tabs_consenting_at_once_both_get_a_code__rfc6749_s4_1_2(idp_on_each_backend):
    """Both answers are redirects to the client with a code (RFC 6749 §4.1.2) that
    redeems; the stored consent holds the scopes of both tabs."""
    idp = idp_on_each_backend
    user = create_user(idp)
    portal, _ = register(idp, first_party=True)  # signs the browser in, asks no consent
    with Browser(idp) as browser:
        code_flow(idp, portal, user, browser=browser)
        for _ in range(ROUNDS):
            client, secret = register(idp)
            tabs = [
                open_tab(idp, browser, client, "openid profile"),
                open_tab(idp, browser, client, "openid email"),
            ]
            try:
                answers = all_at_once([tab.allow for tab in tabs])
            finally:
                for tab in tabs:
                    tab.browser.http.close()

            for tab, answer in zip(tabs, answers, strict=True):
                assert answer.status_code in (302, 303), (answer.status_code, answer.text)
                location = answer.headers["location"]
                assert location.startswith(client.redirect_uris[0]), location
                query = query_of(location)
                assert query["state"] == tab.state
                assert "error" not in query, query
                tokens = redeem(idp, client, query["code"], tab.verifier, secret=secret)
                assert tokens.status_code == 200, tokens.text
            assert stored_consent(idp, user.id, client.client_id) == {"openid", "profile", "email"}
            assert gets_a_code_at_once(browser, client, "openid profile email")


def gets_a_code_at_once(browser: Browser, client: Client, scope: str) -> bool:
    """Whether /authorize answers with a code, no consent page (consent on record)."""
    answer = browser.follow(
        browser.authorize(
            response_type="code",
            client_id=client.client_id,
            redirect_uri=client.redirect_uris[0],
            scope=scope,
            code_challenge=pkce_pair()[1],
            code_challenge_method="S256",
        )
    )
    if answer.status_code == 200 and CONSENT_FORM.search(answer.text):
        return False
    assert answer.is_redirect, answer.text
    return "code" in query_of(answer.headers["location"])


def test_a_later_consent_to_other_scopes_adds_to_the_stored_one(idp_on_each_backend):
    """No race: the row exists when the second consent is saved, so the upsert's insert
    does nothing and the new scopes must be merged into the row."""
    idp = idp_on_each_backend
    user, (client, _) = create_user(idp), register(idp)
    with Browser(idp) as browser:
        code_flow(idp, client, user, browser=browser, scope="openid profile")
        assert stored_consent(idp, user.id, client.client_id) == {"openid", "profile"}
        code_flow(idp, client, user, browser=browser, scope="openid email")
        assert stored_consent(idp, user.id, client.client_id) == {"openid", "profile", "email"}
        assert gets_a_code_at_once(browser, client, "openid email")
        assert gets_a_code_at_once(browser, client, "openid profile email")
