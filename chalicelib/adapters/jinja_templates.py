"""Email templates rendered with Jinja2: chalicelib/templates/email/<kind>.html and <kind>.txt."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "email"


class JinjaEmailTemplates:
    """Renders each kind as HTML, every value autoescaped, and as plain text, which has nothing to escape; a fact a
    template names but was not given fails loudly (StrictUndefined) rather than printing nothing. Jinja2 is imported
    when the first email is rendered, off the cold-start path of every other request."""

    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self._directory = directory
        self._environment: Any = None
        self._lock = threading.Lock()

    def render(self, template: str, facts: Mapping[str, Any]) -> tuple[str, str]:
        """(plain text, HTML) of the named template with these facts."""
        environment = self._env()
        text = environment.get_template(f"{template}.txt").render(facts)
        html = environment.get_template(f"{template}.html").render(facts)
        return text, html

    def _env(self) -> Any:
        with self._lock:  # the outbox delivers on a thread of its own in the local stack
            if self._environment is None:
                from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

                self._environment = Environment(
                    loader=FileSystemLoader(str(self._directory)),
                    # On for .html and for anything else not named here; .txt is plain text, where &amp; would show.
                    autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",),
                                                 default_for_string=True, default=True),
                    undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
            return self._environment
