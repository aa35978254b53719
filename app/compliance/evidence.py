"""Control-mapped evidence packs (`privdesk evidence pack|verify`).

A framework's controls and the kinds of evidence each needs are data:
`resources/compliance/<framework>.toml`. Every kind is fetched through
`app.evidence_types.provider(kind)` — no kind is special — once per pack, and its files
are copied into the folder of each control that names it. The pack is written into a
temporary folder beside DIR and renamed into place inside the transaction that records
it (framework, period, manifest SHA-256) and audits it, so a failure leaves nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from app.clock import utc_iso
from app.errors import PrivDeskError
from app.evidence_types import Evidence, Period, provider
from app.jobs import JobControl
from app.reports.templates import render
from app.security.guard import PermissionDenied, Service
from app.security.permissions import Permission
from models.compliance import EvidencePackRecord

FRAMEWORKS = ("gdpr", "soc2", "iso27001", "pci")
MANIFEST = "manifest.json"
INDEX_HTML, INDEX_PDF = "index.html", "index.pdf"
PdfRenderer = Callable[[str, Path], object]


class EvidenceError(PrivDeskError):
    pass


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    evidence: tuple[str, ...]

    @property
    def folder(self) -> str:
        return re.sub(r"[^A-Za-z0-9.]+", "-", self.id).strip("-")


@dataclass(frozen=True)
class Framework:
    key: str
    title: str
    controls: tuple[Control, ...]


def framework(key: str) -> Framework:
    """The controls of `key` from resources/compliance/<key>.toml."""
    if key not in FRAMEWORKS:
        raise EvidenceError(f"unknown framework {key!r}: use one of {', '.join(FRAMEWORKS)}")
    text = files("resources.compliance").joinpath(f"{key}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    controls = tuple(
        Control(str(c["id"]), str(c["title"]), tuple(str(k) for k in c["evidence"]))
        for c in data["control"]
    )
    return Framework(key, str(data["title"]), controls)


@dataclass(frozen=True)
class PackResult:
    folder: str
    framework: str
    period: str
    files: int
    gaps: tuple[str, ...]
    manifest_sha256: str
    pack_id: int

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "gaps": list(self.gaps)}


@dataclass(frozen=True)
class PackCheck:
    ok: bool
    manifest_sha256: str | None
    problems: tuple[str, ...]
    files: int = 0

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "problems": list(self.problems)}


@dataclass
class _Section:
    control: Control
    files: list[dict[str, str]] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _gather(
    service: EvidenceService, kinds: list[str], period: Period, control: JobControl | None
) -> dict[str, Evidence]:
    found: dict[str, Evidence] = {}
    for n, kind in enumerate(kinds):
        if control is not None:
            control.report(n, len(kinds), f"collecting {kind}")
        try:
            found[kind] = provider(kind)(service.ctx, service.principal, period)
        except PermissionDenied as e:
            found[kind] = Evidence(kind, kind, gaps=(f"{kind} not included: {e}",))
        except (KeyError, ModuleNotFoundError):
            found[kind] = Evidence(
                kind, kind, gaps=(f"{kind} not included: this workspace has no {kind} evidence",)
            )
    return found


class EvidenceService(Service):
    """Writes control-mapped evidence packs; each kind's own permission still applies."""

    def pack(
        self,
        framework_key: str,
        period: Period,
        out: Path,
        *,
        render_pdf: PdfRenderer | None = None,
        control: JobControl | None = None,
    ) -> PackResult:
        """Write the pack of `framework_key` for `period` into the new or empty folder `out`."""
        # Refuse (and audit the refusal) before looking at the folder or any provider runs.
        with self.authorized(Permission.COMPLIANCE_VIEW, action="evidence.pack", read_only=True):
            pass
        fw = framework(framework_key)
        out = Path(out)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise EvidenceError(f"{out}: not an empty folder; choose a new one")
        if not out.parent.is_dir():
            raise EvidenceError(f"{out.parent}: no such folder")
        kinds = list(dict.fromkeys(k for c in fw.controls for k in c.evidence))
        found = _gather(self, kinds, period, control)
        temp = out.parent / f".{out.name}.partial-{os.getpid()}"
        shutil.rmtree(temp, ignore_errors=True)
        try:
            return self._write(fw, period, out, temp, found, render_pdf, control)
        finally:
            shutil.rmtree(temp, ignore_errors=True)

    def _write(
        self,
        fw: Framework,
        period: Period,
        out: Path,
        temp: Path,
        found: dict[str, Evidence],
        render_pdf: PdfRenderer | None,
        control: JobControl | None,
    ) -> PackResult:
        temp.mkdir()
        sections: list[_Section] = []
        for c in fw.controls:
            section = _Section(c)
            (temp / c.folder).mkdir(exist_ok=True)
            for kind in c.evidence:
                ev = found[kind]
                for f in ev.files:
                    (temp / c.folder / f.name).write_bytes(f.content)
                    section.files.append({"name": f.name, "description": f.description})
                section.gaps += [f"{c.id}: {g}" for g in ev.gaps]
            sections.append(section)
        if control is not None:
            control.report(len(found), len(found), "writing the index")
        with self.authorized(Permission.COMPLIANCE_VIEW, action="evidence.pack") as (s, a):
            gaps = [g for sec in sections for g in sec.gaps]
            html = render(
                "evidence_index.html",
                title=fw.title,
                period=period.label(),
                written_at=utc_iso(self.ctx.clock.now()),
                written_by=a.username,
                gaps=gaps,
                with_gaps=sum(1 for sec in sections if sec.gaps),
                controls=[
                    {
                        "id": sec.control.id,
                        "title": sec.control.title,
                        "folder": sec.control.folder,
                        "files": sec.files,
                        "gaps": sec.gaps,
                    }
                    for sec in sections
                ],
            )
            (temp / INDEX_HTML).write_text(html, encoding="utf-8", newline="")
            if render_pdf is not None:
                render_pdf(html, temp / INDEX_PDF)
            names = sorted(p.relative_to(temp).as_posix() for p in temp.rglob("*") if p.is_file())
            entries = [
                {"name": n, "sha256": _sha256(temp / n), "bytes": (temp / n).stat().st_size}
                for n in names
            ]
            manifest = {
                "format": 1,
                "framework": fw.key,
                "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
                "algorithm": "sha256",
                "files": entries,
                "gaps": gaps,
            }
            (temp / MANIFEST).write_text(
                json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
            )
            digest = _sha256(temp / MANIFEST)
            record = EvidencePackRecord(
                framework=fw.key,
                period_start=period.start.isoformat(),
                period_end=period.end.isoformat(),
                manifest_sha256=digest,
                files=len(entries),
                gaps=len(gaps),
                written_at=utc_iso(self.ctx.clock.now()),
                written_by=a.username,
            )
            s.add(record)
            s.flush()
            self.audit(
                s,
                "evidence.pack",
                object_type="evidence_pack",
                object_id=str(record.id),
                details={
                    "framework": fw.key,
                    "start": period.start.isoformat(),
                    "end": period.end.isoformat(),
                    "manifest_sha256": digest,
                    "files": len(entries),
                    "gaps": len(gaps),
                },
            )
            if out.exists():
                out.rmdir()  # empty (checked above)
            os.replace(temp, out)
            return PackResult(
                str(out), fw.key, period.label(), len(entries), tuple(gaps), digest, record.id
            )


def verify_pack(folder: Path) -> PackCheck:
    """Re-hash every file against DIR/manifest.json; name each changed, missing or extra file."""
    folder = Path(folder)
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        entries = list(data["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return PackCheck(False, None, (f"{folder / MANIFEST}: missing or unreadable",))
    problems: list[str] = []
    listed: set[str] = set()
    for entry in entries:
        name = str(entry.get("name"))
        listed.add(name)
        path = folder / name
        if ".." in Path(name).parts or Path(name).is_absolute() or not path.is_file():
            problems.append(f"{name}: missing")
        elif _sha256(path) != entry.get("sha256"):
            problems.append(f"{name}: changed (its SHA-256 differs from the manifest)")
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in listed | {MANIFEST}:
            problems.append(f"{rel}: not listed in the manifest")
    return PackCheck(not problems, _sha256(folder / MANIFEST), tuple(problems), len(entries))
