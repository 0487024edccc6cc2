"""`make load`: 50 users for 60 s against the local stack, then the books are checked in PostgreSQL.

Starts `python -m devstack` on a scratch database, runs locust headless from its own venv (.venv-load:
locust's gevent and Flask pins do not mix with moto's), waits for the queue to drain, checks zero errors,
zero overdrafts and ledger sum == balance for every account, and writes bench/load-results.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.scratch import scratch_database  # noqa: E402
from devstack.embedded import wait_for_http  # noqa: E402

LOCUST = PROJECT_DIR / ".venv-load" / "bin" / "locust"
RESULTS = PROJECT_DIR / "bench" / "load-results.md"


def books(database_url: str) -> dict[str, int]:
    """What must hold after any load: every balance is its ledger's sum, nobody below zero, nothing stuck."""
    import psycopg

    with psycopg.connect(database_url) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "accounts": one("SELECT count(*) FROM users"),
            "ledger_mismatches": one("""SELECT count(*) FROM (SELECT u.id FROM users u LEFT JOIN ledger l
                                        ON l.user_id = u.id GROUP BY u.id, u.credits
                                        HAVING u.credits <> coalesce(sum(l.delta), 0)) AS bad"""),
            "negative_balances": one("SELECT count(*) FROM users WHERE credits < 0"),
            "overdrawn_spends": one("SELECT count(*) FROM ledger WHERE delta < 0 AND balance_after < 0 "
                                    "AND kind IN ('generation', 'admin_debit')"),
            "generations": one("SELECT count(*) FROM generations"),
            "unfinished_generations": one("SELECT count(*) FROM generations WHERE status IN ('queued', 'running')"),
            "failed_generations": one("SELECT count(*) FROM generations WHERE status = 'failed'"),
            "purchases": one("SELECT count(*) FROM ledger WHERE kind = 'purchase'"),
        }


def wait_for_drain(database_url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and books(database_url)["unfinished_generations"]:
        time.sleep(1)


def read_stats(prefix: str) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def table(stats: list[dict[str, str]]) -> str:
    lines = ["| request | count | failures | req/s | p50 ms | p95 ms | p99 ms | max ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for row in stats:
        name = "**all**" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
        lines.append(f"| {name} | {row['Request Count']} | {row['Failure Count']} | "
                     f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} | "
                     f"{float(row['Max Response Time']):.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", default="60s")
    parser.add_argument("--no-write", action="store_true", help="do not update bench/load-results.md")
    args = parser.parse_args(argv)
    if not LOCUST.exists():
        print("locust is missing: run `make load`, which installs it into .venv-load", file=sys.stderr)
        return 2
    from devstack.embedded import free_port, stop_process

    with scratch_database(migrated=False) as database_url:
        port = free_port()
        data_dir = tempfile.mkdtemp(prefix="pixmint-load-")
        env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "JWT_SECRET", "OPENAI_API_KEY",
                                                                 "STRIPE_SECRET_KEY")}
        env.update(DATABASE_URL=database_url, PIXMINT_DATA_DIR=data_dir, PIXMINT_ENV_FILE=f"{data_dir}/none.env",
                   PIXMINT_STAGE="local", LOG_LEVEL="WARNING",
               # Every simulated customer signs up from this one address, and the renderer should not be paced.
               PIXMINT_SIGNUPS_PER_ADDRESS_PER_HOUR="1000000", PLACEHOLDER_STAGE_MS="0")
        log = open(f"{data_dir}/devstack.log", "w")  # noqa: SIM115 - the stack writes it until the finally below
        stack = subprocess.Popen([sys.executable, "-m", "devstack", "--port", str(port)], cwd=PROJECT_DIR, env=env,
                                 stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{base}/v1/health", stack)
            prefix = f"{data_dir}/locust"
            load_before = os.getloadavg()[0]
            started = time.monotonic()
            locust = subprocess.run(
                [str(LOCUST), "-f", str(PROJECT_DIR / "loadtest" / "locustfile.py"), "--headless", "--only-summary",
                 "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", args.run_time,
                 "--host", base, "--csv", prefix, "--stop-timeout", "10", "--loglevel", "WARNING"],
                cwd=PROJECT_DIR, check=False)
            elapsed = time.monotonic() - started
            wait_for_drain(database_url)
            after = books(database_url)
        finally:
            stop_process(stack)
            log.close()
        stats = read_stats(prefix)
    total = next(row for row in stats if row["Name"] == "Aggregated")
    checks = {
        "zero request errors": int(total["Failure Count"]) == 0 and int(total["Request Count"]) > 0,
        "zero overdrafts (no negative balance, no spend below zero)":
            after["negative_balances"] == 0 and after["overdrawn_spends"] == 0,
        "ledger sum == balance for every account": after["ledger_mismatches"] == 0,
        "every generation finished": after["unfinished_generations"] == 0,
        "every user's purchase credited once": after["purchases"] == args.users,
    }
    report = "\n".join([
        "# Load test",
        "",
        f"`make load`: {args.users} users (spawn rate {args.spawn_rate:g}/s) for {args.run_time} against the local "
        f"stack (`python -m devstack`: embedded PostgreSQL, moto, the placeholder provider), each signing up, buying "
        f"the starter pack through the signed local checkout webhook, then browsing, quoting, generating and "
        f"downloading.",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} {platform.system()}, "
        f"{os.cpu_count()} CPUs shared with whatever else ran (load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after), Python {platform.python_version()}; locust ran {elapsed:.0f} s.",
        "",
        table(stats),
        "",
        "| after the run | value |",
        "| --- | ---: |",
        *[f"| {name.replace('_', ' ')} | {value} |" for name, value in after.items()],
        "",
        "| check | result |",
        "| --- | --- |",
        *[f"| {name} | {'pass' if ok else 'FAIL'} |" for name, ok in checks.items()],
        "",
    ])
    print(report)
    if not args.no_write:
        RESULTS.write_text(report)
    return 0 if all(checks.values()) and locust.returncode in (0, 1) and total["Failure Count"] == "0" else 1


if __name__ == "__main__":
    sys.exit(main())
