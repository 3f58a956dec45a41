"""idp.interaction.prompts: which page stands between an interaction and its answer
(OIDC Core §3.1.2.1, §3.1.2.3, §3.1.2.4). The checks run in order and the first one that
applies wins; each row of the table below is one situation and its outcome."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from idp.errors import ConsentRequiredError, LoginRequiredError, ProtocolError
from idp.interaction.model import (
    Authentication,
    Interaction,
    InteractionKind,
    Prompt,
    Requirements,
)
from idp.interaction.prompts import next_prompt
from idp.interaction.registry import Party
from idp.scope import Scope
from idp.sessions.sso import SsoSession

NOW = 1_000_000
LOGGED_IN_AT = NOW - 600  # the session's login, ten minutes ago
SCOPE = Scope.parse("openid email")


def session(auth_time: int = LOGGED_IN_AT) -> SsoSession:
    return SsoSession(
        sid="sid-1",
        user_id="user-1",
        auth_time=auth_time,
        amr=["pwd"],
        acr="urn:tessera:acr:password",
        created_at=auth_time,
        last_seen_at=auth_time,
        expires_at=auth_time + 86400,
    )


@dataclass(frozen=True)
class Case:
    """One situation: what the request asks, who asks, what is on record."""

    prompt: frozenset[Prompt] = frozenset()
    max_age: int | None = None
    first_party: bool = False
    logged_in: bool = True  # a live SSO session exists
    auth_time: int = LOGGED_IN_AT  # of that session
    logged_in_here_at: int | None = None  # a login within this interaction, at this time
    consented_here: bool = False  # consent given within this interaction
    on_record: Scope = field(default_factory=Scope)  # consent stored for user and client

    def interaction(self) -> Interaction:
        authentication = Authentication(
            methods=("password",) if self.logged_in_here_at is not None else (),
            authenticated_at=self.logged_in_here_at,
        )
        return Interaction(
            kind=InteractionKind.AUTHORIZATION,
            payload={},
            requirements=Requirements(
                party_id="client-1",
                consent_scope=SCOPE,
                prompt=self.prompt,
                max_age=self.max_age,
            ),
            authentication=authentication,
            consented=self.consented_here,
        )

    def run(self) -> Prompt | None:
        party = Party(id="client-1", name="Example", first_party=self.first_party)
        current = session(self.auth_time) if self.logged_in else None
        return next_prompt(self.interaction(), party, current, self.on_record, NOW)


NONE, LOGIN, CONSENT = Prompt.NONE, Prompt.LOGIN, Prompt.CONSENT
CONSENTED = SCOPE  # consent on record for exactly what is asked

CASES = {
    # Who is the user? No session: log in (OIDC Core §3.1.2.3), or fail with prompt=none.
    "no_session_asks_for_login__oidc_core_s3_1_2_3": (Case(logged_in=False), LOGIN),
    "no_session_with_prompt_none_is_login_required__oidc_core_s3_1_2_1": (
        Case(logged_in=False, prompt=frozenset({NONE})),
        LoginRequiredError,
    ),
    "no_session_asks_for_login_even_of_a_first_party": (
        Case(logged_in=False, first_party=True, on_record=CONSENTED),
        LOGIN,
    ),
    # prompt=login: log in again, unless a login happened within this interaction.
    "prompt_login_asks_again_despite_a_session__oidc_core_s3_1_2_1": (
        Case(prompt=frozenset({LOGIN}), on_record=CONSENTED),
        LOGIN,
    ),
    "prompt_login_is_satisfied_by_the_login_within_the_interaction__oidc_core_s3_1_2_1": (
        Case(
            prompt=frozenset({LOGIN}),
            auth_time=NOW - 5,
            logged_in_here_at=NOW - 5,
            on_record=CONSENTED,
        ),
        None,
    ),
    "prompt_login_is_satisfied_by_a_session_started_after_the_interaction_s_login": (
        Case(
            prompt=frozenset({LOGIN}),
            auth_time=NOW - 4,
            logged_in_here_at=NOW - 5,
            on_record=CONSENTED,
        ),
        None,
    ),
    "prompt_login_is_not_satisfied_by_a_session_older_than_the_interaction_s_login": (
        Case(prompt=frozenset({LOGIN}), logged_in_here_at=NOW - 5, on_record=CONSENTED),
        LOGIN,
    ),
    "prompt_login_then_consent_once_logged_in_here__oidc_core_s3_1_2_4": (
        Case(prompt=frozenset({LOGIN}), auth_time=NOW - 5, logged_in_here_at=NOW - 5),
        CONSENT,
    ),
    # max_age (OIDC Core §3.1.2.1): 0 means prompt=login; beyond it, log in again.
    "max_age_0_asks_again_as_prompt_login_does__oidc_core_s3_1_2_1": (
        Case(max_age=0, auth_time=NOW, on_record=CONSENTED),
        LOGIN,
    ),
    "max_age_0_is_satisfied_by_the_login_within_the_interaction__oidc_core_s3_1_2_1": (
        Case(max_age=0, auth_time=NOW, logged_in_here_at=NOW, on_record=CONSENTED),
        None,
    ),
    "max_age_exceeded_asks_again__oidc_core_s3_1_2_1": (
        Case(max_age=599, on_record=CONSENTED),
        LOGIN,
    ),
    "max_age_reached_exactly_is_not_exceeded__oidc_core_s3_1_2_1": (
        Case(max_age=600, on_record=CONSENTED),
        None,
    ),
    "max_age_not_exceeded_keeps_the_session__oidc_core_s3_1_2_1": (
        Case(max_age=3600, on_record=CONSENTED),
        None,
    ),
    "max_age_exceeded_with_prompt_none_is_login_required__oidc_core_s3_1_2_6": (
        Case(max_age=60, prompt=frozenset({NONE}), on_record=CONSENTED),
        LoginRequiredError,
    ),
    "max_age_exceeded_is_satisfied_by_the_login_within_the_interaction": (
        Case(max_age=60, auth_time=NOW - 5, logged_in_here_at=NOW - 5, on_record=CONSENTED),
        None,
    ),
    # Consent (OIDC Core §3.1.2.4).
    "consent_given_within_the_interaction_answers__oidc_core_s3_1_2_4": (
        Case(consented_here=True),
        None,
    ),
    "consent_given_within_the_interaction_answers_prompt_consent__oidc_core_s3_1_2_1": (
        Case(prompt=frozenset({CONSENT}), consented_here=True, on_record=CONSENTED),
        None,
    ),
    "prompt_consent_asks_even_with_consent_on_record__oidc_core_s3_1_2_1": (
        Case(prompt=frozenset({CONSENT}), on_record=CONSENTED),
        CONSENT,
    ),
    "prompt_consent_asks_even_a_first_party__oidc_core_s3_1_2_1": (
        Case(prompt=frozenset({CONSENT}), first_party=True),
        CONSENT,
    ),
    "prompt_login_consent_asks_for_login_first__oidc_core_s3_1_2_1": (
        Case(prompt=frozenset({LOGIN, CONSENT}), on_record=CONSENTED),
        LOGIN,
    ),
    "a_first_party_is_not_asked_for_consent": (Case(first_party=True), None),
    "a_first_party_with_prompt_none_and_no_consent_on_record_answers": (
        Case(first_party=True, prompt=frozenset({NONE})),
        None,
    ),
    "a_third_party_without_consent_on_record_asks_for_consent__oidc_core_s3_1_2_4": (
        Case(),
        CONSENT,
    ),
    "consent_on_record_for_the_scope_answers__oidc_core_s3_1_2_4": (
        Case(on_record=CONSENTED),
        None,
    ),
    "consent_on_record_for_more_than_the_scope_answers__oidc_core_s3_1_2_4": (
        Case(on_record=Scope.parse("profile email openid offline_access")),
        None,
    ),
    "consent_on_record_for_part_of_the_scope_asks_again__oidc_core_s3_1_2_4": (
        Case(on_record=Scope.parse("openid")),
        CONSENT,
    ),
    "prompt_none_without_consent_is_consent_required__oidc_core_s3_1_2_6": (
        Case(prompt=frozenset({NONE})),
        ConsentRequiredError,
    ),
    "prompt_none_with_partial_consent_is_consent_required__oidc_core_s3_1_2_6": (
        Case(prompt=frozenset({NONE}), on_record=Scope.parse("openid")),
        ConsentRequiredError,
    ),
    "prompt_none_with_a_session_and_consent_answers__oidc_core_s3_1_2_1": (
        Case(prompt=frozenset({NONE}), on_record=CONSENTED),
        None,
    ),
}


@pytest.mark.parametrize(("case", "expected"), list(CASES.values()), ids=list(CASES))
def test_next_prompt(case: Case, expected: Prompt | type[ProtocolError] | None):
    if isinstance(expected, type):
        with pytest.raises(expected) as raised:
            case.run()
        assert raised.value.error in {"login_required", "consent_required"}
    else:
        assert case.run() is expected


def test_the_errors_carry_the_spec_codes__oidc_core_s3_1_2_6():
    with pytest.raises(LoginRequiredError) as login:
        Case(logged_in=False, prompt=frozenset({NONE})).run()
    with pytest.raises(ConsentRequiredError) as consent:
        Case(prompt=frozenset({NONE})).run()
    assert login.value.error == "login_required"
    assert consent.value.error == "consent_required"
