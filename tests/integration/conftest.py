"""Fixtures that several integration modules share; the app, its database and the fakes are in tests/conftest.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import assert_ledger_matches_balances
from tests.fakes import ScriptedImageProvider


@pytest.fixture
def ledger_invariant(db):
    """After the test, every balance is still the sum of its ledger rows. A module opts in with
    `pytestmark = pytest.mark.usefixtures("ledger_invariant")`: set up before the test's own fixtures, torn down
    after them, as an autouse fixture of the module would be."""
    yield
    assert_ledger_matches_balances(db)


@pytest.fixture
def openai_fake() -> ScriptedImageProvider:
    """A scripted OpenAI provider: a test sets `openai_fake.steps` and reads `openai_fake.calls`."""
    return ScriptedImageProvider("openai")


@pytest.fixture
def scripted_providers(openai_fake) -> dict[str, Any]:
    """openai_fake beside the offline placeholder renderer. A module serves it to the app with
    `def providers(scripted_providers): return scripted_providers` (the default `providers` is the settings')."""
    from chalicelib.adapters.placeholder_images import PlaceholderImageProvider

    return {"openai": openai_fake, "placeholder": PlaceholderImageProvider()}


ADMIN_LOGIN = {"email": "boss@example.com", "password": "a long admin password"}  # pragma: allowlist secret


@pytest.fixture
def admin(api, container) -> dict[str, Any]:
    """A signed-in admin's session (access and refresh tokens, user)."""
    container.accounts.ensure_admin(ADMIN_LOGIN["email"], ADMIN_LOGIN["password"])
    return api.post("/v1/auth/login", ADMIN_LOGIN).json
