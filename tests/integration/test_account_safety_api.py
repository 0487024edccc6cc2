"""Issue 15's account holes, closed, through the Chalice app and a real PostgreSQL: admin squatting, bonus farming,
the sign-up throttle, public names, reset timing and links, odd text, weak passwords, two-factor sign-in, sessions."""

from __future__ import annotations

import threading

import psycopg
import pyotp
import pytest

from chalicelib.domain.errors import Conflict
from tests.conftest import assert_ledger_matches_balances, emailed_token, sent_emails
from tests.fakes import cheap_hasher
from tests.helpers import balance, count, room_for_connections
from tests.integration.test_generation import QUEUE_URL, generate, run_worker

# Races that hold dozens of connections at once run one after another on one xdist worker, so that together
# they never exhaust the server's max_connections.
pytestmark = pytest.mark.xdist_group("many-connections")

PASSWORD = "correct horse battery"  # pragma: allowlist secret
BONUS = 50
CALLERS = 30


@pytest.fixture
def few_signups():
    """Marks a test that runs with the production default of ten sign-ups per address per hour."""


@pytest.fixture
def settings_overrides(request):
    overrides = {"DB_POOL_SIZE": str(CALLERS + 4)}
    if "few_signups" in request.fixturenames:
        overrides["PIXMINT_SIGNUPS_PER_ADDRESS_PER_HOUR"] = "10"
    return overrides


def race(callers: int, attempt) -> list[str]:
    """Runs attempt(n) on `callers` threads released together; returns what each one ended in."""
    barrier = threading.Barrier(callers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        barrier.wait()
        try:
            attempt(n)
            outcome = "ok"
        except Exception as exc:  # noqa: BLE001 - the outcome is the exception's name
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


# --- 1. admin squatting ---


def test_an_account_registered_first_with_the_admin_email_is_never_promoted(api, container, db):
    squatter = api.register("root@pixmint.example", "the squatter's own pass 1")
    with pytest.raises(Conflict):
        container.accounts.ensure_admin("root@pixmint.example", "the operator's admin password")
    assert api.get("/v1/me", token=squatter["access_token"]).json["role"] == "user"
    assert api.get("/v1/admin/users", token=squatter["access_token"]).status == 403
    login = api.post("/v1/auth/login", {"email": "root@pixmint.example", "password": "the operator's admin password"})
    assert login.status == 401, "the operator's password was not set on the squatter's account either"


# --- 2. email verification and the bonus ---


def test_the_bonus_waits_for_the_emailed_link_which_works_once(api, db):
    session = api.register("ada@example.com", verify=False)
    assert session["user"]["email_verified"] is False and session["user"]["credits"] == 0
    token = session["access_token"]
    assert balance(api, token) == 0
    [mail] = sent_emails()
    assert mail["to"] == ["ada@example.com"] and "http://localhost:8000/verify-email?token=" in mail["body"]
    link = emailed_token("ada@example.com", "/verify-email")

    verified = api.post("/v1/auth/verify-email", {"token": link})
    assert verified.status == 200
    assert verified.json["email_verified"] is True and verified.json["credits"] == BONUS
    assert api.get("/v1/me", token=token).json["email_verified"] is True
    for again in (link, "a-token-we-never-sent"):
        reply = api.post("/v1/auth/verify-email", {"token": again})
        assert reply.status == 400 and reply.error_code == "invalid_token"
    rows = api.get("/v1/credits/transactions", token=token).json["items"]
    assert [(r["kind"], r["delta"]) for r in rows] == [("signup_bonus", BONUS)]
    assert_ledger_matches_balances(db)


def test_an_unverified_account_signs_in_and_buys_credits(api):
    api.register("ada@example.com", verify=False)
    login = api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    assert login.status == 200 and login.json["user"]["email_verified"] is False
    pack = api.get("/v1/credits/packs").json["items"][0]["id"]
    checkout = api.post("/v1/credits/checkout", {"pack_id": pack}, token=login.json["access_token"])
    assert checkout.status == 201, checkout.body


def test_thirty_parallel_verifications_of_one_token_grant_the_bonus_once(api, container, db):
    room_for_connections(db, CALLERS + 10)
    session = api.register("ada@example.com", verify=False)
    link = emailed_token("ada@example.com", "/verify-email")
    outcomes = race(CALLERS, lambda n: container.accounts.verify_email(link))
    assert sorted(outcomes) == ["InvalidToken"] * (CALLERS - 1) + ["ok"]
    assert balance(api, session["access_token"]) == BONUS
    assert count(db, "SELECT count(*) FROM ledger WHERE kind = 'signup_bonus'") == 1
    assert_ledger_matches_balances(db)


def test_two_spellings_of_one_mailbox_verifying_together_get_one_bonus(api, container, db):
    room_for_connections(db, CALLERS + 10)
    addresses = [f"ada+{n}@example.com" for n in range(CALLERS)]
    links = []
    for address in addresses:
        api.register(address, verify=False)
        links.append(emailed_token(address, "/verify-email"))
    assert sorted(race(CALLERS, lambda n: container.accounts.verify_email(links[n]))) == ["ok"] * CALLERS
    assert count(db, "SELECT count(*) FROM ledger WHERE kind = 'signup_bonus'") == 1
    assert count(db, "SELECT count(*) FROM users WHERE email_verified_at IS NOT NULL") == CALLERS


def test_a_deleted_account_leaves_only_a_keyed_hash_and_signing_up_again_earns_nothing(api, db):
    first = api.register("ada@example.com")
    assert first["user"]["credits"] == BONUS
    assert api.delete("/v1/me", {"password": PASSWORD}, token=first["access_token"]).status == 204
    with psycopg.connect(db) as conn:
        [(key,)] = conn.execute("SELECT email_key FROM signup_bonus_claims").fetchall()
    assert len(key) == 32 and b"ada" not in bytes(key)
    again = api.register("ADA@example.com")
    assert again["user"]["email_verified"] is True and again["user"]["credits"] == 0
    assert_ledger_matches_balances(db)


def test_resending_the_link_is_throttled(api, clock):
    session = api.register("ada@example.com", verify=False)
    token = session["access_token"]
    for _ in range(4):
        clock.advance(minutes=1)
        assert api.post("/v1/auth/verify-email/resend", token=token).status == 202
    limited = api.post("/v1/auth/verify-email/resend", token=token)
    assert limited.status == 429 and limited.error_code == "rate_limited"
    assert int(limited.headers["retry-after"]) == 56 * 60
    assert len([m for m in sent_emails() if "/verify-email?token=" in m["body"]]) == 5


# --- 3. the sign-up throttle ---


def test_ten_sign_ups_an_hour_from_one_address_then_429(api, clock, few_signups):
    for n in range(10):
        clock.advance(minutes=1)
        api.register(f"user{n}@example.com", verify=False)
    refused = api.post("/v1/auth/register", {"email": "one-more@example.com", "password": PASSWORD})
    assert refused.status == 429 and refused.error_code == "rate_limited"
    assert int(refused.headers["retry-after"]) == 51 * 60
    clock.advance(minutes=51)
    assert api.post("/v1/auth/register", {"email": "one-more@example.com", "password": PASSWORD}).status == 201


def test_thirty_parallel_sign_ups_from_one_address_make_ten_accounts(container, db, few_signups):
    room_for_connections(db, CALLERS + 10)
    outcomes = race(CALLERS, lambda n: container.accounts.register(f"user{n}@example.com", PASSWORD, ip="192.0.2.1"))
    assert sorted(outcomes) == ["RateLimited"] * (CALLERS - 10) + ["ok"] * 10
    assert count(db, "SELECT count(*) FROM users") == 10


def test_thirty_parallel_registrations_of_one_email_make_one_account(container, db):
    room_for_connections(db, CALLERS + 10)
    outcomes = race(CALLERS, lambda n: container.accounts.register(
        "Same@Example.com" if n % 2 else "same@example.com", PASSWORD, ip=f"192.0.2.{n}"))
    assert sorted(outcomes) == ["Conflict"] * (CALLERS - 1) + ["ok"]
    assert count(db, "SELECT count(*) FROM users") == 1


# --- 7. public author names ---


def test_a_shared_image_shows_a_neutral_author_until_a_name_is_chosen(api, chalice_client):
    session = api.register("ada.lovelace@example.com")
    token = session["access_token"]
    assert session["user"]["display_name"] == "Pixmint artist"
    generation = generate(api, token, model="placeholder", size="1024x1024")
    run_worker(chalice_client, generation["id"])
    image = api.get(f"/v1/generations/{generation['id']}", token=token).json["images"][0]
    slug = api.post(f"/v1/images/{image['id']}/share", token=token).json["slug"]
    public = api.get(f"/v1/public/images/{slug}")
    assert public.json["author"] == "Pixmint artist" and b"lovelace" not in public.body.lower()
    api.patch("/v1/me", {"display_name": "Countess Ada"}, token=token)
    assert api.get(f"/v1/public/images/{slug}").json["author"] == "Countess Ada"


# --- 8. password reset ---


class HeldMailer:
    """An email service that sends nothing until the test lets it (SES can take its time)."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.sent: list[tuple[str, str, str]] = []

    def send(self, to: str, subject: str, text: str, **extra: object) -> None:
        self.gate.wait(timeout=30)
        self.sent.append((to, subject, text))


def test_a_reset_answers_before_any_email_goes_out_whether_or_not_the_account_exists(settings, clock, aws, api):
    from chalicelib import bootstrap

    mailer = HeldMailer()
    bootstrap.use_container(lambda: bootstrap.build_container(settings, clock=clock, hasher=cheap_hasher(),
                                                              mailer=mailer))
    mailer.gate.set()
    api.register("ada@example.com", verify=False)
    bootstrap.flush_email_deliveries()
    mailer.gate.clear()  # from here every email waits until the test lets it go
    sent_before = len(mailer.sent)
    for email in ("ada@example.com", "nobody@example.com", "ada@example.com", "nobody@example.com"):
        assert api.post("/v1/auth/password-reset", {"email": email}).status == 202
        assert len(mailer.sent) == sent_before, "the reply waited for an email to go out"
    mailer.gate.set()
    bootstrap.flush_email_deliveries()
    assert [subject for _, subject, _ in mailer.sent].count("Reset your Pixmint password") == 2
    bootstrap.use_container(None)


def test_a_new_link_a_used_link_and_a_password_change_each_void_the_older_links(api):
    api.register()
    for _ in range(2):
        api.post("/v1/auth/password-reset", {"email": "ada@example.com"})
    resets = [m for m in sent_emails() if m["subject"] == "Reset your Pixmint password"]
    newer, older = (m["body"].rsplit("?token=", 1)[1].split()[0] for m in resets)
    fresh = "fresh start 2026"  # pragma: allowlist secret
    assert api.post("/v1/auth/password-reset/confirm", {"token": older, "new_password": fresh}).status == 400
    assert api.post("/v1/auth/password-reset/confirm", {"token": newer, "new_password": fresh}).status == 204

    api.post("/v1/auth/password-reset", {"email": "ada@example.com"})
    pending = emailed_token("ada@example.com", "/reset-password")
    token = api.post("/v1/auth/login", {"email": "ada@example.com", "password": fresh}).json["access_token"]
    changed = api.post("/v1/me/password", {"current_password": fresh,
                                           "new_password": "another start 2027"},  # pragma: allowlist secret
                       token=token)
    assert changed.status == 204
    voided = api.post("/v1/auth/password-reset/confirm", {"token": pending, "new_password": "a third start 2028"})
    assert voided.status == 400 and voided.error_code == "invalid_token"


# --- 9. odd text ---


@pytest.mark.parametrize("body, field", [
    ({"email": "ad\u200ba@example.com"}, "email"),
    ({"email": "\u202eada@example.com"}, "email"),
    ({"email": "ada@example.com", "display_name": "Ada\u2066"}, "display_name"),
    ({"email": "ada@example.com", "display_name": "A\u200bda"}, "display_name"),
])
def test_invisible_characters_in_emails_and_names_are_a_400(api, db, body, field):
    reply = api.post("/v1/auth/register", {"password": PASSWORD, **body})
    assert reply.status == 400 and reply.json["error"]["details"]["field"] == field
    assert count(db, "SELECT count(*) FROM users") == 0


def test_emails_are_nfkc_normalised_and_lose_a_trailing_dot(api):
    session = api.register("ａｄａ@Example.com.", verify=False)  # noqa: RUF001 - fullwidth letters that NFKC folds
    assert session["user"]["email"] == "ada@Example.com"
    assert api.post("/v1/auth/login", {"email": "ADA@example.com", "password": PASSWORD}).status == 200
    assert api.post("/v1/auth/login", {"email": "ａｄａ@example.com.", "password": PASSWORD}).status == 200  # noqa: RUF001 - as above
    taken = api.post("/v1/auth/register", {"email": "Ada@example.com", "password": PASSWORD})
    assert taken.status == 409


# --- 10. password strength ---


def test_a_guessable_password_is_a_422_with_zxcvbn_feedback(api, db):
    reply = api.post("/v1/auth/register", {"email": "ada@example.com", "password": "ada.lovelace"})
    assert reply.status == 422 and reply.error_code == "weak_password"
    details = reply.json["error"]["details"]
    assert details["field"] == "password" and details["score"] < 3 and details["suggestions"]
    assert count(db, "SELECT count(*) FROM users") == 0


# --- 11. two-factor sign-in and sessions ---


def turn_on_two_factor(api, token, clock) -> tuple[str, list[str]]:
    setup = api.post("/v1/me/2fa", token=token)
    assert setup.status == 200 and setup.json["otpauth_url"].startswith("otpauth://totp/Pixmint:")
    secret = setup.json["secret"]
    wrong = api.post("/v1/me/2fa/confirm", {"code": "000000"}, token=token)
    assert wrong.status == 400 and wrong.error_code == "invalid_code"
    odd = api.post("/v1/me/2fa/confirm", {"code": "\u00e0\u442c\u00d5y\u001c6"}, token=token)  # found by the fuzzer
    assert odd.status == 400 and odd.error_code == "invalid_code"
    confirmed = api.post("/v1/me/2fa/confirm", {"code": pyotp.TOTP(secret).at(clock.now())}, token=token)
    assert confirmed.status == 200 and len(confirmed.json["recovery_codes"]) == 10
    return secret, confirmed.json["recovery_codes"]


def test_two_factor_sign_in_from_set_up_to_recovery_codes(api, clock, db):
    token = api.register()["access_token"]
    secret, codes = turn_on_two_factor(api, token, clock)
    assert api.get("/v1/me", token=token).json["two_factor"] is True
    with psycopg.connect(db) as conn:
        stored = [bytes(h) for (h,) in conn.execute("SELECT code_hash FROM recovery_codes")]
    assert len(stored) == 10 and not any(c.encode() in h for c in codes for h in stored)

    needed = api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD})
    assert needed.status == 401 and needed.error_code == "two_factor_required"
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock.now())
    assert api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD, "code": code}).status == 200
    replay = api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD, "code": code})
    assert replay.status == 401 and replay.error_code == "two_factor_required"
    recovered = api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD, "code": codes[0]})
    assert recovered.status == 200
    replayed = api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD, "code": codes[0]})
    assert replayed.status == 401

    assert api.delete("/v1/me/2fa", {"code": "123"}, token=token).error_code == "invalid_code"
    assert api.delete("/v1/me/2fa", {"code": codes[1]}, token=token).status == 204
    assert api.post("/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD}).status == 200


def test_an_api_key_cannot_manage_two_factor_or_sessions(api):
    token = api.register()["access_token"]
    key = api.post("/v1/api-keys", {"name": "script"}, token=token).json["key"]
    for method, path in (("POST", "/v1/me/2fa"), ("GET", "/v1/me/sessions")):
        reply = api.request(method, path, headers={"X-API-Key": key})
        assert reply.status == 403 and reply.json["error"]["details"]["reason"] == "api_key"


def test_sessions_are_listed_and_ended_one_by_one(api, clock):
    laptop = api.register()
    clock.advance(minutes=1)
    phone = api.request("POST", "/v1/auth/login", {"email": "ada@example.com", "password": PASSWORD},
                        headers={"User-Agent": "PixmintPhone/1.0"}).json
    listed = api.get("/v1/me/sessions", token=phone["access_token"])
    assert listed.status == 200 and listed.json["next_cursor"] is None
    items = listed.json["items"]
    assert (items[0]["user_agent"], items[0]["current"]) == ("PixmintPhone/1.0", True)
    assert len(items) == 2 and items[1]["current"] is False and items[0]["ip"]
    assert api.delete(f"/v1/me/sessions/{items[1]['id']}", token=phone["access_token"]).status == 204
    assert api.get("/v1/me", token=laptop["access_token"]).status == 401
    assert api.post("/v1/auth/refresh", {"refresh_token": laptop["refresh_token"]}).status == 401
    assert [s["id"] for s in api.get("/v1/me/sessions", token=phone["access_token"]).json["items"]] == [items[0]["id"]]
    for gone in (items[1]["id"], "not-a-session-id", "00000000-0000-0000-0000-000000000000"):
        assert api.delete(f"/v1/me/sessions/{gone}", token=phone["access_token"]).status == 404


@pytest.fixture
def deployed(api, settings, clock, aws):
    """The app as a deployed stage builds itself (not local): 2FA for admins, email sent by the schedule."""
    from chalicelib import bootstrap

    stage = settings.model_copy(update=dict(stage="dev", jobs_queue_url=QUEUE_URL,
                                stripe_secret_key="sk_test_fake",  # pragma: allowlist secret
                                stripe_webhook_secret="whsec_fake"))  # pragma: allowlist secret
    bootstrap.use_container(lambda: bootstrap.build_container(stage, clock=clock, hasher=cheap_hasher()))
    yield bootstrap.container()
    bootstrap.use_container(None)


def test_outside_the_local_stage_admins_need_two_factor(api, deployed, clock):
    deployed.accounts.ensure_admin("root@pixmint.example", "a long admin password")
    token = api.post("/v1/auth/login", {"email": "root@pixmint.example", "password": "a long admin password"}).json[
        "access_token"]
    refused = api.get("/v1/admin/users", token=token)
    assert refused.status == 403 and refused.json["error"]["details"]["reason"] == "two_factor_required"
    assert api.get("/v1/admin/metrics", token=token).status == 403
    turn_on_two_factor(api, token, clock)
    assert api.get("/v1/admin/users", token=token).status == 200
    assert api.get("/v1/admin/metrics", token=token).status == 200


def test_outside_the_local_stage_the_sweeper_schedule_sends_the_outbox(api, deployed, chalice_client, db):
    api.register("ada@example.com", verify=False)
    assert count(db, "SELECT count(*) FROM email_outbox WHERE done_at IS NULL") == 1
    assert sent_emails() == [], "a Lambda container is frozen after its reply: nothing is sent on a thread"
    event = chalice_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                   resources=[])
    chalice_client.lambda_.invoke("sweep_generations", event)
    assert count(db, "SELECT count(*) FROM email_outbox WHERE sent") == 1
    assert emailed_token("ada@example.com", "/verify-email")


def test_in_the_local_stage_an_admin_without_two_factor_may_administer(api, container):
    container.accounts.ensure_admin("root@pixmint.example", "a long admin password")
    token = api.post("/v1/auth/login", {"email": "root@pixmint.example", "password": "a long admin password"}).json[
        "access_token"]
    assert api.get("/v1/admin/users", token=token).status == 200
