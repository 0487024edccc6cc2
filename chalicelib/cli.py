"""Operations commands: `python -m chalicelib.cli migrate | create-admin | restore-images | seal-secrets | report`."""

from __future__ import annotations

import argparse
import json
import sys

from .config import SettingsError, load_settings


def _migrate(args: argparse.Namespace) -> str:
    from .adapters.migrations import migrate

    settings = load_settings()
    if not settings.database_url:
        raise SettingsError("DATABASE_URL is not set")
    applied = migrate(settings.database_url)
    return f"applied {len(applied)} migration(s)" + (
        ": " + ", ".join(applied) if applied else "; the schema is current")


def _create_admin(args: argparse.Namespace) -> str:
    from .bootstrap import container

    if not args.password and not args.promote_existing:
        raise SettingsError("--password is required (or --promote-existing to promote a verified account)")
    outcome = container().accounts.ensure_admin(args.email, args.password, promote_existing=args.promote_existing)
    if outcome.action == "created":
        return f"created admin {outcome.user.email}"
    if outcome.action == "promoted":
        return (f"promoted existing account {outcome.user.email} to admin (--promote-existing; its email is verified; "
                "its own password was kept, no password was set)")
    return f"admin {outcome.user.email} exists already; nothing changed (its password was not touched)"


def _restore_images(args: argparse.Namespace) -> str:
    from .bootstrap import container

    result = container().library.restore_missing(limit=args.limit)
    line = (f"restored {result['restored']} image(s) from S3; {result['checksum_mismatch']} failed the sha256 check; "
            f"{result['missing_in_s3']} missing in S3")
    if result["checksum_mismatch"] or result["missing_in_s3"]:
        raise RuntimeError(line)
    return line


def _seal_secrets(args: argparse.Namespace) -> str:
    from .adapters.sealed_secrets import seal_stored_secrets
    from .bootstrap import container, resolve_jwt_secret, secret_sealer

    app = container()
    sealed = seal_stored_secrets(app.pool, secret_sealer(resolve_jwt_secret(app.settings)))
    return f"sealed {sealed['totp']} two-factor seed row(s) and {sealed['webhook']} webhook secret(s)"


def _report(args: argparse.Namespace) -> str:
    from .bootstrap import container
    from .domain.reports import parse_day

    report = container().reports.usage(parse_day(args.start, "--from"), parse_day(args.end, "--to"), args.group_by)
    if args.format == "csv":
        return report.to_csv().rstrip("\n")
    if args.format == "json":
        return json.dumps(report.to_json(), indent=2)
    columns = ["group", *(["email"] if report.group_by == "user" else []), "revenue_cents", "credits_sold",
               "credits_spent", "refunds_credits", "payment_refunds_credits", "provider_cost_usd",
               "gross_margin_usd", "margin_pct", "generations", "failed_generations", "failure_rate",
               "active_users"]
    table = [columns] + [["-" if row.to_json()[c] is None else str(row.to_json()[c]) for c in columns]
                         for row in [*report.rows, report.total]]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    text_columns = 2 if report.group_by == "user" else 1
    lines = ["  ".join(cell.ljust(w) if i < text_columns else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(line, widths, strict=True))).rstrip() for line in table]
    return "\n".join([f"usage {report.start.isoformat()} to {report.end.isoformat()} (UTC, end exclusive), "
                      f"by {report.group_by}", *lines])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the database migrations").set_defaults(run=_migrate)
    admin = commands.add_parser("create-admin", help="create an admin; --promote-existing promotes a verified account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", help="the new admin's password (an existing account keeps its own)")
    admin.add_argument("--promote-existing", action="store_true",
                       help="promote the account that already has this email, once its email is verified")
    admin.set_defaults(run=_create_admin)
    restore = commands.add_parser("restore-images", help="rebuild missing image bytes from the S3 backup")
    restore.add_argument("--limit", type=int, default=10000)
    restore.set_defaults(run=_restore_images)
    commands.add_parser("seal-secrets", help="seal TOTP seeds and webhook secrets stored before sealing existed"
                        ).set_defaults(run=_seal_secrets)
    report = commands.add_parser("report", help="print the usage report for [--from, --to) in UTC")
    report.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
    report.add_argument("--group-by", choices=["day", "model", "user", "api_key"], default="day")
    report.add_argument("--format", choices=["table", "csv", "json"], default="table")
    report.set_defaults(run=_report)
    args = parser.parse_args(argv)
    try:
        print(args.run(args))
        return 0
    except Exception as exc:  # noqa: BLE001 - one line for the operator, whatever failed
        message = getattr(exc, "message", None) or str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
