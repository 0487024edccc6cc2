"""Faults injected where they happen in production: the database, S3, SQS, the image provider, the worker, Stripe.

Each fault is real at its boundary (a PostgreSQL session killed by the server, a missing bucket or queue in moto,
an OpenAI-compatible server that hangs); `make chaos` runs the heavier versions against the local stack.
"""

from __future__ import annotations

import json
import socket
import threading

import boto3
import psycopg
import pytest
from psycopg.rows import dict_row

from chalicelib.adapters.postgres_credits import PostgresLedger
from tests.fake_openai import openai_settings
from tests.fake_stripe import stripe_settings
from tests.fakes import START
from tests.helpers import balance, count
from tests.integration.test_generation import QUEUE_URL, queued_messages, run_worker
from tests.integration.test_payments import buy, deliver, session_event

pytestmark = pytest.mark.usefixtures("ledger_invariant")

BONUS = 50
PLACEHOLDER = {"prompt": "a lighthouse in fog", "model": "placeholder", "n": 2}


class Killed(BaseException):
    """What a worker sees of SIGKILL or a Lambda timeout: nothing after this line runs, no handler catches it."""


class SabotagedProvider:
    """The placeholder renderer, with a fault that strikes after the images were made (the slowest, paid part)."""

    name = "placeholder"

    def __init__(self) -> None:
        from chalicelib.adapters.placeholder_images import PlaceholderImageProvider

        self._inner = PlaceholderImageProvider()
        self.after_call: list[BaseException] = []
        self.calls = 0

    def generate(self, request):
        images = self._inner.generate(request)
        self.calls += 1
        if self.after_call:
            raise self.after_call.pop(0)
        return images


@pytest.fixture
def settings_overrides(fake_openai, fake_stripe):
    return {**openai_settings(fake_openai), **stripe_settings(fake_stripe)}


@pytest.fixture
def placeholder():
    return SabotagedProvider()


@pytest.fixture
def providers(settings, placeholder):
    from chalicelib.adapters.openai_images import OpenAIImageProvider

    # A short timeout stands for OpenAI's 60 s; two SDK retries as in production.
    return {"openai": OpenAIImageProvider(settings.openai_api_key, settings.openai_base_url, timeout=0.3,
                                          max_retries=2),
            "placeholder": placeholder}


@pytest.fixture
def sabotage(db):
    """Installs a trigger on a table that makes the server kill the writing session, as a crash or restart would."""
    installed: list[str] = []

    def install(table: str, event: str = "INSERT") -> None:
        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("""CREATE OR REPLACE FUNCTION chaos_kill_session() RETURNS trigger LANGUAGE plpgsql AS $$
                            BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW; END $$""")
            conn.execute(f'CREATE TRIGGER chaos_kill BEFORE {event} ON "{table}" FOR EACH ROW '
                         "EXECUTE FUNCTION chaos_kill_session()")
        installed.append(table)

    def remove() -> None:
        with psycopg.connect(db, autocommit=True) as conn:
            for table in installed:
                conn.execute(f'DROP TRIGGER IF EXISTS chaos_kill ON "{table}"')
        installed.clear()

    install.remove = remove
    yield install
    remove()


def generation_row(db: str, generation_id: str) -> tuple:
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT status, attempts, refunded_credits FROM generations WHERE id = %s",
                            (generation_id,)).fetchone()


def charged(db: str, generation_id: str) -> int:
    """Net credits taken for one generation: its charge less its refunds."""
    return -count(db, """SELECT coalesce(sum(delta), 0) FROM ledger
                         WHERE reference IN (%s, %s)""", f"generation:{generation_id}", f"refund:{generation_id}")


def sweep(chalice_client) -> dict:
    """The sweeper as its one-minute EventBridge schedule invokes it."""
    event = chalice_client.events.generate_cw_event(source="aws.events", detail_type="Scheduled Event", detail={},
                                                   resources=[])
    return chalice_client.lambda_.invoke("sweep_generations", event).payload


def run_job(chalice_client, generation_id: str) -> str:
    """One delivery of a job to the worker Lambda: "ok", or "failed" when SQS would deliver it again."""
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    try:
        result = run_worker(chalice_client, generation_id)
    except BatchProcessingError:  # every record of the batch failed: Lambda fails the invocation
        return "failed"
    return "failed" if result["batchItemFailures"] else "ok"


def assert_every_image_has_its_backup(db: str) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    with psycopg.connect(db) as conn:
        keys = [row[0] for row in conn.execute("SELECT s3_key FROM images")]
    for key in keys:
        s3.head_object(Bucket="pixmint-images", Key=key)


# (a) PostgreSQL goes away in the middle of a write


def test_database_killed_mid_spend_is_503_writes_nothing_and_the_next_request_works(api, db, sabotage):
    token = api.register()["access_token"]
    sabotage("generations")  # after the guarded UPDATE and its ledger row, before the generation row
    reply = api.post("/v1/generations", PLACEHOLDER, token=token)
    assert reply.status == 503 and reply.error_code == "unavailable", reply.body
    assert reply.headers["retry-after"] == "5"
    sabotage.remove()
    assert balance(api, token) == BONUS, "the spend was rolled back with the transaction"
    assert count(db, "SELECT count(*) FROM generations") == 0
    assert count(db, "SELECT count(*) FROM ledger WHERE kind = 'generation'") == 0
    assert api.post("/v1/generations", PLACEHOLDER, token=token).status == 202, "the pool replaced the dead session"


def test_database_lost_after_the_spend_committed_still_answers_202_so_the_client_does_not_pay_twice(
        api, chalice_client, db, clock, sabotage):
    token = api.register()["access_token"]
    sabotage("generations", "UPDATE OF enqueued_at")  # the bookkeeping after the charge and the SQS send
    reply = api.post("/v1/generations", PLACEHOLDER, token=token)
    assert reply.status == 202, "a 503 here made clients retry a request that had already been charged"
    sabotage.remove()
    generation = reply.json
    assert balance(api, token) == BONUS - generation["cost_credits"]
    [message] = queued_messages()
    clock.advance(seconds=31)
    assert sweep(chalice_client)["resent"] == 1, "never marked as sent, so sent again: harmless"
    for _ in range(2):
        assert run_worker(chalice_client, bodies=[message["Body"]]) == {"batchItemFailures": []}
    assert count(db, "SELECT count(*) FROM images WHERE generation_id = %s", generation["id"]) == 2
    assert charged(db, generation["id"]) == generation["cost_credits"]


def test_every_pooled_session_killed_between_requests_is_invisible_to_users(api, db):
    token = api.register()["access_token"]
    for _ in range(3):
        with psycopg.connect(db, autocommit=True) as conn:
            killed = conn.execute("""SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                                     WHERE datname = current_database() AND pid <> pg_backend_pid()""").fetchone()[0]
        assert killed >= 1
        assert api.get("/v1/credits", token=token).status == 200  # check_connection discards the dead ones


# (b) S3 unavailable while the worker stores images


def test_s3_outage_during_store_fails_the_job_for_retry_and_leaves_no_image_without_backup(api, chalice_client, db):
    token = api.register()["access_token"]
    generation = api.post("/v1/generations", PLACEHOLDER, token=token).json
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.delete_bucket(Bucket="pixmint-images")
    assert run_job(chalice_client, generation["id"]) == "failed", "the record fails, so SQS delivers it again"
    assert count(db, "SELECT count(*) FROM images") == 0
    assert generation_row(db, generation["id"])[0] == "queued", "released for the redelivery"
    s3.create_bucket(Bucket="pixmint-images")
    assert run_job(chalice_client, generation["id"]) == "ok"
    status, attempts, refunded = generation_row(db, generation["id"])
    assert (status, attempts, refunded) == ("succeeded", 2, 0)
    assert count(db, "SELECT count(*) FROM images") == 2
    assert_every_image_has_its_backup(db)
    assert charged(db, generation["id"]) == generation["cost_credits"]


def test_s3_down_for_good_gives_up_after_the_attempts_and_refunds_once(api, chalice_client, db):
    token = api.register()["access_token"]
    generation = api.post("/v1/generations", PLACEHOLDER, token=token).json
    boto3.client("s3", region_name="us-east-1").delete_bucket(Bucket="pixmint-images")
    for _ in range(3):
        assert run_job(chalice_client, generation["id"]) == "failed"
    assert run_job(chalice_client, generation["id"]) == "ok"
    assert generation_row(db, generation["id"])[0] == "failed"
    assert run_job(chalice_client, generation["id"]) == "ok"
    assert charged(db, generation["id"]) == 0 and balance(api, token) == BONUS
    assert count(db, "SELECT count(*) FROM images") == 0


def test_no_s3_backup_outlives_a_deleted_account(api, chalice_client, container, db):
    token = api.register()["access_token"]
    generation = api.post("/v1/generations", PLACEHOLDER, token=token).json
    assert run_job(chalice_client, generation["id"]) == "ok"
    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.list_objects_v2(Bucket="pixmint-images", Prefix="images/")["KeyCount"] == 2
    assert api.delete("/v1/me", {"password": "correct horse battery"}, token=token).status == 204
    assert container.library.retry_s3_deletions() == {"deleted": 2, "failed": 0}, "the schedule removes the copies"
    assert s3.list_objects_v2(Bucket="pixmint-images", Prefix="images/")["KeyCount"] == 0


# (c) SQS refuses the job after the generation was committed


def test_sqs_send_failure_after_commit_is_delivered_by_the_sweeper(api, chalice_client, db, clock):
    token = api.register()["access_token"]
    sqs = boto3.client("sqs", region_name="us-east-1")
    sqs.delete_queue(QueueUrl=QUEUE_URL)
    reply = api.post("/v1/generations", PLACEHOLDER, token=token)
    assert reply.status == 202, "the charge and the generation are committed; the send is retried later"
    generation = reply.json
    assert count(db, "SELECT count(*) FROM generations WHERE enqueued_at IS NULL") == 1
    sqs.create_queue(QueueName="pixmint-jobs")
    clock.advance(seconds=31)
    assert sweep(chalice_client) == {"resent": 1, "failed": 0}
    [message] = queued_messages()
    assert json.loads(message["Body"]) == {"generation_id": generation["id"]}
    assert run_worker(chalice_client, bodies=[message["Body"]]) == {"batchItemFailures": []}
    assert generation_row(db, generation["id"])[0] == "succeeded"
    assert sweep(chalice_client) == {"resent": 0, "failed": 0}


class TestSqsThatHangs:
    """SQS accepting connections and never answering: the charge has committed, and API Gateway gives up at 29 s."""

    @pytest.fixture
    def silent_endpoint(self):
        """Takes every connection and reads its request, but never answers; yields its URL and the request heads
        read, one a connection (so one an attempt of the SDK)."""
        heads: list[bytes] = []
        held: list[socket.socket] = []
        stop = threading.Event()

        def read_head(conn: socket.socket) -> None:
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            heads.append(data)

        def take(server: socket.socket) -> None:
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                conn.settimeout(5)
                held.append(conn)
                threading.Thread(target=read_head, args=(conn,), daemon=True).start()

        with socket.create_server(("127.0.0.1", 0)) as server:
            server.settimeout(0.1)
            taker = threading.Thread(target=take, args=(server,), daemon=True)
            taker.start()
            yield f"http://127.0.0.1:{server.getsockname()[1]}", heads
            stop.set()
            taker.join(timeout=5)
            for conn in held:
                conn.close()

    @pytest.fixture
    def settings_overrides(self, settings_overrides, silent_endpoint):
        return {**settings_overrides, "AWS_ENDPOINT_URL": silent_endpoint[0]}

    def test_a_hanging_send_after_commit_still_answers_202_in_time_and_leaves_the_job_to_the_sweeper(
            self, api, db, settings, silent_endpoint):
        from chalicelib.bootstrap import aws_client

        # SES hangs as well, so no verification email arrives: the bonus is put in through the ledger instead.
        session = api.register(verify=False)
        token = session["access_token"]
        with psycopg.connect(db, row_factory=dict_row) as conn:
            PostgresLedger(conn).credit(session["user"]["id"], BONUS, "admin_grant", "bonus stand-in", "test", START)
            conn.commit()
        reply = api.post("/v1/generations", PLACEHOLDER, token=token)
        assert reply.status == 202, reply.body
        # API Gateway answers 504 at 29 s, and clients retry what timed out: a charged request must be answered
        # before that. The time a hanging SQS holds it is fixed by the client's settings, read here from the one the
        # app builds; the attempts counted at the endpoint show those settings are the ones in force.
        # (bench/timeouts.py measures the real hold against the 29 s.)
        config = aws_client(settings, "sqs").meta.config
        attempts = config.retries["total_max_attempts"]
        sends = [head for head in silent_endpoint[1] if b"AmazonSQS.SendMessage" in head]
        assert len(sends) == attempts, f"{len(sends)} sends reached SQS; the client allows {attempts} attempts"
        hang = attempts * config.read_timeout  # this hang: each attempt connects, then no reply comes
        worst = attempts * (config.connect_timeout + config.read_timeout)  # a connect that hangs too
        assert hang < 15 and worst < 20, f"a hanging SQS holds a request {hang} s, at worst {worst} s (of 29)"
        assert balance(api, token) == BONUS - reply.json["cost_credits"]
        assert count(db, "SELECT count(*) FROM generations WHERE enqueued_at IS NULL") == 1, "the sweeper's to send"


# (d) The image provider hangs


def test_provider_timeouts_are_retried_then_fail_with_the_credits_refunded_once(api, chalice_client, db,
                                                                                 fake_openai):
    token = api.register()["access_token"]
    body = {"prompt": "a fox", "model": "gpt-image-1.5", "quality": "low"}
    generation = api.post("/v1/generations", body, token=token).json
    before = len(fake_openai.calls("/v1/images/generations"))
    for _ in range(3):
        fake_openai.script("timeout", seconds=1.0)
    assert run_job(chalice_client, generation["id"]) == "ok"
    assert len(fake_openai.calls("/v1/images/generations")) - before == 3, "one call and the SDK's two retries"
    status, _, refunded = generation_row(db, generation["id"])
    assert (status, refunded) == ("failed", generation["cost_credits"])
    run_worker(chalice_client, generation["id"])  # a redelivery
    assert sweep(chalice_client)["failed"] == 0
    assert count(db, "SELECT count(*) FROM ledger WHERE kind = 'generation_refund'") == 1
    assert charged(db, generation["id"]) == 0 and balance(api, token) == BONUS


# (e) The worker dies between the provider call and the commit


def test_worker_killed_after_the_provider_call_makes_one_set_of_images_charged_once(
        api, chalice_client, container, db, clock, placeholder):
    token = api.register()["access_token"]
    generation = api.post("/v1/generations", PLACEHOLDER, token=token).json
    placeholder.after_call.append(Killed())
    with pytest.raises(Killed):
        container.worker.process(generation["id"])
    assert generation_row(db, generation["id"])[0] == "running"
    assert run_job(chalice_client, generation["id"]) == "ok"
    assert placeholder.calls == 1, "an early redelivery leaves the lease holder alone"
    clock.advance(minutes=7)  # the lease of a dead worker has run out: SQS redelivers after its visibility timeout
    assert run_job(chalice_client, generation["id"]) == "ok"
    assert placeholder.calls == 2
    assert generation_row(db, generation["id"])[:2] == ("succeeded", 2)
    assert count(db, "SELECT count(*) FROM images WHERE generation_id = %s", generation["id"]) == 2
    assert charged(db, generation["id"]) == generation["cost_credits"]
    assert_every_image_has_its_backup(db)


def test_worker_crash_after_the_provider_call_is_retried_at_once_on_redelivery(api, chalice_client, db,
                                                                               placeholder):
    token = api.register()["access_token"]
    generation = api.post("/v1/generations", PLACEHOLDER, token=token).json
    placeholder.after_call.append(RuntimeError("segfault in a codec"))
    assert run_job(chalice_client, generation["id"]) == "failed"
    assert run_job(chalice_client, generation["id"]) == "ok"
    assert generation_row(db, generation["id"])[:2] == ("succeeded", 2)
    assert count(db, "SELECT count(*) FROM images WHERE generation_id = %s", generation["id"]) == 2
    assert charged(db, generation["id"]) == generation["cost_credits"]


# (f) The Stripe webhook handler fails on the first delivery


def test_webhook_database_failure_is_5xx_and_stripes_retry_credits_once(api, fake_stripe, db, sabotage):
    token = api.register()["access_token"]
    event = session_event(buy(api, fake_stripe, token, {"pack_id": "starter"}))
    sabotage("ledger")
    reply = deliver(api, event)
    assert reply.status == 503, "a 5xx makes Stripe deliver the event again"
    sabotage.remove()
    assert count(db, "SELECT count(*) FROM stripe_events") == 0, "the event is not remembered as handled"
    assert balance(api, token) == BONUS
    assert deliver(api, event).json["outcome"] == "credited"
    assert deliver(api, event).json["outcome"] == "duplicate"
    assert balance(api, token) == BONUS + 500
