"""Password storage (OWASP Password Storage Cheat Sheet): argon2id with m=19 MiB, t=2,
p=1; hashes made with older parameters are replaced at the next login; an unknown
username costs the same argon2 verification as a known one."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher, Type

from idp.authn import passwords
from tests.support.flows import PASSWORD, Browser, create_user, register

OWASP_PARAMETERS = re.compile(r"^\$argon2id\$v=19\$m=19456,t=2,p=1\$")


class CountingHasher:
    """The real hasher, counting verifications."""

    def __init__(self, hasher: PasswordHasher, calls: list[int]) -> None:
        self.hasher, self.calls = hasher, calls

    def verify(self, stored: str, password: str) -> bool:
        self.calls.append(1)
        return self.hasher.verify(stored, password)


def stored_hash(idp, username: str) -> str:
    with idp.provider.store() as store:
        user = store.load_user_by_username(username)
    assert user is not None
    assert user.password_hash is not None
    return user.password_hash


def login_page(browser: Browser, client):
    return browser.follow(
        browser.authorize(
            response_type="code",
            client_id=client.client_id,
            redirect_uri=client.redirect_uris[0],
            scope="openid",
        )
    )


def test_new_hashes_are_argon2id_with_owasp_parameters(idp):
    user = create_user(idp)
    assert OWASP_PARAMETERS.match(stored_hash(idp, user.username))


def test_a_hash_with_old_parameters_is_replaced_at_login(idp):
    user = create_user(idp)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    with idp.provider.store() as store:
        store.set_password_hash(user.id, weak.hash(PASSWORD))
    client, _ = register(idp, first_party=True)
    with Browser(idp) as browser:
        assert "code" in browser.sign_in(client, user, scope="openid")
    rehashed = stored_hash(idp, user.username)
    assert OWASP_PARAMETERS.match(rehashed)
    assert passwords.verify_password(PASSWORD, rehashed)


@pytest.mark.parametrize("known", [True, False])
def test_every_login_attempt_costs_one_argon2_verification(idp, monkeypatch, known):
    username = create_user(idp).username if known else "nobody-by-that-name"
    client, _ = register(idp, first_party=True)
    calls: list[int] = []
    monkeypatch.setattr(passwords, "HASHER", CountingHasher(passwords.HASHER, calls))
    with Browser(idp) as browser:
        page = login_page(browser, client)
        response = browser.submit_login(page, username, "not the password")
    assert response.status_code == 401
    assert calls == [1]
