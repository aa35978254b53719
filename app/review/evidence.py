"""Evidence pack and remediation list: HTML/CSV/JSON built here (no Qt), a SHA-256 manifest.

The HTML comes from `resources/templates/review_evidence.html`. The PDF is that same HTML
string rendered by the caller's `render_pdf` (the CLI and the GUI pass
`views.reports.pdf.render_pdf`), so `app/` stays Qt-free. Charts are HTML bar tables,
one small table per bar whose cells carry `width` attributes: Qt's text engine honours
cell widths (it ignores CSS widths and the width of a table nested in a cell), so the PDF
shows the same proportional bars as a browser shows in the HTML.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.reports import csv_safe
from app.reports.templates import render
from app.review.findings import FINDING_TITLES
from app.review.records import (
    CampaignSummary,
    DecisionRecord,
    DiffSummary,
    ItemRow,
    Progress,
    Verification,
)

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
    "finding_details",
    "mfa",
    "reviewer",
    "decision",
    "target_role",
    "justification",
    "decided_by",
    "decided_at",
    "change_reason",
    "earlier_decisions",
)
REMEDIATION_COLUMNS = (
    "agent_id",
    "email",
    "name",
    "current_role",
    "findings",
    "action",
    "target_role",
    "justification",
    "decided_by",
    "decided_at",
    "campaign",
)


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    return csv_safe.render(header, rows)


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
                "; ".join(it.finding_labels),
                " | ".join(f"{f.label}: {f.reason}" for f in it.findings),
                it.mfa,
                it.reviewer,
                it.decision or "open",
                it.target_role,
                it.justification,
                it.decided_by,
                it.decided_at,
                it.change_reason,
                " | ".join(earlier_text(d) for d in it.earlier),
            )
            for it in items
        ),
    )


def earlier_text(d: DecisionRecord) -> str:
    """An earlier decision in one line: what, why, who and when (and why it changed)."""
    text = f"{d.text} (by {d.who} at {d.at}"
    return text + (f"; changed because: {d.change_reason})" if d.change_reason else ")")


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
                "; ".join(it.finding_labels),
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


BAR_SPAN = 60  # % of the page width the longest bar takes


def _bar_rows(counts: Mapping[str, int]) -> list[tuple[str, int, int]]:
    """(label, count, bar width in % of the page) for the template's bar tables."""
    top = max(counts.values(), default=0) or 1
    return [
        (label, n, max(1, round(BAR_SPAN * n / top)) if n else 0) for label, n in counts.items()
    ]


def report_html(
    campaign: CampaignSummary,
    items: Sequence[ItemRow],
    progress: Progress,
    diff: DiffSummary,
    verifications: Sequence[Verification],
) -> str:
    """The evidence pack's HTML page (also the source of its PDF)."""
    findings = {FINDING_TITLES.get(k, k): v for k, v in progress.findings_by_type.items()}
    trend = (
        _bar_rows({name: sum(c.values()) for name, c in diff.trend})
        if len(diff.trend) > 1
        else None
    )
    return render(
        "review_evidence.html",
        campaign=campaign,
        items=items,
        progress=progress,
        diff=diff,
        verifications=verifications,
        reviewers=[f"{name} ({d}/{t})" for name, (d, t) in progress.by_reviewer.items()],
        findings=_bar_rows(findings),
        decisions=_bar_rows(
            {
                k.replace("_", " "): v
                for k, v in sorted(progress.decisions.items(), key=lambda kv: -kv[1])
            }
        ),
        bar_span=BAR_SPAN,
        trend=trend,
    )


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
