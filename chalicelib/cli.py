"""Operations commands: `python -m chalicelib.cli migrate | create-admin | restore-images`."""

from __future__ import annotations

import argparse
import sys

from .config import SettingsError, load_settings


def _migrate(args: argparse.Namespace) -> str:
    from .adapters.migrations import migrate

    settings = load_settings()
    if not settings.database_url:
        raise SettingsError("DATABASE_URL is not set")
    applied = migrate(settings.database_url)
    return f"applied {len(applied)} migration(s)" + (": " + ", ".join(applied) if applied else "; the schema is current")


def _create_admin(args: argparse.Namespace) -> str:
    from .bootstrap import container

    user, created = container().accounts.ensure_admin(args.email, args.password)
    return f"{'created' if created else 'promoted'} admin {user.email}"


def _restore_images(args: argparse.Namespace) -> str:
    from .bootstrap import container

    result = container().library.restore_missing(limit=args.limit)
    line = (f"restored {result['restored']} image(s) from S3; {result['checksum_mismatch']} failed the sha256 check; "
            f"{result['missing_in_s3']} missing in S3")
    if result["checksum_mismatch"] or result["missing_in_s3"]:
        raise RuntimeError(line)
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chalicelib.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply the database migrations").set_defaults(run=_migrate)
    admin = commands.add_parser("create-admin", help="create an admin, or promote an existing account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--password", required=True)
    admin.set_defaults(run=_create_admin)
    restore = commands.add_parser("restore-images", help="rebuild missing image bytes from the S3 backup")
    restore.add_argument("--limit", type=int, default=10000)
    restore.set_defaults(run=_restore_images)
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
