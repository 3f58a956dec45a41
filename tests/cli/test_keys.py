"""`idp keys …`, the instance secret file and how signing keys are stored."""

from __future__ import annotations

import json
import stat
import time

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization

from idp.keys.instance_secret import derive_key
from idp.keys.signing import Algorithm, public_jwk, unseal_private_key
from tests.cli.conftest import query
from tests.cli.processes import idp_env, run_idp


def keys_list(env):
    result = run_idp(env, "keys", "list", "--json")
    assert result.returncode == 0, result.stderr
    return {key["kid"]: key for key in json.loads(result.stdout)}


def rotate(env, *extra):
    result = run_idp(env, "keys", "rotate", "--json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def keyed_dir(tmp_path_factory):
    """A fresh instance after `idp db upgrade` and a first `idp keys rotate`."""
    directory = tmp_path_factory.mktemp("keys")
    env = idp_env(directory)
    upgraded = run_idp(env, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    rotate(env, "--publish-delay", "0")
    return directory


def test_keys_rotate_publishes_a_next_key_per_alg_and_retires_the_active_ones(keyed_dir):
    env = idp_env(keyed_dir)
    # After the fixture's `keys rotate --publish-delay 0`: one active key per algorithm.
    listed = keys_list(env)
    active = {kid for kid, key in listed.items() if key["state"] == "active"}
    assert sorted(listed[kid]["alg"] for kid in active) == ["ES256", "RS256"]
    before = int(time.time())
    rotated = rotate(env)  # default IDP_KEY_PUBLISH_DELAY: 3600 s
    assert sorted(key["alg"] for key in rotated) == ["ES256", "RS256"]
    assert all(key["activates_at"] >= before + 3600 for key in rotated)
    keys = keys_list(env)
    assert set(keys) == active | {key["kid"] for key in rotated}
    for key in rotated:
        assert keys[key["kid"]]["state"] == "next"
        assert keys[key["kid"]]["expires_at"] is None
    for kid in active:
        assert keys[kid]["state"] == "retiring"
        # Still published after its successor starts signing, for the tokens it signed.
        assert keys[kid]["expires_at"] > max(key["activates_at"] for key in rotated)


def test_secret_key_file_is_created_with_mode_0600(keyed_dir):
    secret_file = keyed_dir / "secret.key"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600


def test_signing_keys_are_sealed_in_the_database_not_stored_as_plaintext(keyed_dir):
    rows = query(keyed_dir, "SELECT kid, alg, sealed_private_key, public_jwk FROM signing_keys")
    assert {alg for _, alg, _, _ in rows} == {"ES256", "RS256"}
    instance_secret = bytes.fromhex((keyed_dir / "secret.key").read_text().strip())
    encryption_key = derive_key(instance_secret, "signing-key-encryption")
    for kid, alg, sealed, jwk in rows:
        assert isinstance(sealed, bytes)
        assert b"PRIVATE KEY" not in sealed
        for candidate in (sealed, sealed[12:], sealed[12:-16]):
            # Not a DER private key, with or without the nonce and tag.
            with pytest.raises(ValueError, match="Could not deserialize key data"):
                serialization.load_der_private_key(candidate, password=None)
        # It is the key, sealed with the instance secret and bound to its kid.
        private_key = unseal_private_key(sealed, kid, encryption_key)
        assert public_jwk(private_key, Algorithm(alg)) == json.loads(jwk)
        with pytest.raises(InvalidTag):
            unseal_private_key(sealed, "another-kid", encryption_key)
