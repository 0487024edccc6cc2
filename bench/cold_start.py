"""Cold start: importing app.py in a fresh interpreter, against importing only the libraries it cannot avoid."""

from __future__ import annotations

import statistics
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASELINE = "import chalice, psycopg, jwt; from aws_lambda_powertools import Logger, Metrics, Tracer"
APP = "import app"
RUNS = 9


def _import_seconds(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin"})
    return float(out.stdout.strip().splitlines()[-1])


def measure() -> dict[str, float]:
    app = statistics.median(_import_seconds(APP) for _ in range(RUNS))
    baseline = statistics.median(_import_seconds(BASELINE) for _ in range(RUNS))
    return {"app_ms": app * 1000, "baseline_ms": baseline * 1000, "ratio": app / baseline}


def main() -> None:
    result = measure()
    print(f"cold start: import app {result['app_ms']:.0f} ms / chalice+psycopg+jwt+Powertools "
          f"{result['baseline_ms']:.0f} ms = {result['ratio']:.2f}")


if __name__ == "__main__":
    main()
