"""Functions for operators inside the VPC: `migrate` (scripts/deploy runs it after each stack update) and
`operations`, which runs one `chalicelib.cli` command where the database can be reached."""

from __future__ import annotations

import contextlib
import io
from typing import Any

from chalice import Blueprint

from ..observability import logger

bp = Blueprint(__name__)
# migrate is not offered here: its advisory lock needs a direct connection, which only the migrate function has.
OPERATIONS = ("create-admin", "restore-images", "report", "seal-secrets")


@bp.lambda_function(name="migrate")
def migrate(event: Any, context: Any) -> dict[str, list[str]]:
    """Applies pending migrations; a raise makes the invocation fail, which stops the deploy."""
    from ..adapters.migrations import migrate as apply_migrations
    from ..config import SettingsError, load_settings

    # Fresh settings, not the cached ones: secrets set since this container started must be seen.
    database_url = load_settings().database_url
    if not database_url:  # load_settings already refuses this on dev and prod
        raise SettingsError("DATABASE_URL is not set")
    applied = apply_migrations(database_url)
    logger.info("migrations applied", extra={"applied": applied})
    return {"applied": applied}


@bp.lambda_function(name="operations")
def operations(event: Any, context: Any) -> dict[str, Any]:
    """Runs {"args": ["restore-images", "--limit", "500"]} as the CLI would and returns its exit code and output."""
    from .. import cli

    args = event.get("args") if isinstance(event, dict) else None
    if not isinstance(args, list) or not args or args[0] not in OPERATIONS or not all(isinstance(a, str) for a in args):
        return {"exit_code": 2, "output": f"args must be strings starting with one of: {', '.join(OPERATIONS)}"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = cli.main(args)
        except SystemExit as exc:  # argparse exits on bad arguments; the operator gets its usage line instead
            code = exc.code if isinstance(exc.code, int) else 2
    logger.info("operation run", extra={"command": args[0], "exit_code": code})
    return {"exit_code": code, "output": out.getvalue()}
