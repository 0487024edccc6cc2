"""AccountService use cases against the in-memory unit of work."""

from __future__ import annotations

import re

import pytest

from chalicelib.adapters.argon2_hasher import Argon2PasswordHasher
from chalicelib.domain.accounts import BAD_CREDENTIALS, DEFAULT_DISPLAY_NAME, token_digest
from chalicelib.domain.errors import Conflict, Forbidden, InvalidToken, Unauthorized, WeakPassword
from chalicelib.domain.model import Role
from tests.fakes import InMemoryRefreshTokens

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a different horse 42"
IP = "198.51.100.7"


def stored_user(store, email):
    return next(u for u in store.state.users.values() if u.email.lower() == email.lower())


def live_sessions(store, user_id):
    return InMemoryRefreshTokens(store.state).unrevoked_ids(user_id)


def reset_token_from(mailer):
    _, _, text = mailer.sent[-1]
    match = re.search(r"/reset-password\?token=([A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


def verification_token_from(mailer):
    text = next(text for _, subject, text in reversed(mailer.sent) if "Confirm your email" in subject)
    match = re.search(r"/verify-email\?token=([A-Za-z0-9_-]+)", text)
    assert match, text
    return match.group(1)


def reset_emails(mailer):
    return [m for m in mailer.sent if "Reset your" in m[1]]


def test_register_creates_a_user_whose_access_token_authenticates(service, store):
    session = service.register("Ada@Example.com", PASSWORD, display_name="  Ada   Lovelace ")
    assert session.user.email == "Ada@Example.com"
    assert session.user.display_name == "Ada Lovelace"
    assert session.user.role is Role.USER
    assert session.tokens.expires_in == 900
    principal = service.authenticate(session.tokens.access_token)
    assert principal.user.id == session.user.id
    assert principal.session_id in live_sessions(store, session.user.id)


def test_register_stores_a_hash_not_the_password(service, store):
    service.register("ada@example.com", PASSWORD)
    stored = stored_user(store, "ada@example.com")
    assert PASSWORD not in stored.password_hash
    assert stored.password_hash.startswith("$argon2id$")


def test_display_name_defaults_to_a_neutral_name_never_the_email(service):
    assert service.register("grace@example.com", PASSWORD).user.display_name == DEFAULT_DISPLAY_NAME == "Pixmint artist"


def test_register_refuses_an_email_taken_in_another_case_and_stores_nothing(service, store):
    service.register("ada@example.com", PASSWORD)
    commits = store.commits
    with pytest.raises(Conflict):
        service.register("ADA@example.COM", NEW_PASSWORD)
    assert len(store.state.users) == 1
    assert store.commits == commits


def test_login_with_the_right_password_starts_a_separate_session(service, store):
    registered = service.register("ada@example.com", PASSWORD)
    session = service.login("ada@example.com", PASSWORD, IP)
    assert session.user.id == registered.user.id
    first = service.authenticate(registered.tokens.access_token).session_id
    second = service.authenticate(session.tokens.access_token).session_id
    assert first != second
    assert set(live_sessions(store, registered.user.id)) == {first, second}


def test_login_matches_the_email_whatever_its_case_and_spaces(service):
    service.register("grace@example.com", PASSWORD)
    assert service.login("  GRACE@Example.com ", PASSWORD, IP).user.email == "grace@example.com"


def test_unknown_email_and_wrong_password_fail_with_the_same_error(service):
    service.register("grace@example.com", PASSWORD)
    with pytest.raises(Unauthorized) as wrong:
        service.login("grace@example.com", "not the password", IP)
    with pytest.raises(Unauthorized) as unknown:
        service.login("nobody@example.com", PASSWORD, IP)
    assert (wrong.value.code, wrong.value.message, wrong.value.details) == (
        unknown.value.code, unknown.value.message, unknown.value.details)
    assert wrong.value.message == BAD_CREDENTIALS


def test_failed_logins_are_recorded_for_known_and_unknown_emails(service, store):
    service.register("grace@example.com", PASSWORD)
    for email in ("Grace@example.com", "nobody@example.com"):
        with pytest.raises(Unauthorized):
            service.login(email, "not the password", IP)
    failures = [(a.email, a.succeeded) for a in store.state.login_attempts]
    assert failures == [("grace@example.com", False), ("nobody@example.com", False)]


def test_login_rehashes_a_password_stored_with_older_parameters(make_service, store):
    old = Argon2PasswordHasher(memory_kib=1024, time_cost=1)
    make_service(hasher=old).register("ada@example.com", PASSWORD)
    old_hash = stored_user(store, "ada@example.com").password_hash
    assert "m=1024,t=1," in old_hash

    current = Argon2PasswordHasher(memory_kib=2048, time_cost=2)
    make_service(hasher=current).login("ada@example.com", PASSWORD, IP)

    new_hash = stored_user(store, "ada@example.com").password_hash
    assert new_hash != old_hash
    assert "m=2048,t=2," in new_hash
    assert current.verify(new_hash, PASSWORD)
    assert not current.needs_rehash(new_hash)


def test_login_keeps_a_hash_made_with_current_parameters(service, store):
    service.register("ada@example.com", PASSWORD)
    before = stored_user(store, "ada@example.com").password_hash
    service.login("ada@example.com", PASSWORD, IP)
    assert stored_user(store, "ada@example.com").password_hash == before


def test_refresh_rotates_the_refresh_token_within_the_same_session(service):
    session = service.register("ada@example.com", PASSWORD)
    renewed = service.refresh(session.tokens.refresh_token)
    assert renewed.tokens.refresh_token != session.tokens.refresh_token
    assert renewed.user.id == session.user.id
    assert (service.authenticate(renewed.tokens.access_token).session_id
            == service.authenticate(session.tokens.access_token).session_id)
    assert service.refresh(renewed.tokens.refresh_token).user.id == session.user.id


def test_reusing_a_rotated_refresh_token_revokes_its_whole_family(service, clock):
    stolen = service.register("ada@example.com", PASSWORD)
    other_device = service.login("ada@example.com", PASSWORD, IP)
    renewed = service.refresh(stolen.tokens.refresh_token)
    clock.advance(seconds=31)

    with pytest.raises(Unauthorized):
        service.refresh(stolen.tokens.refresh_token)

    with pytest.raises(Unauthorized):
        service.refresh(renewed.tokens.refresh_token)
    with pytest.raises(Unauthorized):
        service.authenticate(renewed.tokens.access_token)
    assert service.authenticate(other_device.tokens.access_token).user.id == stolen.user.id
    assert service.refresh(other_device.tokens.refresh_token).user.id == stolen.user.id


def test_a_refresh_whose_reply_was_lost_can_be_redone_once_within_the_grace(service, clock):
    session = service.register("ada@example.com", PASSWORD)
    lost = service.refresh(session.tokens.refresh_token)  # the page reloaded before it stored this pair
    clock.advance(seconds=30)
    again = service.refresh(session.tokens.refresh_token)
    assert service.refresh(again.tokens.refresh_token).user.id == session.user.id
    assert service.authenticate(again.tokens.access_token).user.id == session.user.id
    # The pair nobody received is retired; should it turn up after all, two holders share the session: end it.
    with pytest.raises(Unauthorized):
        service.refresh(lost.tokens.refresh_token)
    with pytest.raises(Unauthorized):
        service.authenticate(again.tokens.access_token)


def test_a_spent_refresh_token_is_redone_only_once(service):
    session = service.register("ada@example.com", PASSWORD)
    service.refresh(session.tokens.refresh_token)
    again = service.refresh(session.tokens.refresh_token)
    with pytest.raises(Unauthorized):
        service.refresh(session.tokens.refresh_token)
    with pytest.raises(Unauthorized):
        service.authenticate(again.tokens.access_token)


def test_a_spent_refresh_token_whose_successor_was_used_revokes_at_once(service):
    session = service.register("ada@example.com", PASSWORD)
    renewed = service.refresh(session.tokens.refresh_token)
    newest = service.refresh(renewed.tokens.refresh_token)
    with pytest.raises(Unauthorized):
        service.refresh(session.tokens.refresh_token)
    with pytest.raises(Unauthorized):
        service.refresh(newest.tokens.refresh_token)


def test_refresh_token_expires_after_its_lifetime(service, clock):
    session = service.register("ada@example.com", PASSWORD)
    clock.advance(days=30)
    with pytest.raises(Unauthorized):
        service.refresh(session.tokens.refresh_token)


def test_refresh_token_works_until_just_before_its_lifetime_ends(service, clock):
    session = service.register("ada@example.com", PASSWORD)
    clock.advance(days=30, seconds=-1)
    assert service.refresh(session.tokens.refresh_token).user.id == session.user.id


def test_unknown_refresh_token_is_refused_and_commits_nothing(service, store):
    service.register("ada@example.com", PASSWORD)
    commits = store.commits
    with pytest.raises(Unauthorized):
        service.refresh("not-a-token-we-issued")
    assert store.commits == commits


def test_logout_ends_the_session_and_its_refresh_token(service):
    session = service.register("ada@example.com", PASSWORD)
    service.logout(session.tokens.refresh_token)
    with pytest.raises(Unauthorized):
        service.authenticate(session.tokens.access_token)
    with pytest.raises(Unauthorized):
        service.refresh(session.tokens.refresh_token)


def test_password_reset_sets_the_new_password_and_ends_every_session(service, mailer):
    session = service.register("ada@example.com", PASSWORD, display_name="Ada")
    service.request_password_reset("ada@example.com")
    to, _subject, text = mailer.sent[-1]
    assert to == "ada@example.com"
    assert "https://pixmint.example/reset-password?token=" in text

    service.confirm_password_reset(reset_token_from(mailer), NEW_PASSWORD)

    assert service.login("ada@example.com", NEW_PASSWORD, IP).user.id == session.user.id
    with pytest.raises(Unauthorized):
        service.login("ada@example.com", PASSWORD, IP)
    with pytest.raises(Unauthorized):
        service.authenticate(session.tokens.access_token)


def test_a_reset_token_works_once(service, mailer):
    service.register("ada@example.com", PASSWORD)
    service.request_password_reset("ada@example.com")
    token = reset_token_from(mailer)
    service.confirm_password_reset(token, NEW_PASSWORD)
    with pytest.raises(InvalidToken):
        service.confirm_password_reset(token, "yet another horse 77")


def test_a_reset_token_expires_after_an_hour(service, mailer, clock):
    service.register("ada@example.com", PASSWORD)
    service.request_password_reset("ada@example.com")
    clock.advance(hours=1)
    with pytest.raises(InvalidToken):
        service.confirm_password_reset(reset_token_from(mailer), NEW_PASSWORD)


def test_weak_new_password_on_reset_commits_nothing_and_leaves_the_token_usable(service, store, mailer):
    email = "grace.hopper@example.com"
    session = service.register(email, PASSWORD)
    service.request_password_reset(email)
    token = reset_token_from(mailer)
    commits = store.commits

    with pytest.raises(WeakPassword):
        service.confirm_password_reset(token, email.upper())

    assert store.commits == commits
    assert service.authenticate(session.tokens.access_token).user.id == session.user.id
    assert service.login(email, PASSWORD, IP).user.id == session.user.id
    service.confirm_password_reset(token, NEW_PASSWORD)
    assert service.login(email, NEW_PASSWORD, IP).user.id == session.user.id


def test_reset_request_for_an_unknown_or_malformed_email_sends_nothing(service, mailer, store):
    service.request_password_reset("not an email")
    assert store.commits == 0
    service.request_password_reset("nobody@example.com")
    assert mailer.sent == []
    assert [(r.kind, r.done_at is not None, r.sent, r.email) for r in store.state.outbox.values()] == [
        ("password_reset", True, False, None)], "handled and forgotten, without an email"


def test_reset_requests_are_capped_at_five_an_hour(service, mailer, clock):
    service.register("ada@example.com", PASSWORD)
    for _ in range(7):
        service.request_password_reset("ada@example.com")
    assert len(reset_emails(mailer)) == 5
    clock.advance(hours=1, seconds=1)
    service.request_password_reset("ada@example.com")
    assert len(reset_emails(mailer)) == 6


def test_change_password_keeps_the_current_session_and_ends_the_others(service, store):
    current = service.register("ada@example.com", PASSWORD)
    other = service.login("ada@example.com", PASSWORD, IP)
    principal = service.authenticate(current.tokens.access_token)

    service.change_password(principal, PASSWORD, NEW_PASSWORD, IP)

    assert service.authenticate(current.tokens.access_token).user.id == current.user.id
    with pytest.raises(Unauthorized):
        service.authenticate(other.tokens.access_token)
    assert service.login("ada@example.com", NEW_PASSWORD, IP).user.id == current.user.id


def test_change_password_with_a_wrong_current_password_is_forbidden_and_changes_nothing(service, store):
    session = service.register("ada@example.com", PASSWORD)
    principal = service.authenticate(session.tokens.access_token)
    before = stored_user(store, "ada@example.com").password_hash
    with pytest.raises(Forbidden) as refused:
        service.change_password(principal, "not the password", NEW_PASSWORD, IP)
    assert refused.value.details == {"field": "current_password"}
    assert stored_user(store, "ada@example.com").password_hash == before
    assert [a.succeeded for a in store.state.login_attempts] == [False]


def test_delete_account_removes_the_user_and_ends_its_sessions(service, store):
    session = service.register("ada@example.com", PASSWORD)
    principal = service.authenticate(session.tokens.access_token)
    service.delete_account(principal, PASSWORD, IP)
    assert store.state.users == {}
    with pytest.raises(Unauthorized):
        service.authenticate(session.tokens.access_token)
    with pytest.raises(Unauthorized):
        service.refresh(session.tokens.refresh_token)


def test_update_profile_renames_the_user(service):
    session = service.register("ada@example.com", PASSWORD)
    principal = service.authenticate(session.tokens.access_token)
    assert service.update_profile(principal, " Countess  of Lovelace ").display_name == "Countess of Lovelace"
    assert service.get_user(session.user.id).display_name == "Countess of Lovelace"


def test_ensure_admin_creates_a_verified_admin_with_the_given_password(service, store):
    outcome = service.ensure_admin("root@example.com", PASSWORD)
    assert outcome.action == "created"
    assert outcome.user.role is Role.ADMIN and outcome.user.email_verified
    assert service.login("root@example.com", PASSWORD, IP).user.is_admin


def test_ensure_admin_never_promotes_an_account_it_did_not_set_the_password_of(service, store):
    squatter = service.register("root@example.com", "the squatter's own pass 1").user
    with pytest.raises(Conflict) as refused:
        service.ensure_admin("ROOT@example.com", PASSWORD)
    assert refused.value.details["reason"] == "account_exists"
    assert stored_user(store, "root@example.com").role is Role.USER
    assert not service.login("root@example.com", "the squatter's own pass 1", IP).user.is_admin
    assert squatter.role is Role.USER


def test_promoting_an_existing_account_needs_the_flag_and_a_verified_email(service, store, mailer):
    user = service.register("grace@example.com", PASSWORD).user
    with pytest.raises(Forbidden) as unverified:
        service.ensure_admin("grace@example.com", None, promote_existing=True)
    assert unverified.value.details["reason"] == "email_not_verified"
    assert stored_user(store, "grace@example.com").role is Role.USER

    service.verify_email(verification_token_from(mailer))
    outcome = service.ensure_admin("GRACE@example.com", "ignored for existing 9", promote_existing=True)
    assert (outcome.action, outcome.user.id, outcome.user.role) == ("promoted", user.id, Role.ADMIN)
    assert service.login("grace@example.com", PASSWORD, IP).user.is_admin
    with pytest.raises(Unauthorized):
        service.login("grace@example.com", "ignored for existing 9", IP)


def test_ensure_admin_leaves_an_existing_admin_unchanged(service, store):
    first = service.ensure_admin("root@example.com", PASSWORD).user
    again = service.ensure_admin("root@example.com", "another admin password 2")
    assert again.action == "unchanged" and again.user.id == first.id
    assert len(store.state.users) == 1
    assert service.login("root@example.com", PASSWORD, IP).user.is_admin


def test_ensure_admin_refuses_a_weak_password_for_a_new_admin(service, store):
    with pytest.raises(WeakPassword):
        service.ensure_admin("root@example.com", "password123")
    assert store.state.users == {}


def test_refresh_token_digest_not_the_token_is_stored(service, store):
    session = service.register("ada@example.com", PASSWORD)
    hashes = {t.token_hash for t in store.state.refresh_tokens.values()}
    assert hashes == {token_digest(session.tokens.refresh_token)}

