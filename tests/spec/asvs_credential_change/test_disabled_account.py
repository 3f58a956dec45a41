"""ASVS 5.0 V7.4.2: after `idp users disable`, the user cannot sign in, and nothing they
held still works anywhere: not their SSO sessions, not their refresh tokens (offline
ones included), not their access tokens, at introspection as at UserInfo."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.spec.asvs_credential_change.holdings import (
    ACCOUNT_DISABLED,
    Deployment,
    Holdings,
    access_tokens_taken_back,
    assert_login_refused,
    holdings,
    login_attempt,
)
from tests.support.assertions import assert_oauth_error
from tests.support.flows import PASSWORD
from tests.support.relying_party import has_sso_session, is_active, refresh, security_events


@dataclass(frozen=True)
class Disabled:
    deployment: Deployment
    held: Holdings


@pytest.fixture(scope="module")
def disabled(deployment: Deployment) -> Iterator[Disabled]:
    with holdings(deployment) as held:
        result = deployment.run("users", "disable", held.user.username)
        assert result.stdout.strip() == f"disabled {held.user.username}"
        yield Disabled(deployment, held)


def test_disabled_user_cannot_sign_in__asvs_v7_4_2(disabled):
    idp, held = disabled.deployment.idp, disabled.held
    assert_login_refused(login_attempt(idp, held.app, held.user.username, PASSWORD))


def test_disabling_ends_every_sso_session_of_the_user__asvs_v7_4_2(disabled):
    for browser in disabled.held.browsers:
        assert not has_sso_session(browser, disabled.held.app)


def test_disabling_revokes_every_refresh_token_offline_ones_included__asvs_v7_4_2(disabled):
    idp, held = disabled.deployment.idp, disabled.held
    for token in held.refresh_tokens:
        assert_oauth_error(refresh(idp, held.app, token), "invalid_grant")


def test_a_disabled_users_refresh_tokens_are_inactive_at_introspection__asvs_v7_4_2(disabled):
    """The offline one too: it is bound to no session that could have ended."""
    idp, held = disabled.deployment.idp, disabled.held
    for token in held.refresh_tokens:
        assert not is_active(idp, held.app, token)


def test_a_disabled_users_access_tokens_are_taken_back__asvs_v7_4_2__asvs_v7_4_1(disabled):
    """Inactive at introspection and 401 invalid_token at UserInfo (RFC 6750 §3.1), once
    the server's cache refresher has read the command's revocation."""
    idp, held = disabled.deployment.idp, disabled.held
    assert access_tokens_taken_back(idp, held.app, held.access_tokens)


def test_disabling_is_recorded_as_a_risc_account_disabled_event__asvs_v7_4_2(disabled):
    events = security_events(disabled.deployment.idp, disabled.held.user.id)
    account_disabled = [event for event in events if event["event_type"] == ACCOUNT_DISABLED]
    assert len(account_disabled) == 1, events
    assert account_disabled[0]["detail"]["reason"] == "account_disabled"
