"""Recovery codes: ten single-use codes, stored hashed, accepted instead of a TOTP code,
each use recorded (NIST SP 800-63B §5.1.2 look-up secrets)."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select

from idp.authn.methods import MFA_ACR
from idp.authn.second_factor import RECOVERY_CODE_USED
from idp.store.models import RecoveryCodeRow
from tests.support.assertions import verify_id_token
from tests.support.flows import Browser, create_user
from tests.support.relying_party import security_events
from tests.support.second_factor import (
    authorization_request,
    enrol,
    password_step,
    sign_in_with_code,
    submit_code,
    tokens_for,
)

CODE_SHAPE = re.compile(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}")


def test_ten_distinct_codes_are_stored_only_as_digests(idp, enrolled):
    codes = enrolled.recovery_codes
    assert len(codes) == len(set(codes)) == 10
    assert all(CODE_SHAPE.fullmatch(code) for code in codes)
    with idp.provider.store() as store:
        query = select(RecoveryCodeRow.code_digest).where(
            RecoveryCodeRow.user_id == enrolled.user.id
        )
        stored = list(store.session.scalars(query))
    assert len(stored) == 10
    for code in codes:
        assert all(code not in digest and code.replace("-", "") not in digest for digest in stored)


def test_a_recovery_code_signs_in_once_and_is_recorded(idp, app, enrolled, caplog):
    code = enrolled.recovery_codes[3]
    caplog.set_level(logging.INFO, logger="idp.authn")
    with Browser(idp) as browser:
        query, verifier = sign_in_with_code(idp, browser, app.client, enrolled, code.lower())
    tokens = tokens_for(idp, app.client, query, verifier, app.secret)
    claims = verify_id_token(idp, tokens["id_token"], app.client)
    assert claims["acr"] == MFA_ACR
    assert set(claims["amr"]) == {"pwd", "otp", "mfa"}
    events = security_events(idp, enrolled.user.id)
    [event] = [event for event in events if event["event_type"] == RECOVERY_CODE_USED]
    assert event["detail"] == {"remaining": 9}
    logged = [record.getMessage() for record in caplog.records if record.name == "idp.authn"]
    assert any("recovery code used" in message for message in logged)
    assert not any(code in message or code.replace("-", "") in message for message in logged)
    with Browser(idp) as again:
        page = password_step(again, enrolled.user, authorization_request(app.client)[0])
        refused = submit_code(again, page, code)
    assert refused.status_code == 401
    assert "wrong or has already been used" in refused.text


def test_a_code_of_another_user_is_refused(idp, app, enrolled):
    other = enrol(idp, create_user(idp))
    with Browser(idp) as browser:
        page = password_step(browser, enrolled.user, authorization_request(app.client)[0])
        refused = submit_code(browser, page, other.recovery_codes[0])
    assert refused.status_code == 401
    assert "wrong or has already been used" in refused.text
