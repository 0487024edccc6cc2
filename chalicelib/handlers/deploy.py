"""Deploy-time functions: `scripts/deploy` invokes `migrate` after each stack update."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from ..observability import logger

bp = Blueprint(__name__)


@bp.lambda_function(name="migrate")
def migrate(event: Any, context: Any) -> dict[str, list[str]]:
    """Applies pending migrations; a raise makes the invocation fail, which stops the deploy."""
    from ..adapters.migrations import migrate as apply_migrations
    from ..config import load_settings

    # Fresh settings, not the cached ones: secrets set since this container started must be seen.
    applied = apply_migrations(load_settings().database_url)
    logger.info("migrations applied", extra={"applied": applied})
    return {"applied": applied}
