"""The document's components: each generated from a model, each used, and each reference resolving."""

from __future__ import annotations

import json
import re

from chalicelib.handlers import bodies
from chalicelib.handlers.responses import RESPONSE_MODELS
from chalicelib.openapi import openapi_document


def _references(value) -> set[str]:
    return set(re.findall(r'"#/components/schemas/([A-Za-z0-9]+)"', json.dumps(value)))


def test_every_reference_resolves_and_every_component_is_reachable_from_a_path():
    document = openapi_document()
    schemas = document["components"]["schemas"]
    reachable, pending = set(), _references(document["paths"]) | _references(document["components"]["responses"])
    while pending:
        name = pending.pop()
        assert name in schemas, f"{name} is referenced but not defined"
        if name not in reachable:
            reachable.add(name)
            pending |= _references(schemas[name])
    assert set(schemas) == reachable, f"defined but never used: {sorted(set(schemas) - reachable)}"


def test_every_request_and_response_model_is_a_closed_component():
    schemas = openapi_document()["components"]["schemas"]
    named = {m.__name__ for m in _subclasses(bodies.Body) if not m.__name__.startswith("_")} | set(RESPONSE_MODELS)
    assert named <= set(schemas), sorted(named - set(schemas))
    open_shapes = [name for name, schema in schemas.items() if schema.get("additionalProperties") is not False]
    assert open_shapes == [], "a response a client cannot rely on, or a body that takes typos"


def _subclasses(root):
    found, pending = set(), [root]
    while pending:
        for sub in pending.pop().__subclasses__():
            pending.append(sub)
            found.add(sub)
    return found
