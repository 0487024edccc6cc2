"""Secrets the app reads back are sealed with AES-256-GCM, bound to their row, and refuse to open elsewhere."""

from __future__ import annotations

import base64

import pytest

from chalicelib.adapters.sealed_secrets import PREFIX, SealedSecretError, SecretSealer, is_sealed

MASTER = "a master secret of at least thirty-two bytes!"  # pragma: allowlist secret - a test key


def test_a_sealed_secret_opens_for_its_row_and_holds_nothing_readable():
    sealer = SecretSealer(MASTER)
    sealed = sealer.seal("JBSWY3DPEHPK3PXP", "totp:user-1")
    assert sealed.startswith(PREFIX) and is_sealed(sealed)
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert b"JBSWY3DPEHPK3PXP" not in base64.urlsafe_b64decode(sealed[len(PREFIX):])
    assert sealer.open(sealed, "totp:user-1") == "JBSWY3DPEHPK3PXP"


def test_each_seal_uses_a_new_nonce():
    sealer = SecretSealer(MASTER)
    assert sealer.seal("same", "webhook:1") != sealer.seal("same", "webhook:1")


@pytest.mark.parametrize("context", ["totp:user-2", "webhook:user-1", ""])
def test_a_value_moved_to_another_row_or_purpose_does_not_open(context):
    sealer = SecretSealer(MASTER)
    sealed = sealer.seal("JBSWY3DPEHPK3PXP", "totp:user-1")
    with pytest.raises(SealedSecretError):
        sealer.open(sealed, context)


def test_another_key_or_a_flipped_bit_does_not_open():
    sealed = SecretSealer(MASTER).seal("whsec_abc", "webhook:1")
    with pytest.raises(SealedSecretError):
        SecretSealer(MASTER + "x").open(sealed, "webhook:1")
    raw = bytearray(base64.urlsafe_b64decode(sealed[len(PREFIX):]))
    raw[-1] ^= 1
    with pytest.raises(SealedSecretError):
        SecretSealer(MASTER).open(PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode(), "webhook:1")
    with pytest.raises(SealedSecretError):
        SecretSealer(MASTER).open(PREFIX + "not base64!", "webhook:1")


def test_a_value_stored_before_sealing_reads_as_it_is():
    assert SecretSealer(MASTER).open("JBSWY3DPEHPK3PXP", "totp:user-1") == "JBSWY3DPEHPK3PXP"
    assert not is_sealed("JBSWY3DPEHPK3PXP")


def test_the_key_never_shows_in_its_repr():
    assert MASTER not in repr(SecretSealer(MASTER))
