"""CLI: `privdesk review create|list|show|findings|decide|signoff|export|verify-remediation|
verify-pack|settings`.

The evidence pack's PDF is rendered with `views.reports.pdf.render_pdf` (Qt's text engine);
this module is a composition root like `app/cli.py`, so it may import that one module.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from app.cli import EXIT_CHECK_FAILED, EXIT_OK, UsageError, emit
from app.cli_session import signed_in, with_step_up
from app.review import ReviewService
from app.review.evidence import verify_pack
from app.review.findings import FINDING_TYPES
from app.review.records import DECISIONS, CampaignSummary

ACTIONS = (
    "create",
    "list",
    "show",
    "findings",
    "decide",
    "signoff",
    "export",
    "verify-remediation",
    "verify-pack",
    "settings",
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=ACTIONS)
    p.add_argument(
        "target", nargs="?", metavar="CAMPAIGN", help="campaign id (verify-pack: the pack folder)"
    )
    p.add_argument("--name", help="create: campaign name (default: the current quarter)")
    p.add_argument("--snapshot", type=int, help="create: snapshot id (default: the latest)")
    p.add_argument(
        "--scope",
        default="all",
        metavar="SCOPE",
        help="create: all | admins | group:NAME | role:NAME (default all)",
    )
    p.add_argument("--reviewer", action="append", help="create: reviewer username (repeatable)")
    p.add_argument("--due", metavar="YYYY-MM-DD", help="create: due date")
    p.add_argument("--agent", type=int, action="append", help="decide: help-desk agent id")
    p.add_argument("--finding", choices=FINDING_TYPES, help="decide: every open item with it")
    p.add_argument("--all-open", action="store_true", help="decide: every open item")
    p.add_argument("--decision", choices=DECISIONS, help="decide: keep, revoke or modify")
    p.add_argument("--target-role", help="decide: the role to move to (modify)")
    p.add_argument("--justification", help="decide: why (needed for revoke and modify)")
    p.add_argument("--carry-over", action="store_true", help="signoff: carry open items over")
    p.add_argument("--note", help="signoff: a note for the record")
    p.add_argument("--out", type=Path, help="export: folder for the evidence pack")
    p.add_argument("--no-pdf", action="store_true", help="export: skip the PDF")
    p.add_argument("--remediation", type=Path, help="export: also write the remediation CSV")
    p.add_argument("--type", dest="types", action="append", choices=FINDING_TYPES)
    p.add_argument(
        "--dormant-days", type=int, metavar="N", help="settings: dormant after N days without login"
    )
    p.add_argument(
        "--toxic-rules",
        type=Path,
        metavar="FILE",
        help="settings: toxic-combination rules from a JSON list or a TOML file of [[rule]]",
    )
    p.add_argument(
        "--default-toxic-rules",
        action="store_true",
        help="settings: go back to the built-in toxic-combination rules",
    )


def _campaign_id(args: argparse.Namespace) -> int:
    if args.target is None:
        raise UsageError(f"review {args.action} needs a campaign id")
    try:
        return int(args.target)
    except ValueError:
        raise UsageError(f"campaign id {args.target!r} is not a number") from None


def _scope(text: str) -> tuple[str, str | None]:
    kind, _, value = text.partition(":")
    kinds = {"all": "all", "admins": "admins", "group": "group", "role": "custom_role"}
    if kind not in kinds or (kind in ("group", "role")) != bool(value.strip()):
        raise UsageError("--scope must be all, admins, group:NAME or role:NAME")
    return kinds[kind], value.strip() or None


def _line(c: CampaignSummary) -> str:
    state = "signed off" if c.signed_off else ("OVERDUE" if c.overdue else "open")
    due = f" due {c.due_date}" if c.due_date else ""
    return (
        f"#{c.id:<4} {c.name:<12} {c.decided}/{c.total} decided, {c.findings} findings, "
        f"{state}{due} — {c.scope_label}, snapshot #{c.snapshot_id}"
    )


def cmd_review(args: argparse.Namespace) -> int:
    handler = {
        "create": _create,
        "list": _list,
        "show": _show,
        "findings": _findings,
        "decide": _decide,
        "signoff": _signoff,
        "export": _export,
        "verify-remediation": _verify_remediation,
        "settings": _settings,
    }.get(args.action)
    if args.action == "verify-pack":
        return _verify_pack(args)
    assert handler is not None
    return handler(args)


def _create(args: argparse.Namespace) -> int:
    scope, value = _scope(args.scope)
    due = None
    if args.due:
        try:
            due = date.fromisoformat(args.due)
        except ValueError:
            raise UsageError("--due must be a date YYYY-MM-DD") from None
    with signed_in(args) as (ctx, principal):
        c = ReviewService(ctx, principal).create_campaign(
            args.name,
            snapshot_id=args.snapshot,
            scope=scope,
            scope_value=value,
            reviewers=args.reviewer or (),
            due_date=due,
        )
    emit(args, {"campaign_id": c.id, **c.to_json()}, f"created campaign {c.id}: {_line(c)}")
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        rows = ReviewService(ctx, principal).campaigns()
    text = "\n".join(_line(c) for c in rows) or "no access review campaigns yet"
    emit(args, {"campaigns": [c.to_json() for c in rows]}, text)
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    cid = _campaign_id(args)
    with signed_in(args) as (ctx, principal):
        service = ReviewService(ctx, principal)
        c = service.campaign(cid)
        progress = service.progress(cid)
        diff = service.diff(cid)
    lines = [
        _line(c),
        "reviewers: " + ", ".join(f"{k} {d}/{t}" for k, (d, t) in progress.by_reviewer.items()),
        "findings: " + ", ".join(f"{k} {n}" for k, n in progress.findings_by_type.items()),
        *progress.reminders,
    ]
    if diff.previous_name:
        lines.append(
            f"since {diff.previous_name}: {diff.new_agents} new, {diff.removed_agents} removed, "
            f"{diff.role_changes} role changes, {diff.new_permissions} with new permissions"
        )
    data: dict[str, Any] = {
        **c.to_json(),
        "by_reviewer": {k: list(v) for k, v in progress.by_reviewer.items()},
        "findings_by_type": progress.findings_by_type,
        "reminders": list(progress.reminders),
        "quarter_over_quarter": diff.to_json(),
    }
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def _findings(args: argparse.Namespace) -> int:
    cid = _campaign_id(args)
    with signed_in(args) as (ctx, principal):
        rows = ReviewService(ctx, principal).findings(cid)
    if args.types:
        rows = [r for r in rows if r.type in args.types]
    text = "\n".join(
        f"{r.agent_id or '-':>14}  {r.email or '':<34} {r.type:<26} {r.reason}" for r in rows
    )
    emit(args, {"findings": [r.to_json() for r in rows]}, text or "no findings")
    return EXIT_OK


def _decide(args: argparse.Namespace) -> int:
    cid = _campaign_id(args)
    if not args.decision:
        raise UsageError("review decide needs --decision keep|revoke|modify")
    chosen = [bool(args.agent), bool(args.finding), args.all_open]
    if sum(chosen) != 1:
        raise UsageError("review decide needs exactly one of --agent, --finding, --all-open")
    with signed_in(args) as (ctx, principal):
        service = ReviewService(ctx, principal)
        items = service.items(cid)
        if args.agent:
            by_agent = {i.agent_id: i for i in items}
            missing = [a for a in args.agent if a not in by_agent]
            if missing:
                raise UsageError(f"agent {missing[0]} is not in campaign {cid}")
            ids = [by_agent[a].id for a in args.agent]
        else:
            ids = [
                i.id
                for i in items
                if not i.decided and (args.all_open or args.finding in i.finding_types)
            ]
            if not ids:
                raise UsageError("no open items match")
        count = service.decide(
            ids, args.decision, target_role=args.target_role, justification=args.justification
        )
    emit(args, {"status": "ok", "decided": count}, f"{count} items: {args.decision}")
    return EXIT_OK


def _signoff(args: argparse.Namespace) -> int:
    cid = _campaign_id(args)
    with signed_in(args) as (ctx, principal):
        c = with_step_up(
            ctx,
            principal,
            lambda p: ReviewService(ctx, p).sign_off(
                cid, carry_over=args.carry_over, note=args.note
            ),
        )
    emit(args, {"status": "ok", **c.to_json()}, f"signed off: {_line(c)}")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    cid = _campaign_id(args)
    if args.out is None:
        raise UsageError("review export needs --out DIR")
    renderer = None
    if not args.no_pdf:
        from views.reports.pdf import render_pdf

        def renderer(html: str, path: Path) -> object:
            return render_pdf(html, path, title=f"Access review {cid}")

    with signed_in(args) as (ctx, principal):
        service = ReviewService(ctx, principal)
        pack = service.export_pack(cid, args.out, render_pdf=renderer)
        if args.remediation:
            args.remediation.write_text(service.remediation_csv(cid), encoding="utf-8", newline="")
    text = f"evidence pack in {pack.folder}: {len(pack.files)} files, SHA-256 {pack.pack_sha256}"
    emit(args, {"status": "ok", **pack.to_json()}, text)
    return EXIT_OK


def _verify_remediation(args: argparse.Namespace) -> int:
    cid = _campaign_id(args)
    with signed_in(args) as (ctx, principal):
        rows = ReviewService(ctx, principal).verify_remediation(cid, args.snapshot)
    still = [r for r in rows if r.status == "still_present"]
    lines = [f"{r.agent_id:>14}  {r.decision:<7} {r.status:<14} {r.detail}" for r in rows]
    lines.append(f"{len(rows) - len(still)} verified, {len(still)} still present")
    emit(
        args,
        {"status": "ok" if not still else "still_present", "items": [r.to_json() for r in rows]},
        "\n".join(lines),
    )
    return EXIT_CHECK_FAILED if still else EXIT_OK


def _verify_pack(args: argparse.Namespace) -> int:
    if args.target is None:
        raise UsageError("review verify-pack needs the pack folder")
    check = verify_pack(Path(args.target))
    text = "OK: every file matches the manifest" if check.ok else "\n".join(check.problems)
    data = {"ok": check.ok, "pack_sha256": check.pack_sha256, "problems": list(check.problems)}
    emit(args, data, text)
    return EXIT_OK if check.ok else EXIT_CHECK_FAILED


def _rules_file(path: Path) -> str:
    """The rules in `path` as the JSON list the service takes. TOML: `[[rule]]` tables with
    `id`, `all` (statement keys) and `reason`; JSON: a list of such objects."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() != ".toml":
        return text
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML: {exc}") from None
    rules = data.get("rule", data.get("rules"))
    if not isinstance(rules, list):
        raise UsageError(f"{path} needs [[rule]] tables (id, all, reason)")
    return json.dumps(rules)


def _settings(args: argparse.Namespace) -> int:
    if args.target is not None:
        raise UsageError("review settings takes no campaign id")
    rules_json = _rules_file(args.toxic_rules) if args.toxic_rules else None
    change = args.dormant_days is not None or rules_json is not None or args.default_toxic_rules
    with signed_in(args) as (ctx, principal):
        service = ReviewService(ctx, principal)
        if change:
            current = service.update_settings(
                dormant_days=args.dormant_days,
                toxic_rules_json=rules_json,
                default_rules=args.default_toxic_rules,
            )
        else:
            current = service.settings()
    source = "custom" if current.custom_rules else "built-in"
    lines = [
        f"dormant after: {current.dormant_days} days without a login",
        f"toxic combinations ({source}, {len(current.toxic_rules)}):",
        *(f"  {r.id}: {' + '.join(r.all)} — {r.reason}" for r in current.toxic_rules),
    ]
    if change:
        lines.append("saved; campaigns created from now on use these settings")
    data = {"status": "ok", "changed": change, **current.to_json()}
    emit(args, data, "\n".join(lines))
    return EXIT_OK
