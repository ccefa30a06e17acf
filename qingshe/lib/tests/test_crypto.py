import pytest
from cryptography.exceptions import InvalidTag

from qingshe.lib import crypto


def test_encrypt_round_trip_and_random_nonce() -> None:
    a = crypto.encrypt("11010519491231002X", secret="k", context="user.id_number")
    b = crypto.encrypt("11010519491231002X", secret="k", context="user.id_number")
    assert a != b
    assert b"11010519491231002X" not in a
    assert crypto.decrypt(a, secret="k", context="user.id_number") == "11010519491231002X"


def test_wrong_key_or_context_cannot_decrypt() -> None:
    token = crypto.encrypt("secret", secret="k", context="user.id_number")
    with pytest.raises(InvalidTag):
        crypto.decrypt(token, secret="other", context="user.id_number")
    with pytest.raises(InvalidTag):
        crypto.decrypt(token, secret="k", context="beneficiary.id_number")


def test_tampered_ciphertext_is_rejected() -> None:
    token = bytearray(crypto.encrypt("secret", secret="k", context="c"))
    token[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.decrypt(bytes(token), secret="k", context="c")


def test_keyed_hash_is_stable_and_keyed() -> None:
    h1 = crypto.keyed_hash("x", secret="k", context="c")
    assert h1 == crypto.keyed_hash("x", secret="k", context="c")
    assert h1 != crypto.keyed_hash("x", secret="k2", context="c")
    assert len(h1) == 64
