"""Playbook library (versioned: every change is a new version, audited) and team roster."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.clock import utc_iso
from app.drills.playbooks import (
    TEAM_ROLES,
    PlaybookError,
    PlaybookSpec,
    builtin_playbooks,
    dump_playbook,
    parse_playbook,
)
from app.drills.records import DrillError, PlaybookInfo, PlaybookVersionInfo, RosterInfo
from app.security.guard import Actor, Service
from app.security.permissions import Permission
from models.drills import Playbook, PlaybookVersion, RosterMember

MAX_IMPORT_BYTES = 1_000_000


def playbook_row(s: Session, key: str) -> Playbook:
    row = s.scalar(select(Playbook).where(Playbook.key == key))
    if row is None:
        raise DrillError(f"no playbook {key!r} (see `privdesk drill playbooks list`)")
    return row


def version_text(s: Session, row: Playbook, version: int | None = None) -> tuple[int, str]:
    wanted = version or row.current_version
    text = s.scalar(
        select(PlaybookVersion.content_toml).where(
            PlaybookVersion.playbook_id == row.id, PlaybookVersion.version == wanted
        )
    )
    if text is None:
        raise DrillError(f"playbook {row.key!r} has no version {wanted}")
    return wanted, text


def install_builtin_playbooks(service: Service, s: Session, actor: Actor) -> None:
    """The six built-in playbooks, installed on first use (in the caller's transaction)."""
    if s.scalar(select(func.count()).select_from(Playbook).where(Playbook.builtin)):
        return
    library = PlaybookService(service.ctx, service.principal)
    installed = 0
    for name, text in builtin_playbooks():
        spec = parse_playbook(text, name)
        if s.scalar(select(Playbook.id).where(Playbook.key == spec.key)) is None:
            library._add_version(s, actor, None, spec, "built-in playbook", builtin=True)
            installed += 1
    if installed:
        service.audit(s, "drills.playbooks.install", details={"count": installed})


class PlaybookService(Service):
    """Playbooks as data. The six built-in ones are installed on first use."""

    def _install_builtins(self, s: Session, actor: Actor) -> None:
        install_builtin_playbooks(self, s, actor)

    def _add_version(
        self,
        s: Session,
        actor: Actor,
        row: Playbook | None,
        spec: PlaybookSpec,
        note: str,
        *,
        builtin: bool = False,
    ) -> Playbook:
        now = utc_iso(self.ctx.clock.now())
        if row is None:
            row = Playbook(
                key=spec.key, title=spec.title, builtin=builtin, current_version=1, created_at=now
            )
            s.add(row)
            s.flush()
        else:
            row.current_version += 1
            row.title = spec.title
        s.add(
            PlaybookVersion(
                playbook_id=row.id,
                version=row.current_version,
                content_toml=dump_playbook(spec),
                change_note=note,
                created_at=now,
                created_by=actor.username,
            )
        )
        return row

    def list_playbooks(self) -> list[PlaybookInfo]:
        with self.authorized(Permission.DRILLS_VIEW, action="drills.playbooks.list") as (s, a):
            self._install_builtins(s, a)
            out = []
            for row in s.scalars(select(Playbook).order_by(Playbook.title)):
                _, text = version_text(s, row)
                spec = parse_playbook(text, row.key)
                out.append(
                    PlaybookInfo(
                        row.key,
                        row.title,
                        spec.summary,
                        row.builtin,
                        row.current_version,
                        len(spec.steps),
                        len(spec.injects),
                    )
                )
            return out

    def get(self, key: str, version: int | None = None) -> tuple[int, PlaybookSpec]:
        """(version, playbook) — the current version unless one is asked for."""
        with self.authorized(Permission.DRILLS_VIEW, action="drills.playbooks.view") as (s, a):
            self._install_builtins(s, a)
            row = playbook_row(s, key)
            number, text = version_text(s, row, version)
            return number, parse_playbook(text, key)

    def text(self, key: str, version: int | None = None) -> str:
        """The TOML of one version (for the editor and for export)."""
        with self.authorized(Permission.DRILLS_VIEW, action="drills.playbooks.view") as (s, a):
            self._install_builtins(s, a)
            return version_text(s, playbook_row(s, key), version)[1]

    def history(self, key: str) -> list[PlaybookVersionInfo]:
        with self.authorized(Permission.DRILLS_VIEW, action="drills.playbooks.history") as (s, _):
            row = playbook_row(s, key)
            rows = s.scalars(
                select(PlaybookVersion)
                .where(PlaybookVersion.playbook_id == row.id)
                .order_by(PlaybookVersion.version.desc())
            )
            return [
                PlaybookVersionInfo(v.version, v.created_at, v.created_by, v.change_note)
                for v in rows
            ]

    def save(self, text: str, note: str, *, source: str = "editor") -> PlaybookInfo:
        """Validate and store `text` as a new version (or a new playbook); nothing is lost."""
        spec = parse_playbook(text, source)
        if not note.strip():
            raise DrillError("say what changed (a change note is kept with every version)")
        with self.authorized(Permission.DRILLS_RUN, action="drills.playbooks.save") as (s, a):
            self._install_builtins(s, a)
            row = s.scalar(select(Playbook).where(Playbook.key == spec.key))
            if row is not None:
                _, current = version_text(s, row)
                if current == dump_playbook(spec):
                    raise DrillError(f"playbook {spec.key!r} is unchanged; nothing to save")
            created = row is None
            row = self._add_version(s, a, row, spec, note.strip())
            self.audit(
                s,
                "drills.playbooks.create" if created else "drills.playbooks.update",
                object_type="playbook",
                object_id=spec.key,
                details={"version": row.current_version, "steps": len(spec.steps)},
            )
            return PlaybookInfo(
                row.key,
                row.title,
                spec.summary,
                row.builtin,
                row.current_version,
                len(spec.steps),
                len(spec.injects),
            )

    def import_file(self, path: Path) -> PlaybookInfo:
        try:
            if path.stat().st_size > MAX_IMPORT_BYTES:
                raise PlaybookError(f"{path.name}: larger than 1 MB; not a playbook")
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PlaybookError(f"{path.name}: cannot read ({type(exc).__name__})") from None
        return self.save(text, f"imported from {path.name}", source=path.name)

    def export_text(self, key: str, version: int | None = None, *, to: str = "stdout") -> str:
        """The TOML of one version as it leaves the workspace (printed, piped, copied): the
        export is audited with the playbook key, the version and where it went — ids only."""
        return self._export(key, version, to, None)

    def export_file(self, key: str, path: Path, version: int | None = None) -> Path:
        """Write one version to `path`; audited like `export_text` (the path is not recorded).
        If the file cannot be written, nothing is audited."""
        self._export(key, version, "file", lambda text: path.write_text(text, encoding="utf-8"))
        return path

    def _export(
        self, key: str, version: int | None, to: str, write: Callable[[str], object] | None
    ) -> str:
        with self.authorized(Permission.DRILLS_VIEW, action="drills.playbooks.export") as (s, a):
            self._install_builtins(s, a)
            number, text = version_text(s, playbook_row(s, key), version)
            if write is not None:
                write(text)
            self.audit(
                s,
                "drills.playbooks.export",
                object_type="playbook",
                object_id=key,
                details={"version": number, "to": to},
            )
            return text


class RosterService(Service):
    """Response team roster: team role → people (primary and deputies), contacts."""

    def list_members(self) -> list[RosterInfo]:
        with self.authorized(Permission.DRILLS_VIEW, action="drills.roster.view") as (s, _):
            order = {role: n for n, role in enumerate(TEAM_ROLES)}
            rows = list(s.scalars(select(RosterMember)))
            rows.sort(key=lambda r: (order.get(r.team_role, 99), r.deputy, r.name))
            return [
                RosterInfo(r.id, r.team_role, r.name, r.deputy, r.email, r.phone, r.out_of_band)
                for r in rows
            ]

    def save(
        self,
        team_role: str,
        name: str,
        *,
        deputy: bool = False,
        email: str = "",
        phone: str = "",
        out_of_band: str = "",
        member_id: int | None = None,
    ) -> int:
        if team_role not in TEAM_ROLES:
            raise DrillError(f"team role must be one of {', '.join(TEAM_ROLES)}")
        if not name.strip():
            raise DrillError("a roster entry needs a name")
        with self.authorized(Permission.DRILLS_RUN, action="drills.roster.save") as (s, _):
            if member_id is None:
                row = RosterMember(team_role=team_role, name=name.strip(), deputy=deputy)
                s.add(row)
            else:
                found = s.get(RosterMember, member_id)
                if found is None:
                    raise DrillError(f"no roster entry #{member_id}")
                row = found
            row.team_role, row.name, row.deputy = team_role, name.strip(), deputy
            row.email, row.phone, row.out_of_band = email.strip(), phone.strip(), out_of_band
            s.flush()
            self.audit(
                s,
                "drills.roster.save",
                object_type="roster",
                object_id=str(row.id),
                details={"team_role": team_role, "deputy": deputy},
            )
            return row.id

    def remove(self, member_id: int) -> None:
        with self.authorized(Permission.DRILLS_RUN, action="drills.roster.remove") as (s, _):
            row = s.get(RosterMember, member_id)
            if row is None:
                raise DrillError(f"no roster entry #{member_id}")
            s.delete(row)
            self.audit(s, "drills.roster.remove", object_type="roster", object_id=str(member_id))
