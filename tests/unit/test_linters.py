"""ruff and mypy over the repository, with the settings in pyproject.toml: both must find nothing."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec(tool) is None:
        pytest.skip(f"{tool} is not installed in this environment; make install brings it (requirements-dev.txt)")
    return subprocess.run([sys.executable, "-m", tool, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    run = _run("ruff", "check", "--output-format", "concise", ".")
    if run.returncode != 0:
        pytest.fail(f"ruff check found problems:\n{run.stdout}{run.stderr}", pytrace=False)


@pytest.mark.timeout(600)
def test_mypy_finds_nothing():
    run = _run("mypy", "--config-file", "pyproject.toml")
    if run.returncode != 0:
        pytest.fail(f"mypy found problems:\n{run.stdout}{run.stderr}", pytrace=False)
