"""`privdesk policies …`, `privdesk evidence …`, `privdesk trust …` (issue 21).

privdesk policies list | due
privdesk policies add KEY --title T --file DOC --next-review DATE [--owner USER]
privdesk policies approve KEY [--version N] | retire KEY [--version N]
privdesk policies acknowledge KEY          (any role: the signed-in operator)
privdesk evidence pack --framework gdpr|soc2|iso27001|pci [--from D] [--to D] --out DIR
    [--no-pdf]
privdesk evidence verify DIR
privdesk trust preview [--out FILE] | approve (step-up) | export --out FILE
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.frontends import frontends
from app.cli.output import EXIT_CANCELLED, EXIT_OK, UsageError, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in, with_step_up

if TYPE_CHECKING:
    from app.compliance.policies import PolicyRow

FRAMEWORK_CHOICES = ("gdpr", "soc2", "iso27001", "pci")
EXIT_FAILED = 1


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r}: not a date (use YYYY-MM-DD)") from None


def register(sub: argparse._SubParsersAction[Any]) -> None:
    pol = add_group(sub, "policies", "policies: versions, approval, acknowledgement, reviews due")
    add_command(pol, "list", cmd_list, "every policy version and its acknowledgements")
    add_command(pol, "due", cmd_due, "approved policies whose review is within 30 days or past")
    p = add_command(pol, "add", cmd_add, "a new policy, or a new draft version of KEY")
    p.add_argument("key", metavar="KEY", help="a short name: acceptable-use")
    p.add_argument("--title", required=True)
    p.add_argument("--file", type=Path, required=True, help="the document (hashed, not stored)")
    p.add_argument("--next-review", required=True, metavar="DATE")
    p.add_argument("--owner", default="", help="operator who owns it (default: you)")
    for name, handler, text in (
        ("approve", cmd_approve, "approve a draft version (retires the one it replaces)"),
        ("retire", cmd_retire, "retire a version"),
    ):
        p = add_command(pol, name, handler, text)
        p.add_argument("key", metavar="KEY")
        p.add_argument("--version", type=int, help="default: the latest")
    p = add_command(pol, "acknowledge", cmd_acknowledge, "acknowledge KEY's approved version")
    p.add_argument("key", metavar="KEY")

    ev = add_group(sub, "evidence", "control-mapped evidence packs for auditors")
    p = add_command(ev, "pack", cmd_pack, "write a framework's evidence pack into a new folder")
    p.add_argument("--framework", choices=FRAMEWORK_CHOICES, required=True)
    p.add_argument("--from", dest="start", metavar="DATE", help="default: 90 days before --to")
    p.add_argument("--to", dest="end", metavar="DATE", help="default: today")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="new or empty folder")
    p.add_argument("--no-pdf", action="store_true", help="skip index.pdf")
    p = add_command(ev, "verify", cmd_verify, "re-hash a pack against its manifest")
    p.add_argument("folder", type=Path, metavar="DIR")

    tr = add_group(sub, "trust", "the customer trust summary: preview, approve, export")
    p = add_command(tr, "preview", cmd_preview, "the summary the workspace's state gives now")
    p.add_argument("--out", type=Path, metavar="FILE", help="also write the HTML here")
    add_command(tr, "approve", cmd_approve_trust, "approve the current summary (step-up)")
    p = add_command(tr, "export", cmd_export, "write the summary, if its content is approved")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")


def _line(r: PolicyRow) -> str:
    mark = " (acknowledged by you)" if r.acknowledged_by_me else ""
    return (
        f"{r.key} v{r.version} [{r.status}] {r.title} — {r.file_name} sha256 {r.sha256[:12]}…, "
        f"review by {r.next_review}, {r.acknowledgements} acknowledgement(s){mark}"
    )


def cmd_list(args: argparse.Namespace) -> int:
    from app.compliance.policies import PolicyService

    with signed_in(args) as (ctx, principal):
        rows = PolicyService(ctx, principal).policies()
    text = "\n".join(_line(r) for r in rows) or "no policies yet: `privdesk policies add`"
    emit(args, {"policies": [r.to_json() for r in rows]}, text)
    return EXIT_OK


def cmd_due(args: argparse.Namespace) -> int:
    from app.compliance.policies import PolicyService

    with signed_in(args) as (ctx, principal):
        rows = PolicyService(ctx, principal).due()
    text = "\n".join(_line(r) for r in rows) or "no policy review is due in the next 30 days"
    emit(args, {"due": [r.to_json() for r in rows]}, text)
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    from app.compliance.policies import PolicyService

    review = _day(args.next_review, "--next-review")
    if not args.file.is_file():
        raise UsageError(f"--file {args.file}: no such file")
    with signed_in(args) as (ctx, principal):
        row = PolicyService(ctx, principal).add(
            args.key, args.title, args.file, next_review=review, owner=args.owner
        )
    emit(args, {"status": "ok", "policy": row.to_json()}, f"added {_line(row)}")
    return EXIT_OK


def cmd_approve(args: argparse.Namespace) -> int:
    from app.compliance.policies import PolicyService

    with signed_in(args) as (ctx, principal):
        row = PolicyService(ctx, principal).approve(args.key, args.version)
    emit(args, {"status": "ok", "policy": row.to_json()}, f"approved {_line(row)}")
    return EXIT_OK


def cmd_retire(args: argparse.Namespace) -> int:
    from app.compliance.policies import PolicyService

    with signed_in(args) as (ctx, principal):
        row = PolicyService(ctx, principal).retire(args.key, args.version)
    emit(args, {"status": "ok", "policy": row.to_json()}, f"retired {_line(row)}")
    return EXIT_OK


def cmd_acknowledge(args: argparse.Namespace) -> int:
    from app.compliance.policies import PolicyService

    with signed_in(args) as (ctx, principal):
        row = PolicyService(ctx, principal).acknowledge(args.key)
    emit(args, {"status": "ok", "policy": row.to_json()}, f"acknowledged {_line(row)}")
    return EXIT_OK


def cmd_pack(args: argparse.Namespace) -> int:
    from app.compliance.evidence import EvidenceService
    from app.evidence_types import Period
    from app.jobs import Cancelled, run_with_text_progress

    renderer = None
    if not args.no_pdf:
        render_pdf = frontends(args).pdf(" (or pass --no-pdf)")
        title = f"Evidence pack ({args.framework})"

        def renderer(html: str, path: Path) -> object:
            return render_pdf(html, path, title=title)

    with signed_in(args) as (ctx, principal):
        end = _day(args.end, "--to") if args.end else ctx.clock.now().date()
        start = _day(args.start, "--from") if args.start else end - timedelta(days=90)
        if end < start:
            raise UsageError(f"--to {end} is before --from {start}")
        service = EvidenceService(ctx, principal)
        try:
            pack = run_with_text_progress(
                lambda c: service.pack(
                    args.framework, Period(start, end), args.out, render_pdf=renderer, control=c
                ),
                label="evidence pack",
            )
        except Cancelled:
            sys.stderr.write("privdesk: cancelled; nothing was written\n")
            return EXIT_CANCELLED
    lines = [
        f"evidence pack in {pack.folder}: {pack.files} files, manifest SHA-256 "
        f"{pack.manifest_sha256}",
        f"{len(pack.gaps)} gap(s)" + (":" if pack.gaps else ""),
        *(f"  - {g}" for g in pack.gaps),
    ]
    emit(args, {"status": "ok", **pack.to_json()}, "\n".join(lines))
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from app.compliance.evidence import verify_pack

    check = verify_pack(args.folder)
    if check.ok:
        text = (
            f"{args.folder}: all {check.files} files match the manifest ({check.manifest_sha256})"
        )
    else:
        text = f"{args.folder}: DOES NOT MATCH its manifest\n" + "\n".join(
            f"  - {p}" for p in check.problems
        )
    emit(args, {"status": "ok" if check.ok else "failed", **check.to_json()}, text)
    return EXIT_OK if check.ok else EXIT_FAILED


def cmd_preview(args: argparse.Namespace) -> int:
    from app.compliance.trust import TrustService

    with signed_in(args) as (ctx, principal):
        summary = TrustService(ctx, principal).preview()
    if args.out:
        args.out.write_text(summary.html, encoding="utf-8", newline="")
    state = (
        f"approved by {summary.approved_by} at {summary.approved_at}"
        if summary.approved
        else "NOT approved (`privdesk trust approve`)"
    )
    f = summary.facts
    lines = [
        f"trust summary SHA-256 {summary.sha256}: {state}",
        f"  store: {f.backend}, {f.sealed_columns} personal-data columns sealed",
        f"  MFA: {f.operators_mfa} of {f.operators_active} active operators",
        f"  last access review signed off: {f.last_review_signed or 'never'}",
        f"  DSARs closed on time: {f.dsar_on_time} of {f.dsar_closed}",
        f"  drills run: {f.drills_run}",
        "  vendors: "
        + ("not installed in this workspace" if f.vendors is None else f"{len(f.vendors)}"),
    ]
    if args.out:
        lines.append(f"HTML written to {args.out}")
    emit(args, {**summary.to_json(), "html": summary.html}, "\n".join(lines))
    return EXIT_OK


def cmd_approve_trust(args: argparse.Namespace) -> int:
    from app.compliance.trust import TrustService

    with signed_in(args) as (ctx, principal):
        summary = with_step_up(ctx, principal, lambda p: TrustService(ctx, p).approve())
    emit(
        args,
        {"status": "ok", **summary.to_json()},
        f"approved the trust summary (SHA-256 {summary.sha256})",
    )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from app.compliance.trust import TrustService

    with signed_in(args) as (ctx, principal):
        summary = TrustService(ctx, principal).export(args.out)
    emit(
        args,
        {"status": "ok", "out": str(args.out), **summary.to_json()},
        f"trust summary written to {args.out} (SHA-256 {summary.sha256})",
    )
    return EXIT_OK
