"""The SSO session ends after IDP_SESSION_IDLE_TIMEOUT without use (sliding) and after
IDP_SESSION_ABSOLUTE_TIMEOUT in any case (OWASP Session Management: session expiration).
prompt=none tells whether the browser still has a session (OIDC Core §3.1.2.6)."""

from __future__ import annotations

import pytest

from tests.support.authorization import assert_code_issued, assert_redirected_error, open_authorize
from tests.support.flows import register
from tests.support.pages import is_login_page
from tests.support.sign_in import sign_in_browser


@pytest.fixture
def first_party(idp):
    """No consent to get in the way: a code means the session is alive."""
    return register(idp, public=True, first_party=True)[0]


@pytest.fixture
def signed_in(browser, first_party, user):
    sign_in_browser(browser, first_party, user)
    return browser


def still_signed_in(browser, client) -> None:
    assert_code_issued(open_authorize(browser, client, prompt="none"), client)


def test_session_survives_use_within_the_idle_timeout__owasp_session_idle_timeout(
    idp, signed_in, first_party
):
    for _ in range(3):
        idp.clock.advance(idp.settings.session_idle_timeout - 600)
        still_signed_in(signed_in, first_party)


def test_session_ends_after_the_idle_timeout__owasp_session_idle_timeout(
    idp, signed_in, first_party
):
    idp.clock.advance(idp.settings.session_idle_timeout + 1)
    response = open_authorize(signed_in, first_party, prompt="none")
    assert_redirected_error(response, idp, first_party, "login_required")
    assert is_login_page(open_authorize(signed_in, first_party))


def test_session_ends_at_the_absolute_timeout_despite_use__owasp_session_absolute_timeout(
    idp, signed_in, first_party
):
    settings, elapsed = idp.settings, 0
    step = settings.session_idle_timeout - 600
    while elapsed + step < settings.session_absolute_timeout:
        idp.clock.advance(step)
        elapsed += step
        still_signed_in(signed_in, first_party)
    idp.clock.advance(settings.session_absolute_timeout - elapsed + 1)
    response = open_authorize(signed_in, first_party, prompt="none")
    assert_redirected_error(response, idp, first_party, "login_required")
