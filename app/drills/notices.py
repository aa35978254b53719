"""Communication templates (resources/drills/templates.toml) filled from a breach record.

Pure functions. A gap is never silent: an empty field reads "[to follow]" when it is
marked to follow (Art. 33(4) phased information) and "[missing: …]" otherwise. A drill's
notices carry the exercise banner on their first line.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from importlib.resources import files

from app.drills.records import EXERCISE_BANNER, REQUIRED_ITEMS, BreachView, RunSummary


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    audience: str
    body: str


def load_templates() -> dict[str, Template]:
    text = (files("resources") / "drills" / "templates.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    return {
        key: Template(key, raw["title"], raw["audience"], raw["body"].strip("\n"))
        for key, raw in data.items()
    }


_LABELS = {
    **{k: v[0].lower() for k, v in REQUIRED_ITEMS.items()},
    "data_categories": "data categories",
    "detected_at": "detection time",
    "aware_at": "awareness time",
}


def _when(value: str | None) -> str:
    return value.replace("T", " ").replace("Z", " UTC") if value else ""


def field_values(breach: BreachView, run: RunSummary) -> dict[str, str]:
    def show(item: str, value: object) -> str:
        text = "" if value is None else str(value).strip()
        if text:
            return text
        if item in breach.to_follow:
            return "[to follow]"
        return f"[missing: {_LABELS.get(item, item.replace('_', ' '))}]"

    values = {item: show(item, breach.value(item)) for item in (*REQUIRED_ITEMS, "data_categories")}
    values["detected_at"] = show("detected_at", _when(breach.detected_at))
    values["aware_at"] = show("aware_at", _when(breach.aware_at))
    values["notified_at"] = _when(breach.authority_notified_at) or "(not yet)"
    values["delay_reasons"] = breach.delay_reasons or "not applicable"
    values["title"] = run.title
    values["banner"] = f"{EXERCISE_BANNER}\n\n" if run.is_drill else ""
    return values


def fill(template: Template, breach: BreachView, run: RunSummary) -> str:
    """The template's body with every placeholder replaced (unknown ones left visible)."""
    values = field_values(breach, run)

    class _Keep(dict[str, str]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return string.Formatter().vformat(template.body, (), _Keep(values))
