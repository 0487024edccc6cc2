"""`make chaos`: faults injected into a running Pixmint, with a summary table (scenario | expectation | result).

The heavy scenario restarts the embedded PostgreSQL server under a burst of HTTP requests to the real local
stack (`python -m devstack` in its own process). The other faults (S3, SQS, a hanging provider, a killed worker,
a failing webhook) run as the fault tests in tests/integration/test_faults.py, which CI also runs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from devstack.embedded import wait_for_http  # noqa: E402

RESULTS = PROJECT_DIR / "chaos" / "results.md"
OK_TO_COUNT = ("generations", "succeeded", "running_under_lease")


@dataclass
class Outcome:
    scenario: str
    expectation: str
    passed: bool
    detail: str


@dataclass
class Burst:
    """What the clients saw: status codes, error codes of 5xx replies, and transport failures."""
    statuses: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)
    successes: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int | str, problem: str | None = None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if status in (200, 202):
                self.successes.append(time.monotonic())
            if problem:
                self.unexpected.append(problem)


def call(port: int, method: str, path: str, body: dict | None = None, token: str | None = None,
         timeout: float = 120) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        reply = conn.getresponse()
        raw = reply.read()
        return reply.status, (json.loads(raw) if raw and raw[:1] in (b"{", b"[") else {})
    finally:
        conn.close()


def hammer(port: int, token: str, stop: threading.Event, burst: Burst) -> None:
    body = {"prompt": "chaos", "model": "placeholder", "size": "512x512", "n": 1}
    n = 0
    while not stop.is_set():
        n += 1
        method, path, payload = ("POST", "/v1/generations", body) if n % 2 else ("GET", "/v1/credits", None)
        try:
            status, reply = call(port, method, path, payload, token)
        except OSError as exc:
            burst.record("transport error", f"{method} {path}: {type(exc).__name__}: {exc}")
            continue
        if status in (200, 202, 402):
            burst.record(status)
        elif status == 503 and reply.get("error", {}).get("code") == "unavailable":
            burst.record(status)
            time.sleep(0.2)  # what a client does with Retry-After, shortened
        else:
            burst.record(status, f"{method} {path}: {status} {reply}")


def books(database_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "ledger_mismatches": one("""SELECT count(*) FROM (SELECT u.id FROM users u LEFT JOIN ledger l
                                        ON l.user_id = u.id GROUP BY u.id, u.credits
                                        HAVING u.credits <> coalesce(sum(l.delta), 0)) AS bad"""),
            "negative_balances": one("SELECT count(*) FROM users WHERE credits < 0"),
            "charges_without_generation": one("""SELECT count(*) FROM ledger l WHERE l.kind = 'generation' AND NOT
                EXISTS (SELECT 1 FROM generations g WHERE 'generation:' || g.id::text = l.reference)"""),
            "generations_without_charge": one("""SELECT count(*) FROM generations g WHERE NOT EXISTS
                (SELECT 1 FROM ledger l WHERE l.reference = 'generation:' || g.id::text)"""),
            "generations": one("SELECT count(*) FROM generations"),
            "succeeded": one("SELECT count(*) FROM generations WHERE status = 'succeeded'"),
            "refunded_twice": one("""SELECT count(*) FROM (SELECT reference FROM ledger WHERE kind = 'generation_refund'
                                     GROUP BY reference HAVING count(*) > 1) AS twice"""),
            "never_processed": one("SELECT count(*) FROM generations WHERE status = 'queued'"),
            # Claimed when the database went away: the lease (6 min) holds them, then the sweeper fails and
            # refunds them at 15 min. Consistent meanwhile: charged, no images.
            "running_under_lease": one("SELECT count(*) FROM generations WHERE status = 'running'"),
            "images_without_generation_row": one("""SELECT count(*) FROM images i WHERE i.kind = 'generated' AND
                NOT EXISTS (SELECT 1 FROM generations g WHERE g.id = i.generation_id AND g.status = 'succeeded')"""),
        }


def start_stack(extra_env: dict[str, str] | None = None):
    """The local stack in its own process on its own embedded PostgreSQL, which the caller may restart."""
    from chalicelib.adapters.migrations import migrate
    from devstack.embedded import ensure_database, free_port, start_postgres

    work = Path(tempfile.mkdtemp(prefix="pixmint-chaos-"))
    pg = start_postgres(work / "pg")
    database_url = ensure_database(pg.url, "pixmint_chaos")
    migrate(database_url)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "JWT_SECRET", "OPENAI_API_KEY",
                                                             "STRIPE_SECRET_KEY")}
    env.update(DATABASE_URL=database_url, PIXMINT_DATA_DIR=str(work / "data"), PIXMINT_ENV_FILE=str(work / "none"),
               PIXMINT_STAGE="local", LOG_LEVEL="WARNING",
               # Every simulated customer signs up from this one address, and the renderer should not be paced.
               PIXMINT_SIGNUPS_PER_ADDRESS_PER_HOUR="1000000", PLACEHOLDER_STAGE_MS="0")
    env.update(extra_env or {})
    log = open(work / "devstack.log", "w")  # noqa: SIM115 - the stack writes it until stop_stack closes it
    stack = subprocess.Popen([sys.executable, "-m", "devstack", "--port", str(port)], cwd=PROJECT_DIR, env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    return work, pg, database_url, port, stack, log


def stop_stack(stack, log, pg) -> None:
    from devstack.embedded import stop_process

    stop_process(stack)
    log.close()
    pg.stop()


def register(port: int) -> str:
    """A new account with the pro pack bought through the local checkout (the signed webhook), so bursts last."""
    account = {"email": f"chaos-{uuid.uuid4().hex[:10]}@example.com",
               "password": "correct horse battery"}  # pragma: allowlist secret
    token = call(port, "POST", "/v1/auth/register", account)[1]["access_token"]
    checkout = call(port, "POST", "/v1/credits/checkout", {"pack_id": "pro"}, token)[1]
    assert call(port, "POST", f"/_dev/checkout/{checkout['checkout_id']}/pay")[0] == 303
    return token


def wait_for_workers(database_url: str, seconds: float, limit: float = 900) -> dict[str, int]:
    """The books once the workers have drained the queue, or once they made no progress for `seconds`.

    A burst served in parallel queues more generations than the local workers finish in a fixed minute, so
    the budget is for standing still, not for the whole drain (`limit` bounds that)."""
    started = time.monotonic()
    last_progress, best = started, None
    while True:
        after = books(database_url)
        outstanding = after["never_processed"] + after["running_under_lease"]
        now = time.monotonic()
        if best is None or outstanding < best:
            best, last_progress = outstanding, now
        if not outstanding or now - last_progress > seconds or now - started > limit:
            return after
        time.sleep(1)


def burst_with_outage(port: int, clients: int, burst_s: float, outage: Callable[[], None]) -> tuple[Burst, float]:
    """Clients hammer the stack for burst_s; a third of the way in, outage() takes a dependency down and back.

    Returns what the clients saw and when the dependency came back."""
    burst = Burst()
    tokens = [register(port) for _ in range(clients)]
    stop = threading.Event()
    threads = [threading.Thread(target=hammer, args=(port, token, stop, burst)) for token in tokens]
    for thread in threads:
        thread.start()
    time.sleep(burst_s / 3)
    outage()
    restored = time.monotonic()
    time.sleep(burst_s * 2 / 3)
    stop.set()
    for thread in threads:
        thread.join()
    return burst, restored


def books_and_replies(burst: Burst, after: dict[str, int]) -> tuple[dict[str, int], str]:
    """What is wrong in the books after a burst (every 202 must be one generation), and the replies by status."""
    bad_books = {k: v for k, v in after.items() if k not in OK_TO_COUNT and v}
    if after["generations"] != burst.statuses[202]:
        bad_books["generations_not_answered_202"] = after["generations"] - burst.statuses[202]
    codes = ", ".join(f"{k}: {v}" for k, v in sorted(burst.statuses.items(), key=str))
    return bad_books, codes


def problems(burst: Burst, bad_books: dict[str, int]) -> str:
    detail = f"; unexpected: {burst.unexpected[:3]}" if burst.unexpected else ""
    return detail + (f"; books: {bad_books}" if bad_books else "")


def postgres_restart_under_burst(clients: int, burst_s: float, down_s: float) -> Outcome:
    from devstack.embedded import start_postgres

    scenario = f"PostgreSQL restarted ({down_s:g} s down) under a burst of {clients} clients"
    expectation = ("only 2xx/402 or 503 `unavailable`; no 500, no dropped connection; recovers without an app "
                   "restart; nothing half written (every generation answered 202, has its charge); ledger exact")
    work, pg, database_url, port, stack, log = start_stack()

    def restart_postgres() -> None:
        nonlocal pg
        pg.stop()
        time.sleep(down_s)
        pg = start_postgres(work / "pg")

    try:
        wait_for_http(f"http://127.0.0.1:{port}/v1/health", stack)
        burst, restarted = burst_with_outage(port, clients, burst_s, restart_postgres)
        recovered_in = next((at - restarted for at in sorted(burst.successes) if at >= restarted), None)
        after = wait_for_workers(database_url, 60)
        alive = stack.poll() is None
    finally:
        stop_stack(stack, log, pg)
    bad_books, codes = books_and_replies(burst, after)
    passed = (not burst.unexpected and not bad_books and alive and recovered_in is not None
              and burst.statuses.get(503, 0) > 0)
    detail = (f"replies {{{codes}}}; {after['generations']} generations, "
              f"{after['running_under_lease']} left running under a dead worker's lease for the sweeper; "
              f"first success {recovered_in:.1f} s after the restart"
              if recovered_in is not None else "never recovered")
    detail += problems(burst, bad_books)
    if not burst.statuses.get(503):
        detail += "; no request saw the outage (nothing was proven)"
    return Outcome(scenario, expectation, passed, detail)


def aws_outage_under_burst(clients: int, burst_s: float, down_s: float) -> Outcome:
    """S3 and SQS (an emulator in this process, so it can be stopped) go away while generations are requested."""
    import boto3
    from moto.server import ThreadedMotoServer

    from devstack.embedded import FAKE_AWS_CREDENTIALS, free_port

    scenario = f"S3 and SQS unavailable for {down_s:g} s under a burst of {clients} clients"
    expectation = ("generations still accepted (202); the sweeper sends the unsent jobs, failed stores are retried; "
                   "every generation succeeds once, every image row has its S3 backup; ledger exact")
    os.environ.update(FAKE_AWS_CREDENTIALS)
    moto_port = free_port()
    endpoint = f"http://127.0.0.1:{moto_port}"
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    aws = dict(region_name="us-east-1", endpoint_url=endpoint)
    boto3.client("ses", **aws).verify_email_identity(EmailAddress="no-reply@pixmint.example")
    boto3.client("s3", **aws).create_bucket(Bucket="pixmint-images")
    queue_url = boto3.client("sqs", **aws).create_queue(QueueName="pixmint-jobs")["QueueUrl"]
    work, pg, database_url, port, stack, log = start_stack({
        "AWS_ENDPOINT_URL": endpoint, "IMAGES_BUCKET": "pixmint-images", "JOBS_QUEUE_URL": queue_url,
        "AWS_DEFAULT_REGION": "us-east-1", "LOG_LEVEL": "INFO", **FAKE_AWS_CREDENTIALS})

    def restart_aws() -> None:
        nonlocal moto
        moto.stop()
        time.sleep(down_s)
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
        moto.start()

    try:
        wait_for_http(f"http://127.0.0.1:{port}/v1/health", stack)
        burst, _ = burst_with_outage(port, clients, burst_s, restart_aws)
        after = wait_for_workers(database_url, 200)  # the sweeper runs every 60 s and resends after 30 s
        import psycopg

        with psycopg.connect(database_url) as conn:
            keys = [row[0] for row in conn.execute("SELECT s3_key FROM images")]
        s3 = boto3.client("s3", **aws)
        missing = 0
        for key in keys:
            try:
                s3.head_object(Bucket="pixmint-images", Key=key)
            except Exception:  # noqa: BLE001
                missing += 1
        alive = stack.poll() is None
    finally:
        stop_stack(stack, log, pg)
        moto.stop()
    bad_books, codes = books_and_replies(burst, after)
    if after["succeeded"] != after["generations"]:
        bad_books["not_succeeded"] = after["generations"] - after["succeeded"]
    seen = (work / "devstack.log").read_text()
    detail = (f"replies {{{codes}}}; {after['succeeded']} of {after['generations']} generations succeeded; "
              f"{len(keys)} images, {missing} without an S3 backup; the outage made "
              f"{seen.count('enqueue failed')} SQS sends and {seen.count('worker poll failed')} polls fail")
    detail += problems(burst, bad_books)
    passed = not burst.unexpected and not bad_books and not missing and alive and "enqueue failed" in seen
    return Outcome(scenario, expectation, passed, detail)


FAST = [
    ("PostgreSQL session killed mid-spend", "503 `unavailable`, spend rolled back, next request works",
     "database_killed_mid_spend or database_lost_after or pooled_session_killed"),
    ("S3 unavailable while storing images", "job fails for redelivery, retried at once; no image row without its "
     "S3 backup; gives up after 3 attempts with one refund", "s3_"),
    ("SQS send fails or hangs after the generation commit", "202 within seconds (not a gateway timeout); the "
     "sweeper sends it later; processed once", "sqs_send_failure or SqsThatHangs"),
    ("Image provider hangs (timeouts)", "SDK retries, then failed with the credits refunded once",
     "provider_timeouts"),
    ("Worker killed / crashes after the provider call", "redelivery makes exactly one set of images, charged once",
     "worker_killed or worker_crash"),
    ("Stripe webhook hits a database failure", "5xx, Stripe's retry credits once, replays are duplicates",
     "webhook_database_failure"),
]


def fault_tests(selector: str) -> tuple[bool, str]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/integration/test_faults.py", "-q", "-p", "no:cacheprovider",
         "-k", selector], cwd=PROJECT_DIR, capture_output=True, text=True, check=False)
    summary = [line for line in result.stdout.splitlines() if " passed" in line or " failed" in line]
    return result.returncode == 0, (summary[-1] if summary else result.stdout[-300:]).strip("= ") + \
        f" ({time.monotonic() - started:.0f} s)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Inject faults into Pixmint and print what held.")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--burst", type=float, default=30, help="seconds of burst around the restart")
    parser.add_argument("--down", type=float, default=20, help="seconds PostgreSQL stays down (pool timeout is 10)")
    parser.add_argument("--heavy-only", action="store_true")
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the stoppable AWS emulator runs in this process
    outcomes = []
    for heavy in (lambda: postgres_restart_under_burst(args.clients, args.burst, args.down),
                  lambda: aws_outage_under_burst(4, 20, 10)):
        outcomes.append(heavy())
        print(f"{'pass' if outcomes[-1].passed else 'FAIL'}: {outcomes[-1].scenario}", flush=True)
    if not args.heavy_only:
        for scenario, expectation, selector in FAST:
            passed, detail = fault_tests(selector)
            outcomes.append(Outcome(scenario, expectation, passed, detail))
            print(f"{'pass' if passed else 'FAIL'}: {scenario}", flush=True)
    lines = ["| scenario | expectation | result |", "| --- | --- | --- |"]
    lines += [f"| {o.scenario} | {o.expectation} | {'pass' if o.passed else '**FAIL**'}: {o.detail} |"
              for o in outcomes]
    print()
    print("\n".join(lines))
    if not args.heavy_only:
        RESULTS.write_text(f"# Chaos\n\nThe last `make chaos`, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
                           f"{os.cpu_count()} CPUs.\n\n" + "\n".join(lines) + "\n")
    return 0 if all(o.passed for o in outcomes) else 1
