"""`privdesk review permissions [--snapshot N] [--agent ID] [--permission KEY]`: each
agent's expanded permissions in a directory snapshot, and who can do what through what.

No option: every statement and how many agents hold it. `--agent`: that agent's statements,
each with what grants it. `--permission`: who holds a statement (``tickets.delete``) or
what a configuration key (``ticket_editing``) granted, and to whom. E-mails are masked
unless the operator may reveal personal data; every call is audited.
"""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.output import EXIT_OK, emit
from app.cli.parsing import add_command
from app.cli.unlock import signed_in
from app.review import ReviewService
from app.review.expansion import AgentExpansion, PermissionsView


def register(group: argparse._SubParsersAction[Any]) -> None:
    p = add_command(
        group, "permissions", cmd_permissions, "who can see and do what in the directory"
    )
    p.add_argument("--snapshot", type=int, help="directory snapshot id (default: the latest)")
    p.add_argument("--agent", type=int, metavar="ID", help="one agent's expanded permissions")
    p.add_argument(
        "--permission",
        metavar="KEY",
        help="a statement (tickets.delete) or a Zendesk role key (ticket_editing)",
    )


def _who(a: AgentExpansion) -> str:
    email = f" <{a.email}>" if a.email else ""
    return f"{a.agent_id if a.agent_id is not None else '-'} {a.name or '(no name)'}{email}"


def _agent_lines(a: AgentExpansion) -> list[str]:
    lines = [f"{_who(a)} — {a.role_name}"]
    if a.unknown_custom_role is not None:
        lines.append(
            f"  ! unknown custom role {a.unknown_custom_role}: not among the imported custom "
            "roles, so none of its permissions are shown"
        )
    width = max((len(g.text) for g in a.grants), default=0)
    lines += [f"  {g.text:<{width}}  [{g.key}]  via {g.via}" for g in a.grants]
    return lines


def text_of(view: PermissionsView) -> str:
    head = f"snapshot #{view.snapshot_id}"
    if view.agent_id is not None and not view.agents:
        return f"{head}: agent {view.agent_id} holds no {view.permission}"
    if view.agent_id is not None:
        return "\n".join([head, *(line for a in view.agents for line in _agent_lines(a))])
    if view.permission is not None:
        meaning = f" ({view.meaning})" if view.meaning else ""
        lines = [f"{head}: {view.permission}{meaning} — {len(view.agents)} agents"]
        for a in view.agents:
            lines.append(f"  {_who(a)} — {a.role_name}")
            lines += [f"      {g.text}  [{g.key}]  via {g.via}" for g in a.grants]
        return "\n".join(lines)
    lines = [f"{head}: {len(view.agents)} agents and admins"]
    lines += [f"  {c.holders:>5}  {c.text}  [{c.key}]" for c in view.counts]
    unknown = [a for a in view.agents if a.unknown_custom_role is not None]
    if unknown:
        lines.append(f"  {len(unknown)} agents have an unknown custom role (see --agent ID)")
    return "\n".join(lines)


def cmd_permissions(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        view = ReviewService(ctx, principal).directory_permissions(
            args.snapshot, agent_id=args.agent, permission=args.permission
        )
    emit(args, view.to_json(), text_of(view))
    return EXIT_OK
