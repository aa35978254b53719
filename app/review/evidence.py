"""Evidence pack and remediation list: HTML/CSV/JSON built here (no Qt), a SHA-256 manifest.

The PDF is the same HTML rendered by the caller's `render_pdf` (the CLI and the GUI pass
`views.reports.pdf.render_pdf`), so `app/` stays Qt-free. Charts are HTML bar tables,
which Qt's text engine renders in the PDF as well as browsers do in the HTML.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from app.review.findings import FINDING_TITLES
from app.review.records import CampaignSummary, DiffSummary, ItemRow, Progress, Verification

MANIFEST = "manifest.json"
MANIFEST_SUMS = "manifest.sha256"
PdfRenderer = Callable[[str, Path], object]

ITEM_COLUMNS = (
    "item_id",
    "agent_id",
    "name",
    "email",
    "role",
    "role_name",
    "groups",
    "finding_types",
    "findings",
    "mfa",
    "reviewer",
    "decision",
    "target_role",
    "justification",
    "decided_by",
    "decided_at",
)
REMEDIATION_COLUMNS = (
    "agent_id",
    "email",
    "name",
    "current_role",
    "action",
    "target_role",
    "justification",
    "decided_by",
    "decided_at",
    "campaign",
)


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else _cell(v) for v in row])
    return buf.getvalue()


def _cell(value: Any) -> str:
    text = str(value)
    # A cell starting with = + - @ is a formula in spreadsheets (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def items_csv(items: Sequence[ItemRow]) -> str:
    return _csv(
        ITEM_COLUMNS,
        (
            (
                it.id,
                it.agent_id,
                it.name,
                it.email,
                it.role,
                it.role_name,
                "; ".join(it.groups),
                " ".join(it.finding_types),
                " | ".join(f"{f.type}: {f.reason}" for f in it.findings),
                it.mfa,
                it.reviewer,
                it.decision or "open",
                it.target_role,
                it.justification,
                it.decided_by,
                it.decided_at,
            )
            for it in items
        ),
    )


def remediation_csv(campaign: CampaignSummary, items: Sequence[ItemRow]) -> str:
    """Revocations and modifications to apply in the help desk."""
    return _csv(
        REMEDIATION_COLUMNS,
        (
            (
                it.agent_id,
                it.email,
                it.name,
                it.role_name,
                it.decision,
                it.target_role,
                it.justification,
                it.decided_by,
                it.decided_at,
                campaign.name,
            )
            for it in items
            if it.decision in ("revoke", "modify")
        ),
    )


def campaign_json(
    campaign: CampaignSummary,
    items: Sequence[ItemRow],
    progress: Progress,
    diff: DiffSummary,
    verifications: Sequence[Verification],
) -> dict[str, Any]:
    return {
        "format": 1,
        "campaign": campaign.to_json(),
        "sign_off_note": campaign.sign_off_note,
        "progress": {
            "total": progress.total,
            "decided": progress.decided,
            "by_reviewer": {k: list(v) for k, v in progress.by_reviewer.items()},
            "findings_by_type": progress.findings_by_type,
            "decisions": progress.decisions,
        },
        "quarter_over_quarter": diff.to_json(),
        "items": [it.to_json() for it in items],
        "verifications": [v.to_json() for v in verifications],
    }


def _bars(title: str, counts: Mapping[str, int], colour: str = "#3566a8") -> str:
    if not counts:
        return f"<h3>{escape(title)}</h3><p>None.</p>"
    top = max(counts.values()) or 1
    rows = []
    for label, n in counts.items():
        width = max(1, round(60 * n / top))
        rows.append(
            f"<tr><td width='35%'>{escape(label)}</td>"
            f"<td width='60%'><table cellspacing='0' cellpadding='0' width='{width}%'>"
            f"<tr><td bgcolor='{colour}'>&nbsp;</td></tr></table></td>"
            f"<td align='right'>{n}</td></tr>"
        )
    return f"<h3>{escape(title)}</h3><table width='100%' cellspacing='2'>{''.join(rows)}</table>"


def report_html(
    campaign: CampaignSummary,
    items: Sequence[ItemRow],
    progress: Progress,
    diff: DiffSummary,
    verifications: Sequence[Verification],
) -> str:
    e = escape
    signed = (
        f"Signed off by <b>{e(campaign.signed_off_by or '')}</b> at "
        f"{e(campaign.signed_off_at or '')}"
        + (f" — “{e(campaign.sign_off_note)}”" if campaign.sign_off_note else "")
        if campaign.signed_off
        else "<b>Not signed off</b> (draft evidence)"
    )
    findings = {FINDING_TITLES.get(k, k): v for k, v in progress.findings_by_type.items()}
    reviewers = ", ".join(f"{e(name)} ({d}/{t})" for name, (d, t) in progress.by_reviewer.items())
    parts = [
        "<html><head><meta charset='utf-8'>"
        f"<title>Access review {e(campaign.name)}</title>"
        "<style>body{font-family:sans-serif;font-size:9pt} th{background:#e8edf3;text-align:left}"
        " td,th{padding:2px 4px;vertical-align:top} h1{font-size:16pt}</style></head><body>",
        f"<h1>Access review {e(campaign.name)}</h1>",
        "<table>",
        f"<tr><td>Scope</td><td>{e(campaign.scope_label)}</td></tr>",
        f"<tr><td>Snapshot</td><td>#{campaign.snapshot_id}"
        + (f", HR roster #{campaign.roster_snapshot_id}" if campaign.roster_snapshot_id else "")
        + "</td></tr>",
        f"<tr><td>Created</td><td>{e(campaign.created_at)} by {e(campaign.created_by)}</td></tr>",
        f"<tr><td>Due</td><td>{e(campaign.due_date or '—')}</td></tr>",
        f"<tr><td>Reviewers</td><td>{reviewers or e(', '.join(campaign.reviewers))}</td></tr>",
        f"<tr><td>Decided</td><td>{progress.decided} of {progress.total}</td></tr>",
        f"<tr><td>Sign-off</td><td>{signed}</td></tr>",
        "</table>",
        _bars("Findings by type", findings, "#b3261e"),
        _bars("Decisions", progress.decisions, "#3566a8"),
    ]
    if diff.previous_name:
        parts.append(
            f"<h3>Since {e(diff.previous_name)}</h3><p>{diff.new_agents} new agents, "
            f"{diff.removed_agents} removed, {diff.role_changes} role changes, "
            f"{diff.new_permissions} agents with new permissions.</p>"
        )
    if len(diff.trend) > 1:
        totals = {name: sum(c.values()) for name, c in diff.trend}
        parts.append(_bars("Findings per campaign", totals, "#6b4fa3"))
    parts.append(
        "<h2>Decisions</h2><table width='100%' border='1' cellspacing='0'>"
        "<tr><th>Agent</th><th>Role</th><th>Findings</th><th>Decision</th>"
        "<th>Justification</th><th>Reviewer</th></tr>"
    )
    for it in items:
        fnd = "<br>".join(f"<b>{e(f.type)}</b>: {e(f.reason)}" for f in it.findings) or "—"
        decision = (it.decision or "open") + (f" → {it.target_role}" if it.target_role else "")
        parts.append(
            f"<tr><td>{e(it.name or '')}<br><small>{e(it.email or '')} "
            f"#{it.agent_id}</small></td><td>{e(it.role_name)}</td><td>{fnd}</td>"
            f"<td>{e(decision)}</td><td>{e(it.justification or '')}</td>"
            f"<td>{e(it.decided_by or it.reviewer or '')}</td></tr>"
        )
    parts.append("</table>")
    if verifications:
        parts.append(
            "<h2>Proof of revocation</h2><table width='100%' border='1' cellspacing='0'>"
            "<tr><th>Agent</th><th>Decision</th><th>Status</th><th>Detail</th></tr>"
        )
        for v in verifications:
            parts.append(
                f"<tr><td>{e(v.email or '')} #{v.agent_id}</td><td>{e(v.decision)}</td>"
                f"<td>{e(v.status.replace('_', ' '))}</td><td>{e(v.detail)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def write_pack(
    folder: Path,
    files: Mapping[str, str],
    *,
    html_name: str,
    pdf_name: str | None,
    render_pdf: PdfRenderer | None,
    campaign_id: int,
) -> tuple[tuple[str, ...], str]:
    """Write the files, the PDF (if a renderer is given) and the manifest; return the
    names and the pack hash (SHA-256 of `manifest.json`)."""
    folder.mkdir(parents=True, exist_ok=True)
    names: list[str] = []
    for name, text in files.items():
        _write_text(folder / name, text)
        names.append(name)
    if render_pdf is not None and pdf_name:
        render_pdf(files[html_name], folder / pdf_name)
        names.append(pdf_name)
    entries = [
        {"name": n, "sha256": sha256_file(folder / n), "bytes": (folder / n).stat().st_size}
        for n in sorted(names)
    ]
    manifest = json.dumps(
        {"format": 1, "campaign_id": campaign_id, "algorithm": "sha256", "files": entries},
        indent=2,
        sort_keys=True,
    )
    _write_text(folder / MANIFEST, manifest + "\n")
    sums = "".join(f"{e['sha256']}  {e['name']}\n" for e in entries)
    _write_text(folder / MANIFEST_SUMS, sums)
    return (*sorted(names), MANIFEST, MANIFEST_SUMS), sha256_file(folder / MANIFEST)


def _write_text(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8", newline="")
    os.replace(partial, path)


@dataclass(frozen=True)
class PackCheck:
    ok: bool
    pack_sha256: str | None
    problems: tuple[str, ...]


def verify_pack(folder: Path) -> PackCheck:
    """Recompute every file's SHA-256 against the manifest; name each problem."""
    manifest_path = Path(folder) / MANIFEST
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
        entries = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return PackCheck(False, None, (f"{MANIFEST} is missing or unreadable",))
    problems = []
    listed = set()
    for entry in entries:
        name = str(entry.get("name"))
        listed.add(name)
        path = Path(folder) / name
        if Path(name).name != name or not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256_file(path) != entry.get("sha256"):
            problems.append(f"{name}: modified (SHA-256 differs from the manifest)")
    for path in sorted(Path(folder).iterdir()):
        if path.name not in listed | {MANIFEST, MANIFEST_SUMS}:
            problems.append(f"{path.name}: not listed in the manifest")
    return PackCheck(not problems, sha256_file(manifest_path), tuple(problems))
