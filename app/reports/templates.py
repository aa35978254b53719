"""HTML reports from the Jinja2 templates in ``resources/templates/``.

Autoescape is on, so every value a template prints is text: a name, a justification or a
ticket comment can never become markup. Missing variables fail loudly (StrictUndefined)
rather than printing nothing, and ``None`` prints as an empty cell, never as "None".
The caller renders a report once and uses that one string for the .html file, the
on-screen preview and the PDF.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.resources import files

import jinja2
from markupsafe import Markup, escape

PACKAGE = "resources.templates"


def _load(name: str) -> tuple[str, str | None, Callable[[], bool]] | None:
    resource = files(PACKAGE).joinpath(name)
    if not resource.is_file():
        return None  # the loader raises TemplateNotFound
    # Bundled data never changes while the program runs: compiled templates stay cached.
    return resource.read_text(encoding="utf-8"), None, lambda: True


def _blank_none(value: object) -> object:
    return "" if value is None else value


def nl2br(value: object) -> Markup:
    """Escaped text with each line break shown as ``<br>`` (free-text observations)."""
    return Markup("<br>").join(escape(str(_blank_none(value))).split("\n"))


@functools.cache
def environment() -> jinja2.Environment:
    """The one template environment (thread-safe to render from worker threads)."""
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_load),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_blank_none,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["nl2br"] = nl2br
    return env


def render(name: str, /, **context: object) -> str:
    """Render the template ``name`` (e.g. ``"review_evidence.html"``) with ``context``.

    Raises ``jinja2.UndefinedError`` if the template uses a value the caller did not pass.
    """
    return environment().get_template(name).render(**context)
