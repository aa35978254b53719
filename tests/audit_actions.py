"""Every audit action string written by app/, found by reading the source (for the phrase test)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
NOT_AUDIT = {"add_argument", "simplefilter", "filterwarnings", "add_mutually_exclusive_group"}


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def audit_actions() -> dict[str, str]:
    """action -> the first file:line that writes it."""
    found: dict[str, str] = {}
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _name(node.func) in NOT_AUDIT:
                continue
            values = [s for kw in node.keywords if kw.arg == "action" for s in _strings(kw.value)]
            if _name(node.func) == "audit" and len(node.args) >= 2:
                values += _strings(node.args[1])
            for value in values:
                found.setdefault(value, f"{path.relative_to(APP.parent)}:{node.lineno}")
    return found
