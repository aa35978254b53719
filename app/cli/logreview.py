"""CLI: `privdesk logreview …` — periodic log review attestation (issue 20).

privdesk logreview status                       # the last complete period: due, overdue?
privdesk logreview start [--period-start DATE]  # default: the last complete period
privdesk logreview show [ID]
privdesk logreview signoff ID [--note TEXT]     # step-up
privdesk logreview export ID --out DIR [--no-pdf]
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any

from app.cli.frontends import frontends
from app.cli.output import EXIT_OK, UsageError, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in, with_step_up


def register(sub: argparse._SubParsersAction[Any]) -> None:
    group = add_group(sub, "logreview", "review the period's logs and alerts, and sign it off")
    add_command(group, "status", cmd_status, "is the last period's review due or overdue?")
    p = add_command(group, "start", cmd_start, "open the review of the last complete period")
    p.add_argument("--period-start", metavar="DATE", help="a date in the period to review")
    p = add_command(group, "show", cmd_show, "a review: summary, alerts, sign-off")
    p.add_argument("id", type=int, nargs="?", metavar="ID", help="default: the latest")
    p = add_command(group, "signoff", cmd_signoff, "sign the review off (step-up)")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--note", default="")
    p = add_command(group, "export", cmd_export, "evidence: HTML, PDF, CSV, JSON, manifest")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("--out", type=Path, required=True, metavar="DIR")
    p.add_argument("--no-pdf", action="store_true", help="skip the PDF")


def _json(d: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "period": {
            "kind": d.period.kind,
            "start": d.period.start.isoformat(),
            "end": d.period.end.isoformat(),
            "due": d.period.due.isoformat(),
        },
        "status": d.status,
        "overdue": d.overdue,
        "started_at": d.started_at,
        "started_by": d.started_by,
        "signed_at": d.signed_at,
        "signed_by": d.signed_by,
        "digest": d.digest,
        "summary": d.summary,
    }


def _text(d: Any) -> str:
    lines = [
        f"Log review #{d.id}: {d.period.label} — {d.status}" + ("  OVERDUE" if d.overdue else "")
    ]
    lines += [f"  {k}: {v} events" for k, v in d.summary["events"].items()]
    lines.append(f"  alerts: {len(d.alerts)} " + str(d.summary["alerts_by_status"]))
    if d.signed_at:
        lines.append(f"Signed off by {d.signed_by} at {d.signed_at} (SHA-256 {d.digest})")
    return "\n".join(lines)


def cmd_status(args: argparse.Namespace) -> int:
    from app.monitoring.logreview import LogReviewService

    with signed_in(args) as (ctx, principal):
        st = LogReviewService(ctx, principal).status()
    data = {
        "period": {
            "kind": st.period.kind,
            "start": st.period.start.isoformat(),
            "end": st.period.end.isoformat(),
            "due": st.period.due.isoformat(),
        },
        "review_id": st.review_id,
        "review_status": st.review_status,
        "overdue": st.overdue,
    }
    state = st.review_status or "not started"
    text = f"{st.period.label}: {state}, due {st.period.due.isoformat()}"
    emit(args, data, text + ("  OVERDUE" if st.overdue else ""))
    return EXIT_OK


def cmd_start(args: argparse.Namespace) -> int:
    from app.monitoring.logreview import LogReviewService

    start = None
    if args.period_start:
        try:
            start = date.fromisoformat(args.period_start)
        except ValueError:
            msg = f"--period-start: expected YYYY-MM-DD, got {args.period_start!r}"
            raise UsageError(msg) from None
    with signed_in(args) as (ctx, principal):
        d = LogReviewService(ctx, principal).start(start)
    emit(args, _json(d), _text(d))
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from app.monitoring.logreview import LogReviewService

    with signed_in(args) as (ctx, principal):
        d = LogReviewService(ctx, principal).show(args.id)
    emit(args, _json(d), _text(d))
    return EXIT_OK


def cmd_signoff(args: argparse.Namespace) -> int:
    from app.monitoring.logreview import LogReviewService

    with signed_in(args) as (ctx, principal):
        d = with_step_up(
            ctx, principal, lambda p: LogReviewService(ctx, p).signoff(args.id, args.note)
        )
    emit(args, _json(d), _text(d))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from app.monitoring.logreview import LogReviewService

    renderer = None
    if not args.no_pdf:
        render_pdf = frontends(args).pdf(" (or pass --no-pdf)")

        def renderer(html: str, path: Path) -> object:
            return render_pdf(html, path, title=f"Log review {args.id}")

    with signed_in(args) as (ctx, principal):
        names = LogReviewService(ctx, principal).export(args.id, args.out, renderer)
    emit(
        args,
        {"folder": str(args.out), "files": list(names)},
        f"Log review evidence in {args.out}: {len(names)} files",
    )
    return EXIT_OK
