"""`privdesk retention …` and `privdesk hold …`: policies that delete, anonymise or flag
for review, their simulation and runs, and legal holds (which always win).

    privdesk retention add NAME --target tickets|users|attachments [--status S]
        [--older-than 365d] [--inactive-for 730d] [--tag T] [--group G]
        --action delete|anonymise|review [--style token|block|last4|pseudonym]
    privdesk retention list | show NAME | simulate NAME | run NAME      (run: step-up)
    privdesk hold add --ticket ID|--person ID|--tag T --reason TEXT ; privdesk hold list
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.cli.output import EXIT_CANCELLED, EXIT_OK, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in, with_step_up

if TYPE_CHECKING:
    from app.retention.policies import Policy


def register(sub: argparse._SubParsersAction[Any]) -> None:
    from app.redaction.types import MaskStyle
    from app.retention.policies import ACTIONS, STATUSES, TARGETS

    rt = add_group(sub, "retention", "retention policies: simulate, then run (step-up)")
    p = add_command(rt, "add", cmd_add, "a new retention policy")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--target", choices=TARGETS, required=True)
    p.add_argument("--status", choices=STATUSES, help="tickets with this status only")
    p.add_argument("--older-than", metavar="AGE", help="not updated for AGE (365d, 52w, 2y)")
    p.add_argument("--inactive-for", metavar="AGE", help="end users inactive for AGE")
    p.add_argument("--tag", help="only records with this tag")
    p.add_argument("--group", help="only tickets of this group (id or name)")
    p.add_argument("--action", choices=ACTIONS, required=True)
    p.add_argument("--style", choices=[m.value for m in MaskStyle], default="token",
                   help="mask style for anonymise")  # fmt: skip
    add_command(rt, "list", cmd_list, "every retention policy")
    for name, handler, text in (
        ("show", cmd_show, "a policy, its runs and Zendesk's own rules"),
        ("simulate", cmd_simulate, "what a run would do now: counts, held, samples, months"),
        ("run", cmd_run, "apply the policy (step-up; resumes an unfinished run)"),
    ):
        p = add_command(rt, name, handler, text)
        p.add_argument("name", metavar="NAME")

    hold = add_group(sub, "hold", "legal holds: kept through every retention run and erasure")
    p = add_command(hold, "add", cmd_hold_add, "hold a ticket, a person or every record with a tag")
    on = p.add_mutually_exclusive_group(required=True)
    on.add_argument("--ticket", metavar="ID")
    on.add_argument("--person", metavar="ID", help="a help-desk user id")
    on.add_argument("--tag", metavar="T")
    p.add_argument("--reason", required=True)
    add_command(hold, "list", cmd_hold_list, "every hold in force")


def _days(args: argparse.Namespace, attr: str, option: str) -> int | None:
    from app.retention.policies import parse_days

    value = getattr(args, attr)
    return None if value is None else parse_days(value, option)


def cmd_add(args: argparse.Namespace) -> int:
    from app.retention.policies import Policy, check
    from app.retention.service import RetentionService

    policy = Policy(
        args.name,
        args.target,
        args.action,
        status=args.status,
        older_than_days=_days(args, "older_than", "--older-than"),
        inactive_days=_days(args, "inactive_for", "--inactive-for"),
        tag=args.tag,
        group=args.group,
        style=args.style,
    )
    check(policy)
    with signed_in(args) as (ctx, principal):
        saved = RetentionService(ctx, principal).add(policy)
    emit(args, {"status": "ok", "policy": saved.to_json()},
         f"added {saved.name}: {saved.describe()}")  # fmt: skip
    return EXIT_OK


def _zendesk_lines() -> list[str]:
    from app.retention.policies import ZENDESK_RULES

    return ["", "Zendesk's own rules:", *(f"  - {r}" for r in ZENDESK_RULES)]


def cmd_list(args: argparse.Namespace) -> int:
    from app.retention.service import RetentionService

    with signed_in(args) as (ctx, principal):
        policies = RetentionService(ctx, principal).policies()
    text = "\n".join(f"{p.name:<24} {p.describe()}" for p in policies) or "no retention policies"
    emit(args, {"policies": [p.to_json() for p in policies]}, text)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from app.retention.policies import ZENDESK_RULES
    from app.retention.service import RetentionService

    with signed_in(args) as (ctx, principal):
        policy, runs = RetentionService(ctx, principal).show(args.name)
    lines = [
        f"{policy.name}: {policy.describe()}",
        f"added {policy.created_at} by {policy.created_by}",
    ]
    lines += [
        f"  run #{r.id} {r.status}: {r.done}/{r.total} done, {r.held} held"
        + (f" — certificate {r.certificate}" if r.certificate else "")
        for r in runs
    ] or ["  never run"]
    emit(
        args,
        {"policy": policy.to_json(), "runs": [r.to_json() for r in runs],
         "zendesk": list(ZENDESK_RULES)},
        "\n".join(lines + _zendesk_lines()),
    )  # fmt: skip
    return EXIT_OK


def _sample_line(x: dict[str, Any]) -> str:
    if "user" in x:
        return f"  user {x['user']}: {x['name']} {x['email']} (last sign-in {x['last_login_at']})"
    if "subject" in x:
        return f"  ticket {x['ticket']} [{x['status']}] {x['updated_at']}: {x['subject']}"
    return f"  comment {x['comment']} on ticket {x['ticket']}"


def _simulation_text(policy: Policy, data: dict[str, Any]) -> str:
    lines = [
        f"{policy.name}: {policy.describe()}",
        f"{data['count']} records would be affected; {data['held']} kept by legal holds",
        "",
        "By month of last activity:",
        *(f"  {m}  {n:>6}" for m, n in data["months"].items()),
        "",
        "Samples (masked):",
        *(_sample_line(x) for x in data["samples"]),
    ]
    return "\n".join(lines + _zendesk_lines())


def cmd_simulate(args: argparse.Namespace) -> int:
    from app.retention.service import RetentionService

    with signed_in(args) as (ctx, principal):
        sim = RetentionService(ctx, principal).simulate(args.name)
    data = sim.to_json()
    emit(args, data, _simulation_text(sim.policy, data))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from app.jobs import Cancelled, run_with_text_progress
    from app.retention.service import RetentionService

    with signed_in(args) as (ctx, principal):
        run = with_step_up(ctx, principal, lambda p: RetentionService(ctx, p).start(args.name))
        try:
            done = run_with_text_progress(
                lambda c: RetentionService(ctx, principal).run(run.id, c), label="retention"
            )
        except Cancelled:
            sys.stderr.write(
                f"privdesk: cancelled; run #{run.id} stopped at a checkpoint "
                f"(`privdesk retention run {args.name}` resumes it)\n"
            )
            return EXIT_CANCELLED
    data = done.to_json()
    emit(
        args,
        data,
        f"run #{done.id}: {done.total} records ({data['deleted']} deleted), {done.held} held; "
        f"certificate {done.certificate}",
    )
    return EXIT_OK


def cmd_hold_add(args: argparse.Namespace) -> int:
    from app.retention.service import RetentionService

    kind, ref = next((k, getattr(args, k)) for k in ("ticket", "person", "tag") if getattr(args, k))
    with signed_in(args) as (ctx, principal):
        h = RetentionService(ctx, principal).add_hold(kind, ref, args.reason)
    emit(args, {"status": "ok", "hold": h.to_json()}, f"hold {h.id}: {h.kind} {h.ref}")
    return EXIT_OK


def cmd_hold_list(args: argparse.Namespace) -> int:
    from app.retention.service import RetentionService

    with signed_in(args) as (ctx, principal):
        holds = RetentionService(ctx, principal).holds()
    lines = [
        f"{h.id:<8} {h.kind:<6} {h.ref:<14} {h.basis:<14} {h.reason}"
        f"  ({h.created_by}, {h.created_at})"
        for h in holds
    ]
    emit(args, {"holds": [h.to_json() for h in holds]}, "\n".join(lines) or "no holds")
    return EXIT_OK
