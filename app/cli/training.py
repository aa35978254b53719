"""`privdesk training …`: programmes, LMS completions, GoPhish results, status, quizzes.

privdesk training list                                    every programme
privdesk training programmes add NAME [--months 12] --role agent|admin … [--group G …]
    [--custom-role C …] [--description TEXT]
privdesk training import --kind completions --programme NAME [--map FILE] FILE
privdesk training import --kind phishing [--campaign NAME] FILE   (GoPhish CSV or JSON)
privdesk training status [--lapsed]                       current/due soon/overdue/never
privdesk training phishing [--campaign NAME]              GoPhish results, emails masked
privdesk training quiz list | export NAME --agent EMAIL --out FILE | import FILE
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.cli.output import EXIT_OK, UsageError, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in


def register(sub: argparse._SubParsersAction[Any]) -> None:
    tr = add_group(sub, "training", "training programmes, completions, phishing tests, quizzes")
    add_command(tr, "list", cmd_list, "every training programme and its audience")
    progs = add_group(tr, "programmes", "training programmes")
    p = add_command(progs, "add", cmd_programme_add, "a programme required of an audience")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--months", type=int, default=12, help="repeat every N months (12)")
    p.add_argument("--role", action="append", default=[], choices=("agent", "admin"))
    p.add_argument("--group", action="append", default=[], metavar="G", help="help-desk group")
    p.add_argument("--custom-role", action="append", default=[], metavar="C")
    p.add_argument("--description", default="")
    p = add_command(tr, "import", cmd_import, "an LMS completion export or GoPhish results")
    p.add_argument("--kind", choices=("completions", "phishing"), required=True)
    p.add_argument("--map", type=Path, metavar="FILE", help="LMS column mapping (TOML)")
    p.add_argument("--programme", metavar="NAME", help="completions: the programme")
    p.add_argument("--campaign", metavar="NAME", help="phishing: the campaign's name")
    p.add_argument("file", type=Path, metavar="FILE")
    p = add_command(tr, "status", cmd_status, "each agent's status in each programme")
    p.add_argument("--lapsed", action="store_true", help="only overdue or never completed")
    p = add_command(tr, "phishing", cmd_phishing, "phishing-simulation results (emails masked)")
    p.add_argument("--campaign", metavar="NAME")
    quiz = add_group(tr, "quiz", "quizzes answered offline in a browser")
    add_command(quiz, "list", cmd_quiz_list, "the quizzes shipped")
    p = add_command(quiz, "export", cmd_quiz_export, "one self-contained HTML quiz for an agent")
    p.add_argument("name", metavar="QUIZ")
    p.add_argument("--agent", required=True, metavar="EMAIL")
    p.add_argument("--out", type=Path, required=True, metavar="FILE")
    p = add_command(quiz, "import", cmd_quiz_import, "verify and score a results file")
    p.add_argument("file", type=Path, metavar="FILE")


def cmd_list(args: argparse.Namespace) -> int:
    from app.training.service import TrainingService

    with signed_in(args) as (ctx, principal):
        progs = TrainingService(ctx, principal).programmes()
    lines = [
        f"{p.name:<32} every {p.recurrence_months:>3} months  {p.audience.text()}" for p in progs
    ]
    text = "\n".join(lines) or "no training programmes (add one: privdesk training programmes add)"
    emit(args, {"programmes": [p.to_json() for p in progs]}, text)
    return EXIT_OK


def cmd_programme_add(args: argparse.Namespace) -> int:
    from app.training.service import TrainingService

    with signed_in(args) as (ctx, principal):
        p = TrainingService(ctx, principal).add_programme(
            args.name,
            description=args.description,
            recurrence_months=args.months,
            roles=tuple(args.role),
            groups=tuple(args.group),
            custom_roles=tuple(args.custom_role),
        )
    emit(args, {"status": "ok", "programme": p.to_json()}, f"added {p.name}: {p.audience.text()}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from app.training.service import TrainingService

    if not args.file.is_file():
        raise UsageError(f"{args.file.name}: no such file")
    if args.kind == "completions" and not args.programme:
        raise UsageError("--kind completions needs --programme NAME (the export's course)")
    if args.kind == "phishing" and args.map:
        raise UsageError("--map applies to --kind completions (GoPhish files have one shape)")
    with signed_in(args) as (ctx, principal):
        svc = TrainingService(ctx, principal)
        if args.kind == "completions":
            r = svc.import_completions(args.file, programme=args.programme, mapping=args.map)
            text = (
                f"{r.added} completions added, {r.updated} already known, {r.skipped} not complete"
            )
        else:
            r = svc.import_phishing(args.file, campaign=args.campaign)
            text = f"{r.campaign}: {r.added} results added, {r.updated} updated"
            text += f", {r.skipped} not yet emailed" if r.skipped else ""
    emit(args, {"status": "ok", **r.to_json()}, text)
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from app.training.service import TrainingService

    with signed_in(args) as (ctx, principal):
        rows = TrainingService(ctx, principal).status()
    if args.lapsed:
        rows = [r for r in rows if r.state in ("overdue", "never")]
    lines = [
        f"{r.programme:<28} {r.agent:<24} {r.state_text:<16} "
        f"{'due ' + r.due_at[:10] if r.due_at else ''}"
        for r in rows
    ]
    text = "\n".join(lines) or "no agent is required to train (add a programme; import agents)"
    emit(args, {"status": [r.to_json() for r in rows]}, text)
    return EXIT_OK


def cmd_phishing(args: argparse.Namespace) -> int:
    from app.training.service import TrainingService

    with signed_in(args) as (ctx, principal):
        rows = TrainingService(ctx, principal).phishing_results(args.campaign)
    lines = [f"{r.campaign:<28} {r.email:<28} {r.status}" for r in rows]
    emit(args, {"results": [r.to_json() for r in rows]}, "\n".join(lines) or "no results")
    return EXIT_OK


def cmd_quiz_list(args: argparse.Namespace) -> int:
    from app.training.service import TrainingService

    with signed_in(args) as (ctx, principal):
        qs = TrainingService(ctx, principal).quizzes()
    lines = [
        f"{q.name:<24} {q.questions:>3} questions, pass {q.pass_mark:g}%  {q.title}" for q in qs
    ]
    emit(args, {"quizzes": [q.to_json() for q in qs]}, "\n".join(lines) or "no quizzes")
    return EXIT_OK


def cmd_quiz_export(args: argparse.Namespace) -> int:
    from app.training.service import TrainingService

    with signed_in(args) as (ctx, principal):
        out = TrainingService(ctx, principal).export_quiz(args.name, args.agent, args.out)
    emit(args, {"status": "ok", **out.to_json()}, f"export {out.export_id}: wrote {out.path}")
    return EXIT_OK


def cmd_quiz_import(args: argparse.Namespace) -> int:
    from app.training.service import TrainingService

    if not args.file.is_file():
        raise UsageError(f"{args.file.name}: no such file")
    with signed_in(args) as (ctx, principal):
        r = TrainingService(ctx, principal).import_quiz_results(args.file)
    verdict = "passed" if r.passed else f"not passed (pass mark {r.pass_mark:g}%)"
    extra = "; completion recorded" if r.completion_recorded else ""
    emit(args, {"status": "ok", **r.to_json()}, f"{r.quiz}: {r.score:g}% {verdict}{extra}")
    return EXIT_OK
