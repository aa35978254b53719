"""The settings registry: one declaration per setting, checked before anything is stored."""

from __future__ import annotations

import pytest

from app.settings import REGISTRY, SettingError, Settings
from tests.conftest import SignedIn


def test_every_setting_is_declared_once_with_a_valid_default() -> None:
    keys = [spec.key for spec in REGISTRY]
    assert len(keys) == len(set(keys))
    for spec in REGISTRY:
        assert spec.label and spec.help, spec.key
        if spec.default is not None:
            spec.validate(spec.default)  # a default outside its own bounds is a typo


def test_unset_setting_reads_its_default_and_a_set_one_its_value(admin: SignedIn) -> None:
    settings = Settings()
    with admin.ctx.session() as s:
        assert settings.get(s, "review.dormant_days") == 90
        assert settings.is_default(s, "review.dormant_days")
        assert settings.set(s, "review.dormant_days", 120) == 90
    with admin.ctx.session() as s:
        assert settings.get(s, "review.dormant_days") == 120
        assert not settings.is_default(s, "review.dormant_days")
        assert settings.reset(s, "review.dormant_days") == 120
    with admin.ctx.session() as s:
        assert settings.get(s, "review.dormant_days") == 90


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("idle_timeout_s", 30, "between 1 and 240 minutes"),
        ("idle_timeout_s", "600", "whole number"),
        ("idle_timeout_s", True, "whole number"),
        ("review.dormant_days", 5000, "between 7 and 3650 days"),
        ("dsar.pause_method", "weekly", "one of ico, dpa-s54"),
        ("dsar.timezone", "Mars/Olympus", "unknown time zone"),
        ("review.toxic_rules", [{"id": "a", "all": []}], "Toxic rules not saved"),
        ("review.toxic_rules", [{"id": "a", "all": ["x"]}, {"id": "a", "all": ["y"]}], "own id"),
        ("no.such.key", 1, "unknown setting 'no.such.key'"),
    ],
)
def test_a_bad_value_is_refused_and_nothing_is_stored(
    admin: SignedIn, key: str, value: object, message: str
) -> None:
    settings = Settings()
    with admin.ctx.session() as s, pytest.raises(SettingError, match=message):
        settings.set(s, key, value)
    with admin.ctx.session() as s:
        from models.workspace import Setting

        assert s.get(Setting, key) is None


def test_command_line_text_is_parsed_to_the_declared_type() -> None:
    settings = Settings()
    assert settings.spec("review.dormant_days").parse("30") == 30
    assert settings.spec("review.toxic_rules").parse('[{"id": "a", "all": ["x"]}]') == [
        {"id": "a", "all": ["x"]}
    ]
    with pytest.raises(SettingError, match="whole number, not 'soon'"):
        settings.spec("idle_timeout_s").parse("soon")
    assert [spec.key for spec in settings.in_area("dsar.")] == [
        "dsar.pause_method",
        "dsar.timezone",
        *(f"dsar.art15_{name}" for name in ART15_NAMES),
    ]


ART15_NAMES = (
    "purposes",
    "categories",
    "recipients",
    "retention",
    "rights",
    "complaint",
    "source",
    "automated",
    "transfers",
)


def test_art15_texts_may_be_empty_and_other_texts_may_not(admin: SignedIn) -> None:
    settings = Settings()
    for name in ART15_NAMES:
        spec = settings.spec(f"dsar.art15_{name}")
        assert spec.default == "" and spec.allow_empty and spec.type is str
        assert spec.view.value == "dsar.view" and spec.manage.value == "dsar.manage"
        assert spec.show("") == "(not set)"
    with admin.ctx.session() as s:
        settings.set(s, "dsar.art15_purposes", "Answering your support requests.")
        settings.set(s, "dsar.art15_purposes", "")  # cleared again: the summary says not set
        with pytest.raises(SettingError, match="non-empty text"):
            settings.set(s, "dsar.timezone", "")
    assert settings.spec("dsar.art15_retention").show("x" * 60).endswith("…")


def test_dsar_pause_choices_are_the_deadline_engines_methods() -> None:
    from app.dsar.deadlines import PAUSE_METHODS

    assert Settings().spec("dsar.pause_method").choices == PAUSE_METHODS
