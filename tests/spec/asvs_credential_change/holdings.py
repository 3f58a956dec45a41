"""A deployment (a running server and the ``idp`` command on its database and instance
secret) and what a signed-in user holds there, checked over HTTP before and after an
administrator's command."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from idp.authn.users import User
from tests.cli.processes import run_idp
from tests.support.flows import Browser, create_user, pkce_pair
from tests.support.pages import LOGIN_FORM
from tests.support.polling import eventually
from tests.support.relying_party import (
    OFFLINE_SCOPE,
    SCOPE,
    App,
    has_sso_session,
    is_active,
    is_refused_at_userinfo,
    userinfo,
    web_app,
)
from tests.support.server import RunningIdp
from tests.support.sign_in import sign_in

CACHE_POLL_INTERVAL = 0.2
# The server reads the command's revocation within one poll interval; this leaves a
# loaded machine plenty of room.
PROPAGATION = 10.0
LOGIN_FAILED = "The username or password is incorrect."
CREDENTIAL_CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change"
ACCOUNT_DISABLED = "https://schemas.openid.net/secevent/risc/event-type/account-disabled"
TOKEN_REVOKED = "https://schemas.openid.net/secevent/oauth/event-type/token-revoked"


@dataclass(frozen=True)
class Deployment:
    idp: RunningIdp
    env: dict[str, str]

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """The real ``idp`` console script on this deployment's database; must succeed."""
        result = run_idp(self.env, *args, stdin=stdin)
        assert result.returncode == 0, result.stderr
        return result


@dataclass(frozen=True)
class Holdings:
    """A user signed in on two devices: in the first browser a session-bound and an
    offline refresh token, in the second a session-bound one; with their access
    tokens."""

    app: App
    user: User
    browsers: tuple[Browser, Browser]
    session_bound: dict[str, Any]
    offline: dict[str, Any]
    other_device: dict[str, Any]

    @property
    def responses(self) -> list[dict[str, Any]]:
        return [self.session_bound, self.offline, self.other_device]

    @property
    def access_tokens(self) -> list[str]:
        return [response["access_token"] for response in self.responses]

    @property
    def refresh_tokens(self) -> list[str]:
        return [response["refresh_token"] for response in self.responses]


@contextmanager
def holdings(deployment: Deployment) -> Iterator[Holdings]:
    """A new user and web app, everything in ``Holdings``, each checked to be valid."""
    idp = deployment.idp
    app, user = web_app(idp, scope=OFFLINE_SCOPE), create_user(idp)
    with ExitStack() as stack:
        first, second = (stack.enter_context(Browser(idp)) for _ in range(2))
        held = Holdings(
            app,
            user,
            (first, second),
            session_bound=sign_in(idp, app, user, browser=first, scope=SCOPE),
            offline=sign_in(idp, app, user, browser=first, scope=OFFLINE_SCOPE),
            other_device=sign_in(idp, app, user, browser=second, scope=SCOPE),
        )
        assert "offline_access" in held.offline["scope"].split()
        assert "offline_access" not in held.session_bound["scope"].split()
        assert all(has_sso_session(browser, app) for browser in held.browsers)
        for token in held.access_tokens:
            assert is_active(idp, app, token)
            assert userinfo(idp, token).status_code == 200
        assert all(is_active(idp, app, token) for token in held.refresh_tokens)
        yield held


def access_tokens_taken_back(idp: RunningIdp, app: App, tokens: list[str]) -> bool:
    """Whether, within PROPAGATION, each token is inactive at introspection by ``app``
    and refused at UserInfo."""
    return eventually(
        lambda: not any(is_active(idp, app, token) for token in tokens), within=PROPAGATION
    ) and all(is_refused_at_userinfo(idp, token) for token in tokens)


def login_attempt(idp: RunningIdp, app: App, username: str, password: str) -> httpx.Response:
    """A new browser at /authorize, submitting the login form; the login POST's answer."""
    with Browser(idp) as browser:
        page = browser.follow(
            browser.authorize(
                response_type="code",
                client_id=app.client_id,
                redirect_uri=app.client.redirect_uris[0],
                scope="openid",
                code_challenge=pkce_pair()[1],
                code_challenge_method="S256",
            )
        )
        assert LOGIN_FORM.search(page.text), page.text
        return browser.submit_login(page, username, password)


def assert_login_refused(response: httpx.Response) -> None:
    """The login page again, with the one answer for every failed login."""
    assert response.status_code == 401, response.text
    assert LOGIN_FORM.search(response.text), response.text
    assert LOGIN_FAILED in response.text
