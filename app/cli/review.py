"""`privdesk review create|list|show|findings|decide|redecide|signoff|export|
verify-remediation|verify-pack|settings|permissions`: quarterly access reviews.

`decide --all-open` / `--finding TYPE` decide only the items still open and say how many
decided items they left alone; `decide --agent` refuses an item that is already decided.
`redecide` is the one way to change a decision: the earlier one stays in the history.

The evidence pack's PDF is rendered by the Qt front end (`views.reports.pdf`).
"""

from __future__ import annotations

import argparse
import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

from app.cli import review_permissions
from app.cli.frontends import frontends
from app.cli.output import EXIT_CHECK_FAILED, EXIT_OK, UsageError, emit
from app.cli.parsing import Handler, add_command, add_group
from app.cli.unlock import signed_in, with_step_up
from app.review import ReviewService
from app.review.evidence import verify_pack
from app.review.findings import FINDING_TYPES
from app.review.records import DECISIONS, CampaignSummary, ItemRow
from app.wording import counted


def register(sub: argparse._SubParsersAction[Any]) -> None:
    group = add_group(sub, "review", "quarterly access reviews")
    p = add_command(group, "create", cmd_create, "start a campaign over a help-desk snapshot")
    p.add_argument("--name", help="campaign name (default: the current quarter)")
    p.add_argument("--snapshot", type=int, help="snapshot id (default: the latest)")
    p.add_argument(
        "--scope",
        default="all",
        metavar="SCOPE",
        help="all | admins | group:NAME | role:NAME (default all)",
    )
    p.add_argument("--reviewer", action="append", help="reviewer username (repeatable)")
    p.add_argument("--due", metavar="YYYY-MM-DD", help="due date")
    add_command(group, "list", cmd_list, "every campaign and its progress")
    _campaign(group, "show", cmd_show, "progress, reminders and the quarter-over-quarter diff")
    p = _campaign(group, "findings", cmd_findings, "the automatic findings")
    p.add_argument("--type", dest="types", action="append", choices=FINDING_TYPES)
    p = _campaign(group, "decide", cmd_decide, "keep, revoke or modify access (open items)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--agent", type=int, action="append", help="help-desk agent id")
    which.add_argument(
        "--finding", choices=FINDING_TYPES, help="every open item with it (decided: left alone)"
    )
    which.add_argument("--all-open", action="store_true", help="every open item")
    _decision_args(p)
    p = _campaign(group, "redecide", cmd_redecide, "change one decided item (history kept)")
    p.add_argument("--agent", type=int, required=True, help="help-desk agent id")
    _decision_args(p)
    p.add_argument("--reason", required=True, help="why the earlier decision changes")
    p = _campaign(group, "signoff", cmd_signoff, "sign the campaign off (step-up)")
    p.add_argument("--carry-over", action="store_true", help="carry open items over")
    p.add_argument("--note", help="a note for the record")
    p = _campaign(group, "export", cmd_export, "write the evidence pack")
    p.add_argument("--out", type=Path, required=True, help="folder for the evidence pack")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF")
    p.add_argument("--remediation", type=Path, help="also write the remediation CSV")
    p = _campaign(group, "verify-remediation", cmd_verify_remediation, "proof of revocation")
    p.add_argument("--snapshot", type=int, help="the later snapshot (default: the latest)")
    p = add_command(group, "verify-pack", cmd_verify_pack, "check a pack against its manifest")
    p.add_argument("pack", type=Path, metavar="FOLDER", help="the evidence pack folder")
    p = add_command(group, "settings", cmd_settings, "dormancy and toxic-combination rules")
    p.add_argument(
        "--dormant-days", type=int, metavar="N", help="dormant after N days without login"
    )
    p.add_argument(
        "--toxic-rules",
        type=Path,
        metavar="FILE",
        help="toxic-combination rules from a JSON list or a TOML file of [[rule]]",
    )
    p.add_argument(
        "--default-toxic-rules",
        action="store_true",
        help="go back to the built-in toxic-combination rules",
    )
    review_permissions.register(group)


def _decision_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--decision", choices=DECISIONS, required=True, help="keep, revoke or modify")
    p.add_argument("--target-role", help="the role to move to (modify)")
    p.add_argument(
        "--justification",
        help="why (needed for revoke, modify, and keep on an item with findings)",
    )


def _campaign(
    group: argparse._SubParsersAction[Any], name: str, handler: Handler, help_text: str
) -> argparse.ArgumentParser:
    """An action on one campaign."""
    p = add_command(group, name, handler, help_text)
    p.add_argument("campaign", type=int, metavar="CAMPAIGN", help="campaign id")
    return p


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


def cmd_create(args: argparse.Namespace) -> int:
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


def cmd_list(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        rows = ReviewService(ctx, principal).campaigns()
    text = "\n".join(_line(c) for c in rows) or "no access review campaigns yet"
    emit(args, {"campaigns": [c.to_json() for c in rows]}, text)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    cid = args.campaign
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


def cmd_findings(args: argparse.Namespace) -> int:
    cid = args.campaign
    with signed_in(args) as (ctx, principal):
        rows = ReviewService(ctx, principal).findings(cid)
    if args.types:
        rows = [r for r in rows if r.type in args.types]
    text = "\n".join(
        f"{r.agent_id or '-':>14}  {r.email or '':<34} {r.phrase:<40} {r.reason}" for r in rows
    )
    emit(args, {"findings": [r.to_json() for r in rows]}, text or "no findings")
    return EXIT_OK


def cmd_decide(args: argparse.Namespace) -> int:
    cid = args.campaign
    with signed_in(args) as (ctx, principal):
        service = ReviewService(ctx, principal)
        items = service.items(cid)
        if args.agent:
            ids = _agent_items(items, args.agent, cid)
            count = service.decide(
                ids, args.decision, target_role=args.target_role, justification=args.justification
            )
            emit(
                args,
                {"status": "ok", "decided": count, "left_alone": 0},
                f"decided {counted(count, 'item')}: {args.decision}",
            )
            return EXIT_OK
        ids = [i.id for i in items if args.all_open or args.finding in i.finding_types]
        if not ids:
            raise UsageError(f"no item of campaign {cid} has the finding {args.finding}")
        result = service.decide_bulk(
            ids, args.decision, target_role=args.target_role, justification=args.justification
        )
    lines = [
        f"decided {counted(result.decided, 'open item')}: {args.decision}",
        f"left alone {counted(result.left_alone, 'already-decided item')} (a decision is never "
        "overwritten; change one with `review redecide`)",
    ]
    if result.own_account:
        lines.append(f"left {result.own_account} (your own help-desk account) to another reviewer")
    emit(args, {"status": "ok", **result.to_json()}, "\n".join(lines))
    return EXIT_OK


def _agent_items(items: list[ItemRow], agents: list[int], cid: int) -> list[int]:
    by_agent = {i.agent_id: i for i in items}
    missing = [a for a in agents if a not in by_agent]
    if missing:
        raise UsageError(f"agent {missing[0]} is not in campaign {cid}")
    return [by_agent[a].id for a in agents]


def cmd_redecide(args: argparse.Namespace) -> int:
    cid = args.campaign
    with signed_in(args) as (ctx, principal):
        service = ReviewService(ctx, principal)
        (item_id,) = _agent_items(service.items(cid), [args.agent], cid)
        detail = service.change_decision(
            item_id,
            args.decision,
            reason=args.reason,
            target_role=args.target_role,
            justification=args.justification,
        )
    it = detail.item
    before = it.earlier[-1] if it.earlier else None
    text = f"agent {args.agent}: {before.text if before else '?'} → {args.decision}"
    emit(
        args,
        {
            "status": "ok",
            "item": it.to_json(),
            "earlier": before.to_json() if before else None,
        },
        text + " (the earlier decision stays in the history)",
    )
    return EXIT_OK


def cmd_signoff(args: argparse.Namespace) -> int:
    cid = args.campaign
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


def cmd_export(args: argparse.Namespace) -> int:
    cid = args.campaign
    renderer = None
    if not args.no_pdf:
        render_pdf = frontends(args).pdf(" (or pass --no-pdf)")

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


def cmd_verify_remediation(args: argparse.Namespace) -> int:
    cid = args.campaign
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


def cmd_verify_pack(args: argparse.Namespace) -> int:
    check = verify_pack(args.pack)
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


def cmd_settings(args: argparse.Namespace) -> int:
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
