"""The seeded catalogue offers only OpenAI models the installed SDK still documents, with options OpenAI takes.

The catalogue is what the migrations leave in a real PostgreSQL (the session's migrated database); the truth about
OpenAI's models is the installed SDK: `openai.types.image_model`'s ImageModel and its "Deprecated values" note.
"""

from __future__ import annotations

import psycopg
import pytest

from tests.fake_openai import Params, Refusal, check, documented_image_models

OFFERED = "SELECT id FROM models WHERE provider = 'openai' AND enabled AND available ORDER BY position, id"


@pytest.fixture(scope="module")
def offered(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as conn:
        try:
            ids = [row[0] for row in conn.execute(OFFERED)]
        except psycopg.errors.UndefinedColumn:
            pytest.fail("models has no `available` column: the catalogue migration (0008) has not landed")
    assert ids, "the catalogue offers no OpenAI model at all"
    return ids


@pytest.fixture(scope="module")
def rows(database_url: str, offered: list[str]) -> list[dict]:
    with psycopg.connect(database_url, row_factory=psycopg.rows.dict_row) as conn:
        return conn.execute("SELECT * FROM models WHERE id = ANY(%s) ORDER BY position, id", (offered,)).fetchall()


def test_the_sdk_note_names_the_models_openai_withdrew():
    values, withdrawn = documented_image_models()

    assert {"gpt-image-1", "dall-e-2", "dall-e-3"} <= set(withdrawn)
    assert all("shut down" in reason or "retired" in reason for reason in withdrawn.values())
    assert set(withdrawn) <= values, "a withdrawn model stays in the Literal, for compatibility"


def test_no_model_openai_shut_down_or_retired_is_still_offered(offered):
    _, withdrawn = documented_image_models()

    still_offered = {model: withdrawn[model] for model in offered if model in withdrawn}
    assert still_offered == {}


def test_every_offered_openai_model_is_one_the_sdk_knows(offered):
    values, _ = documented_image_models()

    assert [model for model in offered if model not in values] == []


def accepted(model: str, **params) -> bool:
    try:
        check("generations", Params({"model": model, "prompt": "a fox", **params}, multipart=False), {},
              frozenset({"gif", "svg"}))
    except Refusal:
        return False
    return True


def test_every_option_the_catalogue_offers_is_one_openai_takes(rows):
    refused = []
    for row in rows:
        model = row["id"]
        formats = row["output_formats"]
        for size in row["sizes"]:
            refused += [(model, "size", size) for fmt in formats[:1] if not accepted(model, size=size)]
        refused += [(model, "quality", q) for q in row["qualities"] if not accepted(model, quality=q)]
        refused += [(model, "output_format", f) for f in formats if not accepted(model, output_format=f)]
        still = [f for f in formats if f in ("png", "webp")]
        refused += [(model, "background", b) for b in row["backgrounds"]
                    if not accepted(model, background=b, output_format=still[0] if still else "png")]
        refused += [(model, "n", row["max_n"])] if not accepted(model, n=row["max_n"]) else []
        custom = row["custom_sizes"]
        if custom:
            edge, aspect = custom["max_edge"], custom["max_aspect"]
            widest = f"{edge}x{edge // aspect // custom['multiple_of'] * custom['multiple_of']}"
            largest = f"{edge}x{custom['max_pixels'] // edge // custom['multiple_of'] * custom['multiple_of']}"
            refused += [(model, "size", s) for s in (widest, largest) if not accepted(model, size=s)]
    assert refused == []
