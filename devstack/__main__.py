"""`python -m devstack`: the whole product on one machine (what `make dev` runs)."""

from __future__ import annotations

import argparse
import functools
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
LOCAL_WORKERS = 2
log = logging.getLogger("devstack")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack", description="Run Pixmint locally.")
    parser.add_argument("--port", type=int, help="port to listen on (default: $PORT or 8000)")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", stream=sys.stdout)
    for noisy in ("pgserver", "werkzeug", "botocore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    os.environ.setdefault("PIXMINT_STAGE", "local")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ.setdefault("DB_POOL_SIZE", "8")
    if args.port:
        os.environ["PORT"] = str(args.port)

    from chalicelib.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"pixmint: {exc}", file=sys.stderr)
        return 2

    from . import embedded

    stoppers: list[Callable[[], object]] = []
    outbox = None
    try:
        if settings.database_url:
            log.info("database: PostgreSQL at DATABASE_URL")
        else:
            pg = embedded.start_postgres(settings.data_dir / "postgres")
            stoppers.append(pg.stop)
            os.environ["DATABASE_URL"] = embedded.ensure_database(pg.url, "pixmint")
            log.info("database: embedded PostgreSQL in %s", settings.data_dir / "postgres")
        if settings.aws_endpoint_url:
            log.info("aws: %s", settings.aws_endpoint_url)
        else:
            moto = embedded.start_moto()
            stoppers.append(moto.stop)
            os.environ["AWS_ENDPOINT_URL"] = moto.url
            region = settings.aws_region
            embedded.record_send_times(region)
            if settings.is_local:  # nothing under /_dev/ outside the local stage
                outbox = functools.partial(embedded.sent_emails, region)
            log.info("aws: in-process emulator (moto) at %s for SES, S3 and SQS; emails at /_dev/outbox", moto.url)
        log.info("image provider: %s", "OpenAI" if settings.openai_api_key
                 else "offline placeholder renderer (labelled pictures, not AI)")
        log.info("payments: %s", "Stripe" if settings.stripe_secret_key
                 else "local test checkout at /_dev/checkout/ (signed webhooks to /v1/webhooks/stripe)")
        log.info("jwt secret: %s",
                 "from JWT_SECRET" if settings.jwt_secret else f"generated, kept in {settings.data_dir}")

        settings = load_settings()
        if outbox is not None:
            os.environ.update(embedded.prepare_aws(settings))
            settings = load_settings()
        from chalicelib.adapters.migrations import migrate

        assert settings.database_url  # given, or set above to the embedded PostgreSQL
        for name in migrate(settings.database_url):
            log.info("migrated: %s", name)

        from chalicelib import bootstrap

        if settings.admin_email and settings.admin_password:
            from chalicelib.domain.errors import DomainError

            try:  # never promotes an existing account: its password was not set here
                outcome = bootstrap.container().accounts.ensure_admin(settings.admin_email, settings.admin_password)
                log.info("admin %s: %s", outcome.action, outcome.user.email)
            except DomainError as exc:
                log.warning("admin not set up from PIXMINT_ADMIN_EMAIL: %s", exc.message)

        from app import app

        from .gateway import PixmintGateway
        from .server import serve

        server = serve(PixmintGateway(app), PROJECT_DIR / "frontend" / "dist", settings.port, outbox, args.host,
                       local_checkout=settings.is_local and not settings.stripe_secret_key,
                       status_file=settings.data_dir / "status" / "status.json")
        from chalicelib.bootstrap import aws_client
        from chalicelib.handlers.images import run_housekeeping
        from chalicelib.handlers.worker import handle_batch

        from .jobs import QueuePoller, Schedule

        def publish_status() -> None:
            services = bootstrap.container()
            try:
                services.status.publish(services.reports.metrics(services.clock.now()), record=True)
            except Exception:  # the next run tries again, as the schedule does in Lambda
                log.exception("status page not published")

        # As many job consumers as the dev stage's worker Lambda may run at once (reserved concurrency 2).
        background: list[QueuePoller | Schedule] = [
            *(QueuePoller(aws_client(settings, "sqs"), bootstrap.jobs_queue_url(settings), handle_batch, n)
              for n in range(LOCAL_WORKERS)),
            Schedule("sweeper", 60, lambda: bootstrap.container().sweeper.sweep()),
            Schedule("s3-deletions", 900, lambda: bootstrap.container().library.retry_s3_deletions()),
            Schedule("housekeeping", 3600, lambda: run_housekeeping(bootstrap.container())),
            # As publish_operational_metrics does in Lambda: the figures, then the status page's file from them.
            Schedule("metrics", 300, publish_status),
        ]
        first = threading.Timer(2, publish_status)  # once the server answers, so /status has a file from the start
        first.daemon = True
        first.start()
        for thread in background:
            thread.start()
        stoppers.append(lambda: [thread.stop() for thread in background])
        log.info("worker: %d consumers of %s in this process; sweeper every 60 s", LOCAL_WORKERS,
                 bootstrap.jobs_queue_url(settings))
        log.info("Pixmint is running at http://localhost:%s (Ctrl-C stops everything)", settings.port)

        def stop(*_: object) -> None:
            threading.Thread(target=server.shutdown, daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        server.serve_forever()
        server.server_close()
        bootstrap.use_container(None)
    finally:
        for stopper in reversed(stoppers):
            try:
                stopper()
            except Exception:  # keep stopping the rest
                log.exception("while stopping")
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
