"""What every benchmark needs: a throwaway database, and the local stack running on it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


@contextmanager
def scratch_database(migrated: bool = True) -> Iterator[str]:
    """A fresh database on TEST_DATABASE_URL/DATABASE_URL's server, or on an embedded one; dropped afterwards."""
    from chalicelib.adapters.migrations import migrate
    from devstack.embedded import drop_database, ensure_database, start_postgres

    given = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    server = None if given else start_postgres(Path(tempfile.mkdtemp(prefix="pixmint-bench-")) / "pg")
    server_url = given or server.url
    name = f"pixmint_bench_{uuid.uuid4().hex[:8]}"
    url = ensure_database(server_url, name)
    try:
        if migrated:
            migrate(url)
        yield url
    finally:
        drop_database(server_url, name)
        if server:
            server.stop()


@contextmanager
def local_stack(**settings: str) -> Iterator[str]:
    """`python -m devstack` on a scratch database and a free port, as `make dev` runs it; yields its base URL."""
    from devstack.embedded import free_port, stop_process, wait_for_http

    with scratch_database(migrated=False) as url:
        port = free_port()
        data_dir = tempfile.mkdtemp(prefix="pixmint-bench-stack-")
        env = {k: v for k, v in os.environ.items() if k not in ("AWS_ENDPOINT_URL", "JWT_SECRET", "OPENAI_API_KEY")}
        env.update(DATABASE_URL=url, PIXMINT_DATA_DIR=data_dir, PIXMINT_ENV_FILE=f"{data_dir}/none.env",
                   PIXMINT_STAGE="local", **settings)
        process = subprocess.Popen([sys.executable, "-m", "devstack", "--port", str(port)], cwd=PROJECT_DIR, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://localhost:{port}"
        try:
            wait_for_http(f"{base}/v1/health", process)
            yield base
        finally:
            stop_process(process)
