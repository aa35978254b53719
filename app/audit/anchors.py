"""Files kept OUTSIDE the database: the anchor log and the officer's verifier kit.

`audit-anchors.jsonl` holds one checkpoint of the chain head per line; a database whose
chain no longer contains those heads was truncated, rolled back or rewritten (AUD-2d, AUD-7).
Lines are Ed25519-signed (AUD-10, `app.audit.signing`); lines without `sig` come from
before signing and are read as legacy, unauthenticated checkpoints.
The verifier kit carries K0 so the privacy officer can verify offline; it must never be
stored next to the database. It also names the root public anchor key, which anyone may
hold to check the signatures without K0.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from app.audit.canonical import KEY_BYTES, Anchor, AnchorSignature
from app.audit.signing import public_key_hex, root_seed

__all__ = [
    "ANCHOR_FILENAME",
    "KIT_FORMAT",
    "KitInfo",
    "anchor_line",
    "append_anchor",
    "kit_from_json",
    "kit_info_from_json",
    "kit_to_json",
    "load_kit",
    "load_kit_info",
    "make_kit",
    "parse_anchor_line",
    "read_anchors",
    "root_public_key",
    "save_kit",
]

ANCHOR_FILENAME: Final = "audit-anchors.jsonl"
KIT_FORMAT: Final = "privdesk-audit-kit/1"
KIT_NOTE: Final = (
    "PrivDesk audit verifier kit. Keep it offline, away from the workspace: it verifies the "
    "whole audit log, and anyone holding it could also forge entries."
)
_ANCHOR_FIELDS: Final = ("seq", "head_mac", "ts_utc", "key_epoch")
_SIGNED_FIELDS: Final = ("n", "pk", "next_pk", "root_epoch", "sig")


# --------------------------------------------------------------------------- anchors


def _fsync_dir(directory: Path) -> None:
    # Makes a newly created file's directory entry durable; not possible on Windows.
    flags = getattr(os, "O_DIRECTORY", None)
    if flags is None:
        return
    fd = os.open(directory, os.O_RDONLY | flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _anchor_line(anchor: Anchor) -> bytes:
    record = {
        "seq": anchor.seq,
        "head_mac": anchor.head_mac,
        "ts_utc": anchor.ts_utc,
        "key_epoch": anchor.key_epoch,
    }
    part = anchor.signature
    if part is not None:
        record.update(
            n=part.n, pk=part.pk, next_pk=part.next_pk, root_epoch=part.root_epoch, sig=part.sig
        )
    return (json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n").encode("ascii")


def anchor_line(anchor: Anchor) -> str:
    """The anchor as its JSON line (no newline), as `append_anchor` writes it."""
    return _anchor_line(anchor).decode("ascii").rstrip("\n")


def parse_anchor_line(text: str, *, where: str = "stored anchor") -> Anchor:
    """One anchor line back into an Anchor; ValueError naming `where` when malformed."""
    return _parse_anchor(text.encode("utf-8"), where)


def append_anchor(path: Path, anchor: Anchor) -> None:
    """Append one checkpoint line to the anchor file at `path` and fsync it.

    The file is created with mode 0o600. The line is written with a single append so a
    crash leaves at most one torn last line, which `read_anchors` then reports.
    """
    created = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        line = _anchor_line(anchor)
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(f"short write to {path}: the anchor file may be damaged")
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        _fsync_dir(path.parent)


def _parse_anchor(raw: bytes, where: str) -> Anchor:
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"{where}: not a JSON line; restore the file from a backup") from None
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected a JSON object")
    missing = [name for name in _ANCHOR_FIELDS if name not in record]
    if missing:
        raise ValueError(f"{where}: missing field(s) {', '.join(missing)}")
    # Unknown extra fields are tolerated; a line with any signed field must have them all.
    signature = None
    present = [name for name in _SIGNED_FIELDS if name in record]
    if present:
        absent = [name for name in _SIGNED_FIELDS if name not in record]
        if absent:
            raise ValueError(f"{where}: signed checkpoint lacks field(s) {', '.join(absent)}")
    try:
        if present:
            signature = AnchorSignature(**{name: record[name] for name in _SIGNED_FIELDS})
        return Anchor(
            seq=record["seq"],
            head_mac=record["head_mac"],
            ts_utc=record["ts_utc"],
            key_epoch=record["key_epoch"],
            signature=signature,
        )
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def read_anchors(path: Path) -> list[Anchor]:
    """All checkpoints in the anchor file, in file order; a missing file gives [].

    Raises ValueError naming the file and line number for any malformed line.
    """
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return []
    anchors: list[Anchor] = []
    for number, raw in enumerate(content.split(b"\n"), start=1):
        if not raw.strip():
            continue
        anchors.append(_parse_anchor(raw, f"{path}, line {number}"))
    return anchors


# --------------------------------------------------------------------------- verifier kit


@dataclass(frozen=True)
class KitInfo:
    """A parsed verifier kit. `anchor_public_key` is None in kits from before AUD-10."""

    workspace_id: str
    k0: bytes = field(repr=False)
    anchor_public_key: str | None


def root_public_key(epoch_key: bytes) -> str:
    """The root anchor key of a chain rooted at the epoch whose audit key is given."""
    return public_key_hex(root_seed(epoch_key))


def make_kit(workspace_id: str, k0: bytes, *, created_utc: str | None = None) -> dict[str, str]:
    """The verifier kit as a dict: format tag, workspace id, K0 hex, root anchor key, note.

    `anchor_public_key` (signed anchors rooted at epoch 0) is public: give it to anyone who
    should check the anchor file's signatures without being able to forge anything."""
    if not isinstance(workspace_id, str) or not workspace_id:
        raise ValueError("workspace_id must be a non-empty string")
    if not isinstance(k0, bytes) or len(k0) != KEY_BYTES:
        raise ValueError(f"K0 must be exactly {KEY_BYTES} bytes")
    if created_utc is None:
        created_utc = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    return {
        "format": KIT_FORMAT,
        "workspace_id": workspace_id,
        "k0": k0.hex(),
        "anchor_public_key": root_public_key(k0),
        "created_utc": created_utc,
        "note": KIT_NOTE,
    }


def kit_to_json(kit: Mapping[str, Any]) -> str:
    """Serialise a kit made by `make_kit` (pretty, so it can be printed on paper)."""
    return json.dumps(dict(kit), indent=2, sort_keys=True) + "\n"


def kit_from_json(text: str, *, source: str = "verifier kit") -> tuple[str, bytes]:
    """Parse a kit and return (workspace_id, K0). ValueError says what is wrong, never K0."""
    info = kit_info_from_json(text, source=source)
    return info.workspace_id, info.k0


def kit_info_from_json(text: str, *, source: str = "verifier kit") -> KitInfo:
    """Parse a kit; its anchor key, when present, must be the one K0 derives."""
    try:
        kit = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError(f"{source} is not valid JSON") from None
    if not isinstance(kit, dict):
        raise ValueError(f"{source} must be a JSON object")
    fmt = kit.get("format")
    if fmt != KIT_FORMAT:
        shown = fmt if isinstance(fmt, str) and len(fmt) <= 64 else "missing"
        raise ValueError(f"{source} has format {shown!r}; expected {KIT_FORMAT!r}")
    workspace_id = kit.get("workspace_id")
    if not isinstance(workspace_id, str) or not workspace_id:
        raise ValueError(f"{source} has no workspace_id")
    k0_hex = kit.get("k0")
    if not isinstance(k0_hex, str) or len(k0_hex) != 2 * KEY_BYTES:
        raise ValueError(f"{source}: k0 must be {2 * KEY_BYTES} hex characters")
    try:
        k0 = bytes.fromhex(k0_hex)
    except ValueError:
        k0 = b""
    if len(k0) != KEY_BYTES:  # fromhex skips spaces, so check the decoded length too
        raise ValueError(f"{source}: k0 must be {2 * KEY_BYTES} hex characters")
    anchor_key = kit.get("anchor_public_key")
    if anchor_key is not None and anchor_key != root_public_key(k0):
        raise ValueError(f"{source}: anchor_public_key does not belong to its k0")
    return KitInfo(workspace_id, k0, anchor_key)


def load_kit(path: Path) -> tuple[str, bytes]:
    """Read a verifier kit file and return (workspace_id, K0)."""
    info = load_kit_info(path)
    return info.workspace_id, info.k0


def load_kit_info(path: Path) -> KitInfo:
    """Read a verifier kit file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a UTF-8 text file") from None
    return kit_info_from_json(text, source=str(path))


def save_kit(path: Path, kit: Mapping[str, Any]) -> None:
    """Write a new kit file with mode 0o600; refuses to overwrite an existing file."""
    data = kit_to_json(kit).encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if os.write(fd, data) != len(data):
            raise OSError(f"short write to {path}")
        os.fsync(fd)
    finally:
        os.close(fd)
