"""ASVS 5.0 V7.4.3: after `idp users set-password`, nothing the user held before still
works (every SSO session, every refresh token, session-bound and offline, every access
token), and the new password signs them in to fresh, valid tokens."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.spec.asvs_credential_change.holdings import (
    CREDENTIAL_CHANGE,
    Deployment,
    Holdings,
    access_tokens_taken_back,
    assert_login_refused,
    holdings,
    login_attempt,
)
from tests.support.assertions import assert_oauth_error
from tests.support.flows import PASSWORD, Browser
from tests.support.polling import after_the_second
from tests.support.relying_party import (
    OFFLINE_SCOPE,
    has_sso_session,
    is_active,
    refresh,
    security_events,
    userinfo,
)
from tests.support.sign_in import sign_in

NEW_PASSWORD = "a completely different passphrase"


@dataclass(frozen=True)
class PasswordChanged:
    deployment: Deployment
    held: Holdings
    changed_at: float  # wall-clock time when the command had finished


@pytest.fixture(scope="module")
def changed(deployment: Deployment) -> Iterator[PasswordChanged]:
    with holdings(deployment) as held:
        result = deployment.run(
            "users", "set-password", held.user.username, "--password-stdin",
            stdin=f"{NEW_PASSWORD}\n",
        )  # fmt: skip
        assert result.stdout.strip() == f"password set for {held.user.username}"
        yield PasswordChanged(deployment, held, time.time())


def test_password_change_ends_every_sso_session_of_the_user__asvs_v7_4_3(changed):
    """The session cookie of either device no longer signs the user in: the browser
    sees the login page again."""
    for browser in changed.held.browsers:
        assert not has_sso_session(browser, changed.held.app)


def test_password_change_revokes_session_bound_refresh_tokens__asvs_v7_4_3(changed):
    idp, held = changed.deployment.idp, changed.held
    for response in (held.session_bound, held.other_device):
        assert_oauth_error(refresh(idp, held.app, response["refresh_token"]), "invalid_grant")


def test_password_change_revokes_offline_refresh_tokens__asvs_v7_4_3(changed):
    """Offline access outlives the SSO session, not a credential change."""
    idp, held = changed.deployment.idp, changed.held
    assert_oauth_error(refresh(idp, held.app, held.offline["refresh_token"]), "invalid_grant")


def test_password_change_makes_every_refresh_token_inactive_at_introspection__asvs_v7_4_3(
    changed,
):
    idp, held = changed.deployment.idp, changed.held
    for token in held.refresh_tokens:
        assert not is_active(idp, held.app, token)


def test_password_change_takes_back_every_access_token__asvs_v7_4_3__asvs_v7_4_1(changed):
    """Inactive at introspection and 401 invalid_token at UserInfo (RFC 6750 §3.1), once
    the server's cache refresher has read the command's revocation."""
    idp, held = changed.deployment.idp, changed.held
    assert access_tokens_taken_back(idp, held.app, held.access_tokens)


def test_password_change_is_recorded_as_a_caep_credential_change_event__asvs_v7_4_3(changed):
    events = security_events(changed.deployment.idp, changed.held.user.id)
    credential_changes = [event for event in events if event["event_type"] == CREDENTIAL_CHANGE]
    assert len(credential_changes) == 1, events
    assert credential_changes[0]["detail"]["reason"] == "password_change"


def test_the_old_password_no_longer_signs_in__asvs_v7_4_3(changed):
    idp, held = changed.deployment.idp, changed.held
    assert_login_refused(login_attempt(idp, held.app, held.user.username, PASSWORD))


def test_a_fresh_login_with_the_new_password_gets_valid_tokens__asvs_v7_4_3(changed):
    idp, held = changed.deployment.idp, changed.held
    # What was issued in the second of the change is taken back too (fail closed).
    after_the_second(changed.changed_at)
    with Browser(idp) as browser:
        tokens = sign_in(
            idp, held.app, held.user, browser=browser, scope=OFFLINE_SCOPE, password=NEW_PASSWORD
        )
        assert has_sso_session(browser, held.app)
    assert is_active(idp, held.app, tokens["access_token"])
    assert userinfo(idp, tokens["access_token"]).status_code == 200
    assert is_active(idp, held.app, tokens["refresh_token"])
    refreshed = refresh(idp, held.app, tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert userinfo(idp, refreshed.json()["access_token"]).status_code == 200
