"""CLI: `privdesk redact text|scan|history` and `privdesk rules test`.

`redact text` / `redact scan` / `rules test` work without a workspace: the built-in rules,
overlaid by `--rules FILE` (a rule with the same id replaces the built-in one). Output
never carries a matched value: masked text and offsets (code points of the input).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli.output import (
    EXIT_BAD_INPUT,
    EXIT_CANCELLED,
    EXIT_CHECK_FAILED,
    EXIT_OK,
    UsageError,
    emit,
    wants_json,
)
from app.cli.parsing import add_command, add_group
from app.redaction import (
    Finding,
    MaskStyle,
    RedactionEngine,
    Rule,
    builtin_rules,
    load_rules_text,
)

# (`redact text` / `redact scan` / `rules test` import no workspace, SQLAlchemy or Qt code:
# `redact history` imports what it needs in its handler.)


def register(sub: argparse._SubParsersAction[Any]) -> None:
    redact = add_group(sub, "redact", "mask personal data; redact history")
    p = add_command(redact, "text", cmd_text, "stdin → masked text (no workspace)")
    _rules_option(p)
    _style_option(p)
    p = add_command(redact, "scan", cmd_scan, "JSONL batch scan: findings per line (no workspace)")
    p.add_argument(
        "--jsonl", type=Path, required=True, metavar="FILE", help="input lines {id, text}; - stdin"
    )
    _rules_option(p)
    p = add_command(redact, "history", cmd_history, "preview or rewrite stored tickets (step-up)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="impact preview only")
    mode.add_argument("--apply", action="store_true", help="rewrite stored tickets")
    mode.add_argument("--resume", type=int, metavar="RUN", help="resume a run")
    p.add_argument("--rule", action="append", metavar="ID", help="only these rules")
    p.add_argument("--plan", type=Path, metavar="FILE", help="write the Zendesk plan")
    _style_option(p)

    rules = add_group(sub, "rules", "check every redaction rule's examples")
    p = add_command(rules, "test", cmd_rules_test, "every must-match / must-not-match example")
    _rules_option(p)


def _rules_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--rules", type=Path, metavar="FILE", help="TOML rules over the built-ins")


def _style_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--style",
        choices=[s.value for s in MaskStyle],
        help="one mask style for every finding (default: each rule's own)",
    )


def offline_rules(path: Path | None) -> list[Rule]:
    rules = builtin_rules()
    if path is None:
        return rules
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    extra = {r.id: r for r in load_rules_text(text, source=str(path))}
    merged = [extra.pop(r.id, r) for r in rules]
    return merged + list(extra.values())


def _style(args: argparse.Namespace) -> MaskStyle | None:
    return MaskStyle(args.style) if args.style else None


def cmd_text(args: argparse.Namespace) -> int:
    engine = RedactionEngine(offline_rules(args.rules))
    source = sys.stdin.read()
    findings = engine.scan(source)
    masked = engine.apply(source, findings, _style(args))
    if wants_json(args):
        print(json.dumps({"text": masked, "findings": [f.to_json() for f in findings]}))
    else:
        sys.stdout.write(masked)
    return EXIT_OK


def cmd_scan(args: argparse.Namespace) -> int:
    engine = RedactionEngine(offline_rules(args.rules))
    try:
        stream = sys.stdin if str(args.jsonl) == "-" else args.jsonl.open(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{args.jsonl}: cannot read ({exc.strerror})") from None
    batch: list[tuple[Any, str]] = []
    out = sys.stdout

    def flush() -> None:
        found = engine.scan_many([t for _, t in batch])
        out.write("".join(_scan_line(i, f) for (i, _), f in zip(batch, found, strict=True)))
        batch.clear()

    with stream:
        for n, line in enumerate(stream, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                ident, text = record["id"], record["text"]
                if not isinstance(text, str):
                    raise TypeError
            except (ValueError, KeyError, TypeError):
                flush()
                sys.stderr.write(f"privdesk: {args.jsonl}: line {n}: expected {{id, text}}\n")
                return EXIT_BAD_INPUT
            batch.append((ident, text))
            if len(batch) >= SCAN_BATCH:
                flush()
        flush()
    return EXIT_OK


SCAN_BATCH = 1000  # lines per engine call (one RE2 pass per batch)
_FIELD_JSON: dict[str, str] = {}  # a finding's type or rule id → its JSON string


def _scan_line(ident: Any, found: list[Finding]) -> str:
    """``json.dumps({"id": ident, "findings": [f.to_json() for f in found]}) + "\\n"``,
    the same characters, without a dict and a dumps call per finding (the type and rule
    strings repeat: each is encoded once)."""
    items = []
    for f in found:
        etype = _FIELD_JSON.get(f.entity_type) or _FIELD_JSON.setdefault(
            f.entity_type, json.dumps(f.entity_type)
        )
        rule = _FIELD_JSON.get(f.rule_id) or _FIELD_JSON.setdefault(
            f.rule_id, json.dumps(f.rule_id)
        )
        items.append(f'{{"start": {f.start}, "end": {f.end}, "type": {etype}, "rule": {rule}}}')
    key = str(ident) if type(ident) is int else json.dumps(ident)  # (not bool: "true")
    return f'{{"id": {key}, "findings": [{", ".join(items)}]}}\n'


def cmd_rules_test(args: argparse.Namespace) -> int:
    from app.redaction.examples import run_examples

    results = run_examples(offline_rules(args.rules))
    failed = [r for r in results if not r.passed]
    data = {
        "status": "ok" if not failed else "failed",
        "examples": len(results),
        "failed": [r.to_json() for r in failed],
    }
    lines = [
        f"FAIL {r.rule_id} {r.kind}[{r.index}]: {r.text!r}"
        + (f" ({r.found} finding{'s' if r.found != 1 else ''})" if r.found else "")
        for r in failed
    ]
    rules = len({r.rule_id for r in results})
    lines.append(f"{len(results) - len(failed)}/{len(results)} examples pass ({rules} rules)")
    emit(args, data, "\n".join(lines))
    return EXIT_OK if not failed else EXIT_CHECK_FAILED


def cmd_history(args: argparse.Namespace) -> int:
    from app.cli.unlock import signed_in, with_step_up
    from app.jobs import Cancelled, run_with_text_progress
    from app.redaction.history import RULE_STYLE, HistoryService
    from app.redaction.service import RedactionService

    if not (args.dry_run or args.apply or args.resume is not None or args.plan):
        raise UsageError("redact history needs --dry-run, --apply, --resume RUN or --plan FILE")
    with signed_in(args) as (ctx, principal):
        if args.plan:
            plan = with_step_up(
                ctx,
                principal,
                lambda p: run_with_text_progress(
                    lambda c: HistoryService(ctx, p).export_plan(args.plan, args.rule, c),
                    label="plan",
                ),
            )
            sys.stderr.write(
                f"plan: {plan.comments} comments, {plan.findings} values → {plan.path} "
                "(it contains the values: delete it once pushed)\n"
            )
        if args.dry_run:
            report = run_with_text_progress(
                lambda c: RedactionService(ctx, principal).impact(args.rule, c), label="preview"
            )
            lines = [f"{k:<22} {v}" for k, v in report.by_rule.items()]
            lines.append(
                f"{report.tickets_with_hits} of {report.tickets_scanned} tickets would change "
                f"({sum(report.by_rule.values())} values); estimated "
                f"{report.estimated_apply_seconds:.0f} s"
            )
            lines += [f"  #{x.ticket_id} {x.rule_id}: {x.excerpt}" for x in report.samples[:10]]
            emit(args, {"status": "ok", **report.to_json()}, "\n".join(lines))
        if args.apply or args.resume is not None:
            style = args.style or RULE_STYLE

            def begin(p: Any) -> Any:
                service = HistoryService(ctx, p)
                if args.resume is not None:
                    return service.resume(args.resume)
                return service.start(args.rule, style)

            run = with_step_up(ctx, principal, begin)
            try:
                done = run_with_text_progress(
                    lambda c: HistoryService(ctx, principal).run(run.id, c), label="redact"
                )
            except Cancelled:
                sys.stderr.write(
                    f"privdesk: cancelled; run #{run.id} stopped at a checkpoint "
                    f"(resume with --resume {run.id})\n"
                )
                return EXIT_CANCELLED
            emit(
                args,
                {"status": "ok", **done.to_json()},
                f"run #{done.id}: {done.tickets_changed} tickets, {done.comments_changed} "
                f"comments rewritten ({done.findings} values)",
            )
    return EXIT_OK
