"""The MFA policy per role and per group (idp.authz): a user holding a role that
requires a second factor (directly or through a composite role) or in a group that
requires one (or in a group nested in it) is made to enrol at the next sign-in, exactly
as the per-user flag does, and their tokens say so (OIDC Core §2 ``acr``, RFC 8176
``amr``); lifting the requirement stops it once the node's access cache has moved; the
account page says the administrator requires one. On SQLite and PostgreSQL."""

from __future__ import annotations

import secrets

from idp.authn.methods import MFA_ACR, PASSWORD_ACR
from idp.authz.management import Authz
from idp.revocation.events import OPERATOR
from tests.support.account import open_account, sign_in_to_account
from tests.support.flows import Browser, create_user
from tests.support.relying_party import web_app
from tests.support.second_factor import (
    authorization_request,
    enrol_in_browser,
    is_enrolment_page,
    is_second_factor_page,
    password_step,
    to_client,
    token_claims,
)
from tests.support.server import RunningIdp

REQUIRED_NOTE = "Your administrator requires one"


def changing_authz(idp: RunningIdp, change) -> None:
    """Apply ``change`` to the RBAC model as the operator, and let the node's cache move."""
    with idp.provider.store() as store:
        change(Authz(store, idp.clock.now(), OPERATOR))
    idp.provider.refresh_caches()


def assert_enrols_with_otp(idp: RunningIdp, user) -> None:
    """A password sign-in of ``user`` forces enrolment; the tokens say MFA with otp."""
    app = web_app(idp, first_party=True)
    request, verifier = authorization_request(app.client)
    with Browser(idp) as browser:
        query, _codes = enrol_in_browser(idp, browser, password_step(browser, user, request))
    for token in token_claims(idp, app, query, verifier):
        assert token["acr"] == MFA_ACR
        assert set(token["amr"]) == {"pwd", "otp", "mfa"}


def test_a_member_of_a_subgroup_of_a_group_requiring_mfa_enrols_at_the_next_sign_in(
    idp_on_each_backend,
):
    idp = idp_on_each_backend
    user, suffix = create_user(idp), secrets.token_hex(3)
    staff, oncall = f"staff-{suffix}", f"oncall-{suffix}"

    def nest_and_require(authz: Authz) -> None:
        authz.create_group(staff)
        authz.create_group(oncall, parent=staff)
        authz.add_member(oncall, user.id)
        assert authz.require_mfa_of_group(staff, True)

    changing_authz(idp, nest_and_require)
    assert_enrols_with_otp(idp, user)
    with Browser(idp) as later:  # enrolled now: the code is asked at every sign-in
        page = password_step(later, user, authorization_request(web_app(idp).client)[0])
        assert is_second_factor_page(page), page.text


def test_a_holder_of_a_composite_role_including_one_requiring_mfa_enrols_at_sign_in(
    idp_on_each_backend,
):
    idp = idp_on_each_backend
    user, suffix = create_user(idp), secrets.token_hex(3)
    auditor, lead = f"auditor-{suffix}", f"lead-{suffix}"

    def compose_and_require(authz: Authz) -> None:
        authz.create_role(auditor)
        authz.create_role(lead)
        authz.add_composite(lead, auditor)
        authz.assign_role(user.id, lead)
        assert authz.require_mfa_of_role(auditor, True)

    changing_authz(idp, compose_and_require)
    assert_enrols_with_otp(idp, user)


def test_lifting_the_requirement_stops_asking_and_is_audited(idp_on_each_backend):
    idp = idp_on_each_backend
    user, suffix = create_user(idp), secrets.token_hex(3)
    group = f"finance-{suffix}"

    def require(authz: Authz) -> None:
        authz.create_group(group)
        authz.add_member(group, user.id)
        authz.require_mfa_of_group(group, True)

    changing_authz(idp, require)
    app = web_app(idp, first_party=True)
    with Browser(idp) as browser:  # the user's access is now in the node's cache
        page = password_step(browser, user, authorization_request(app.client)[0])
        assert is_enrolment_page(page), page.text
    changing_authz(idp, lambda authz: authz.require_mfa_of_group(group, False))
    request, verifier = authorization_request(app.client)
    with Browser(idp) as browser:
        query = to_client(browser, password_step(browser, user, request))
    for token in token_claims(idp, app, query, verifier):
        assert token["acr"] == PASSWORD_ACR
        assert token["amr"] == ["pwd"]
    with idp.provider.reading() as store:
        changes = [
            (change["action"], change["actor"], change["detail"])
            for change in store.list_authz_changes()
            if change["target"] == group and change["action"] == "group.mfa.set"
        ]
    assert changes == [
        ("group.mfa.set", "operator", {"mfa_required": False}),  # newest first
        ("group.mfa.set", "operator", {"mfa_required": True}),
    ]


def test_the_account_page_says_a_role_requires_an_app(idp_on_each_backend):
    idp = idp_on_each_backend
    user, role = create_user(idp), f"treasurer-{secrets.token_hex(3)}"
    changing_authz(idp, lambda authz: authz.create_role(role))
    with Browser(idp) as browser:
        page = sign_in_to_account(browser, user)
        assert "Authenticator app: <strong>off</strong>" in page.text
        assert REQUIRED_NOTE not in page.text

        def assign_and_require(authz: Authz) -> None:
            authz.assign_role(user.id, role)
            authz.require_mfa_of_role(role, True)

        changing_authz(idp, assign_and_require)
        assert REQUIRED_NOTE in open_account(browser).text
