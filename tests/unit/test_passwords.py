"""The password policy and the argon2id parameters."""

from __future__ import annotations

import re

import pytest

from chalicelib.adapters.argon2_hasher import Argon2PasswordHasher
from chalicelib.domain.errors import WeakPassword
from chalicelib.domain.passwords import MAX_LENGTH, MIN_LENGTH, check_password_strength
from tests.fakes import cheap_hasher

PHC = re.compile(r"^\$(?P<type>argon2(?:id|i|d))\$v=(?P<v>\d+)\$m=(?P<m>\d+),t=(?P<t>\d+),p=(?P<p>\d+)\$[^$]+\$[^$]+$")
VARIED = "correct horse battery staple 42 "


def test_limits_are_ten_and_one_hundred_twenty_eight_characters():
    assert (MIN_LENGTH, MAX_LENGTH) == (10, 128)


def test_nine_characters_are_too_short():
    with pytest.raises(WeakPassword) as refused:
        check_password_strength("kq8#zPw2!")
    assert refused.value.details == {"field": "password", "min_length": 10}


def test_ten_characters_are_long_enough():
    check_password_strength("kq8#zPw2!x")


def test_one_hundred_twenty_eight_characters_are_accepted():
    check_password_strength((VARIED * 5)[:128])


def test_one_hundred_twenty_nine_characters_are_too_long():
    with pytest.raises(WeakPassword) as refused:
        check_password_strength((VARIED * 5)[:129])
    assert refused.value.details == {"field": "password", "max_length": 128}


def test_length_counts_characters_not_bytes():
    check_password_strength("pâtisserié")


@pytest.mark.parametrize("password", ["password123", "PassWord123", "QWERTYUIOP", "iloveyou12", "1234567890"])
def test_common_passwords_are_refused_whatever_their_case(password):
    with pytest.raises(WeakPassword) as refused:
        check_password_strength(password)
    assert "common" in refused.value.message


@pytest.mark.parametrize("password", ["ada.lovelace@example.com", "ADA.LOVELACE@EXAMPLE.COM", "Ada.Lovelace"])
def test_the_email_or_its_local_part_is_refused_as_password(password):
    with pytest.raises(WeakPassword) as refused:
        check_password_strength(password, "Ada.Lovelace@example.com")
    assert "email" in refused.value.message


def test_the_local_part_is_only_refused_when_the_email_is_known():
    check_password_strength("ada.lovelace")


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "abababababab", "abcabcabca", "1212121212x"])
def test_fewer_than_four_distinct_characters_are_refused(password):
    with pytest.raises(WeakPassword) as refused:
        check_password_strength(password)
    assert refused.value.details == {"field": "password"}


def test_four_distinct_characters_are_enough_variety():
    check_password_strength("abcdabcdab")


@pytest.mark.parametrize(
    "password",
    ["correct horse battery", "Tr0ub4dor&3xyz", "pâtisserie-été-42", "a different horse 42", "𝔭𝔦𝔵𝔪𝔦𝔫𝔱 rocks!"],
)
def test_good_passwords_are_accepted(password):
    check_password_strength(password, "ada@example.com")


def test_default_hasher_is_argon2id_at_or_above_the_owasp_minimum():
    produced = Argon2PasswordHasher().hash("correct horse battery")
    phc = PHC.match(produced)
    assert phc, produced
    assert phc["type"] == "argon2id"
    assert int(phc["v"]) == 19
    assert int(phc["m"]) >= 19456
    assert int(phc["t"]) >= 2
    assert int(phc["p"]) >= 1


def test_hashes_are_salted():
    hasher = cheap_hasher()
    assert hasher.hash("correct horse battery") != hasher.hash("correct horse battery")


def test_verify_accepts_the_password_and_refuses_others():
    hasher = cheap_hasher()
    stored = hasher.hash("correct horse battery")
    assert hasher.verify(stored, "correct horse battery")
    assert not hasher.verify(stored, "correct horse battery ")
    assert not hasher.verify(stored, "Correct horse battery")


@pytest.mark.parametrize(
    "stored", ["", "not a hash", "$argon2id$v=19$m=1024,t=1,p=1$garbage", "$2b$12$abcdefghijklmnopqrstuv"]
)
def test_verify_answers_false_for_a_malformed_stored_hash(stored):
    assert cheap_hasher().verify(stored, "correct horse battery") is False


def test_a_hash_made_with_other_parameters_needs_rehash_but_still_verifies():
    old = cheap_hasher().hash("correct horse battery")
    current = Argon2PasswordHasher(memory_kib=2048, time_cost=2)
    assert current.needs_rehash(old)
    assert current.verify(old, "correct horse battery")
    assert not current.needs_rehash(current.hash("correct horse battery"))
