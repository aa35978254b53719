"""`privdesk settings list|set|reset`: every registered setting, from one registry."""

from __future__ import annotations

import argparse
from typing import Any

from app.admin import SettingsService, SettingValue
from app.cli.output import EXIT_OK, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in
from app.settings import REGISTRY


def register(sub: argparse._SubParsersAction[Any]) -> None:
    group = add_group(sub, "settings", "workspace settings (idle lock, review, DSAR …)")
    p = add_command(group, "list", cmd_list, "every setting you may read, its value and default")
    p.add_argument("area", nargs="?", default="", help="only keys starting with this (e.g. dsar)")
    keys = ", ".join(spec.key for spec in REGISTRY)
    p = add_command(group, "set", cmd_set, "change one setting (checked before it is saved)")
    p.add_argument("key", metavar="KEY", help=f"one of: {keys}")
    p.add_argument("value", metavar="VALUE", help="seconds for *_s keys; JSON for lists")
    p = add_command(group, "reset", cmd_reset, "put one setting back to its default")
    p.add_argument("key", metavar="KEY", help=f"one of: {keys}")


def _line(v: SettingValue) -> str:
    marker = "" if v.is_default else "  (changed)"
    return f"{v.key:<22} {v.shown:<16} {v.label}{marker}"


def _json(v: SettingValue) -> dict[str, Any]:
    return {
        "key": v.key,
        "label": v.label,
        "value": v.value,
        "default": v.default,
        "is_default": v.is_default,
        "can_change": v.can_change,
    }


def cmd_list(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        values = SettingsService(ctx, principal).list(args.area)
    emit(args, {"settings": [_json(v) for v in values]}, "\n".join(_line(v) for v in values))
    return EXIT_OK


def cmd_set(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        value = ctx.settings.spec(args.key).parse(args.value)
        saved = SettingsService(ctx, principal).set(args.key, value)
    emit(args, {"status": "ok", "setting": _json(saved)}, f"saved: {_line(saved)}")
    return EXIT_OK


def cmd_reset(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        saved = SettingsService(ctx, principal).reset(args.key)
    emit(args, {"status": "ok", "setting": _json(saved)}, f"default: {_line(saved)}")
    return EXIT_OK
