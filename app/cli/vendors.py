"""`privdesk vendors …`: the vendor and integration register.

privdesk vendors list | show KEY
privdesk vendors add KEY --name NAME [--purpose P] [--category C]… [--role R]
    [--dpa-signed [--dpa-date D]] [--transfer T] [--risk R] [--access read|write]
    [--owner NAME] [--next-review D] [--update]
privdesk vendors certification KEY --kind "SOC 2 Type II" --report-date D [--expires D]
privdesk vendors review questions [--out F] | questionnaire F.toml
privdesk vendors review start KEY | answer ID [--answer Q=A]… [--answers FILE]
    [--evidence FILE]… | signoff ID --decision D [--conditions TEXT]   (signoff: step-up)
privdesk vendors findings [--json]      → {"findings": [{"type","subject","detail"}, …]}
privdesk vendors export --format csv|json [--out FILE]
privdesk vendors integrations import DIR|FILE… | sync | list
privdesk vendors link INTEGRATION VENDOR        (INTEGRATION: kind:id, or a unique id)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.output import EXIT_CANCELLED, EXIT_OK, UsageError, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import signed_in, with_step_up

if TYPE_CHECKING:
    from app.vendors.records import IntegrationRow, ReviewRow, VendorRow


def register(sub: argparse._SubParsersAction[Any]) -> None:
    from app.vendors.records import ACCESS, DECISIONS, RISK_TIERS, ROLES, TRANSFERS

    vd = add_group(sub, "vendors", "vendor and integration register, reviews, findings")
    add_command(vd, "list", cmd_list, "every vendor with its next review and certificate expiry")
    p = add_command(vd, "show", cmd_show, "one vendor: certifications, reviews, integrations")
    p.add_argument("key", metavar="KEY")
    p = add_command(vd, "add", cmd_add, "add a vendor (--update to change an existing one)")
    p.add_argument("key", metavar="KEY", help="short id: lower-case letters, digits, - . _")
    p.add_argument("--name", required=True, help="the service: 'Slack', 'Acme Surveys'")
    p.add_argument("--purpose", default="")
    p.add_argument("--category", action="append", default=[],
                   help="a data category shared (the inventory's keys; repeat)")  # fmt: skip
    p.add_argument("--role", choices=ROLES, default="processor")
    p.add_argument("--dpa-signed", action="store_true", help="a DPA is signed")
    p.add_argument("--dpa-date", metavar="DATE", help="when the DPA was signed (YYYY-MM-DD)")
    p.add_argument("--transfer", choices=TRANSFERS, default="none",
                   help="transfer mechanism: SCCs, adequacy, DPF or none")  # fmt: skip
    p.add_argument("--risk", choices=RISK_TIERS, default="medium", help="risk tier")
    p.add_argument("--access", choices=ACCESS, default="read",
                   help="the help-desk access the vendor needs")  # fmt: skip
    p.add_argument("--owner", default="", help="who owns the relationship")
    p.add_argument("--next-review", metavar="DATE")
    p.add_argument("--update", action="store_true", help="replace the vendor with this key")
    p = add_command(vd, "certification", cmd_certification, "record a vendor certification")
    p.add_argument("key", metavar="KEY")
    p.add_argument("--kind", required=True, help="'SOC 2 Type II', 'ISO/IEC 27001' …")
    p.add_argument("--report-date", required=True, metavar="DATE")
    p.add_argument("--expires", metavar="DATE")

    rv = add_group(vd, "review", "annual vendor review: questionnaire, evidence, sign-off")
    p = add_command(rv, "questions", cmd_questions, "the questionnaire's questions and weights")
    p.add_argument("--version", metavar="V", help="a review's version (default: the current)")
    p.add_argument("--out", type=Path, metavar="FILE.toml", help="write it as TOML, to edit")
    p = add_command(rv, "questionnaire", cmd_questionnaire_import,
                    "import an edited questionnaire (a new version) for new reviews")  # fmt: skip
    p.add_argument("path", type=Path, metavar="FILE.toml")
    p = add_command(rv, "start", cmd_review_start, "open a review of a vendor")
    p.add_argument("key", metavar="KEY")
    p = add_command(rv, "answer", cmd_review_answer, "record answers and evidence files")
    p.add_argument("review", metavar="ID", type=int)
    p.add_argument("--answer", action="append", default=[], metavar="QUESTION=ANSWER",
                   help="yes, partial, no or n/a (repeat)")  # fmt: skip
    p.add_argument("--answers", type=Path, metavar="FILE",
                   help='a JSON object {"question id": "answer", …}')  # fmt: skip
    p.add_argument("--evidence", action="append", default=[], type=Path, metavar="FILE",
                   help="an evidence file, kept by SHA-256, name and size (repeat)")  # fmt: skip
    p = add_command(rv, "signoff", cmd_review_signoff, "sign the review off (step-up)")
    p.add_argument("review", metavar="ID", type=int)
    p.add_argument("--decision", choices=DECISIONS, required=True)
    p.add_argument("--conditions", default="", help="required for approve_with_conditions")

    add_command(vd, "findings", cmd_findings, "unused tokens, excessive scopes, overdue reviews …")
    p = add_command(vd, "export", cmd_export, "the register as CSV or JSON")
    p.add_argument("--format", choices=("csv", "json"), required=True)
    p.add_argument("--out", type=Path, metavar="FILE", help="write here (default: stdout)")

    ig = add_group(vd, "integrations", "help-desk integrations found in the Zendesk data")
    p = add_command(ig, "import", cmd_integrations_import,
                    "read oauth_clients.json, oauth_tokens.json, apps_installations.json, "
                    "api_tokens.json, webhooks.json")  # fmt: skip
    p.add_argument("paths", nargs="+", type=Path, metavar="DIR|FILE")
    add_command(ig, "sync", cmd_integrations_sync, "read them over the Zendesk connection")
    add_command(ig, "list", cmd_integrations_list, "every integration and its vendor")
    p = add_command(vd, "link", cmd_link, "link an integration to its vendor")
    p.add_argument("integration", metavar="INTEGRATION", help="kind:id (see integrations list)")
    p.add_argument("vendor", metavar="VENDOR")


def _vendor_line(v: VendorRow) -> str:
    review = v.next_review or "never reviewed"
    expiry = v.next_expiry or "-"
    return f"{v.key:<16} {v.risk_tier:<8} review {review:<14} cert expiry {expiry:<10}  {v.name}"


def _integration_line(i: IntegrationRow) -> str:
    scopes = " ".join(i.scopes) or "-"
    return f"{i.ref:<34} {i.vendor or '(no vendor)':<14} {scopes:<24} {i.name}"


def _review_text(r: ReviewRow) -> str:
    score = "-" if r.score is None else f"{r.score}%"
    lines = [f"review {r.id} of {r.vendor}: {r.status}, score {score}, {len(r.answers)} answers"]
    lines += [f"  evidence {e.name} ({e.size} bytes) sha256:{e.sha256}" for e in r.evidence]
    if r.decision:
        lines.append(f"  decision {r.decision} by {r.signed_off_by} at {r.signed_off_at}")
    return "\n".join(lines)


def cmd_list(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        rows = VendorService(ctx, principal).vendors()
    text = "\n".join(_vendor_line(v) for v in rows) or "no vendors (add one: privdesk vendors add)"
    emit(args, {"vendors": [v.to_json() for v in rows]}, text)
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        d = VendorService(ctx, principal).show(args.key)
    v = d.vendor
    lines = [
        f"{v.name} ({v.key}) — {v.role}, risk {v.risk_tier}, needs {v.access} access",
        f"purpose       {v.purpose}",
        f"categories    {', '.join(v.categories) or '-'}",
        f"DPA           {'signed ' + (v.dpa_date or '') if v.dpa_signed else 'not signed'}",
        f"transfer      {v.transfer}",
        f"owner         {v.owner or '-'}",
        f"next review   {v.next_review or 'never reviewed'}",
    ]
    lines += [
        f"certification {c.kind}, report {c.report_date}, expires {c.expires_on or '-'}"
        for c in v.certifications
    ]
    lines += [_review_text(r) for r in d.reviews]
    lines += [f"integration   {_integration_line(i)}" for i in d.integrations]
    emit(args, d.to_json(), "\n".join(lines))
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    from app.vendors.records import VendorInput
    from app.vendors.service import VendorService

    vendor = VendorInput(
        key=args.key,
        name=args.name,
        purpose=args.purpose,
        categories=tuple(args.category),
        role=args.role,
        dpa_signed=args.dpa_signed,
        dpa_date=args.dpa_date,
        transfer=args.transfer,
        risk_tier=args.risk,
        access=args.access,
        owner=args.owner,
        next_review=args.next_review,
    )
    vendor.check()
    with signed_in(args) as (ctx, principal):
        service = VendorService(ctx, principal)
        row = service.update(vendor) if args.update else service.add(vendor)
    verb = "updated" if args.update else "added"
    emit(args, {"status": "ok", "vendor": row.to_json()}, f"{verb} vendor {row.key}")
    return EXIT_OK


def cmd_certification(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        cert = VendorService(ctx, principal).add_certification(
            args.key, args.kind, args.report_date, args.expires
        )
    emit(
        args,
        {"status": "ok", "certification": cert.to_json()},
        f"recorded {cert.kind} for {cert.vendor} (expires {cert.expires_on or '-'})",
    )
    return EXIT_OK


def cmd_questions(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        q = VendorService(ctx, principal).questionnaire(args.version)
    if args.out is not None:
        if args.out.exists():
            raise UsageError(f"{args.out}: exists; choose a new file")
        args.out.write_text(q.text, encoding="utf-8")
    emit(
        args,
        {
            "version": q.version,
            "origin": q.origin,
            "questions": [
                {"id": x.id, "topic": x.topic, "text": x.text, "weight": x.weight}
                for x in q.questions
            ],
        },
        f"questionnaire {q.version} ({q.origin}, {len(q.questions)} questions)"
        + (f"; written to {args.out}" if args.out is not None else "")
        + "\n"
        + "\n".join(f"{x.id:<26} w{x.weight}  {x.topic}: {x.text}" for x in q.questions),
    )
    return EXIT_OK


def cmd_questionnaire_import(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        q = VendorService(ctx, principal).import_questionnaire(args.path)
    emit(
        args,
        {"status": "ok", "version": q.version, "questions": len(q.questions)},
        f"questionnaire {q.version} kept ({len(q.questions)} questions); new reviews use it, "
        "open and earlier reviews keep the version they started with",
    )
    return EXIT_OK


def cmd_review_start(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        r = VendorService(ctx, principal).start_review(args.key)
    emit(args, {"status": "ok", "review": r.to_json()}, f"started review {r.id} of {r.vendor}")
    return EXIT_OK


def _answers(args: argparse.Namespace) -> dict[str, str]:
    answers: dict[str, str] = {}
    if args.answers is not None:
        try:
            data = json.loads(args.answers.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UsageError(f"{args.answers}: not a readable JSON file ({exc})") from None
        if not isinstance(data, dict):
            raise UsageError(f'{args.answers}: expected a JSON object {{"question": "answer"}}')
        for qid, value in data.items():
            if not isinstance(value, str):
                raise UsageError(f"{args.answers}: question {qid!r}: the answer is not text")
            answers[qid] = value
    for item in args.answer:
        qid, sep, value = item.partition("=")
        if not sep or not qid:
            raise UsageError(f"--answer {item!r}: write it QUESTION=ANSWER")
        answers[qid.strip()] = value.strip()
    return answers


def cmd_review_answer(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    answers = _answers(args)
    if not answers and not args.evidence:
        raise UsageError("vendors review answer: give --answer, --answers or --evidence")
    with signed_in(args) as (ctx, principal):
        r = VendorService(ctx, principal).answer_review(args.review, answers, args.evidence)
    emit(args, {"status": "ok", "review": r.to_json()}, _review_text(r))
    return EXIT_OK


def cmd_review_signoff(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        r = with_step_up(
            ctx,
            principal,
            lambda p: VendorService(ctx, p).sign_off_review(
                args.review, args.decision, args.conditions
            ),
        )
    emit(args, {"status": "ok", "review": r.to_json()}, _review_text(r))
    return EXIT_OK


def cmd_findings(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        found = VendorService(ctx, principal).findings()
    text = "\n".join(f"{f.type:<20} {f.subject}: {f.detail}" for f in found) or "no findings"
    emit(args, {"findings": [f.to_json() for f in found]}, text)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        text = VendorService(ctx, principal).export_text(args.format)
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_OK
    args.out.write_text(text, encoding="utf-8", newline="")
    emit(args, {"status": "ok", "format": args.format, "path": str(args.out)}, f"wrote {args.out}")
    return EXIT_OK


def cmd_integrations_import(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        result = VendorService(ctx, principal).import_integrations(args.paths)
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.by_kind.items()))
    emit(
        args,
        {"status": "ok", **result.to_json()},
        f"read {len(result.files)} files: {result.added} added, {result.updated} updated ({kinds})",
    )
    return EXIT_OK


def cmd_integrations_sync(args: argparse.Namespace) -> int:
    from app.jobs import Cancelled, run_with_text_progress
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        service = VendorService(ctx, principal)
        try:
            result = run_with_text_progress(service.sync_integrations, label="integrations")
        except Cancelled:
            sys.stderr.write("privdesk: integrations sync cancelled; nothing was written\n")
            return EXIT_CANCELLED
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.by_kind.items()))
    emit(
        args,
        {"status": "ok", **result.to_json()},
        f"read {len(result.files)} endpoints over the Zendesk connection: {result.added} added, "
        f"{result.updated} updated ({kinds or 'none found'})",
    )
    return EXIT_OK


def cmd_integrations_list(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        rows = VendorService(ctx, principal).integrations()
    text = "\n".join(_integration_line(i) for i in rows) or (
        "no integrations (import them: privdesk vendors integrations import DIR, or sync)"
    )
    emit(args, {"integrations": [i.to_json() for i in rows]}, text)
    return EXIT_OK


def cmd_link(args: argparse.Namespace) -> int:
    from app.vendors.service import VendorService

    with signed_in(args) as (ctx, principal):
        row = VendorService(ctx, principal).link(args.integration, args.vendor)
    emit(
        args,
        {"status": "ok", "integration": row.to_json()},
        f"linked {row.ref} to vendor {row.vendor}",
    )
    return EXIT_OK
