"""The audit event, its anchors, and its canonical byte encoding (what the MAC covers).

I-JSON limits and strict field checks keep the bytes identical for a verifier written in
any language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

MAGIC: Final = b"PRIVDESK-AUDITv1\x00"
EVOLVE_LABEL: Final = b"privdesk-audit-evolve"
KEY_BYTES: Final = 32
GENESIS_PREV_MAC: Final = "0" * 64
OUTCOMES: Final = frozenset({"ok", "denied", "error"})

MAX_SEQ: Final = 2**64 - 1  # 8-byte big-endian field
MAX_EPOCH: Final = 2**32 - 1  # 4-byte big-endian field
# I-JSON (RFC 7493) safe integers, so a verifier written in any language rebuilds the same bytes.
MAX_SAFE_INT: Final = 2**53 - 1
MAX_DETAILS_DEPTH: Final = 32

_HEX64 = re.compile(r"[0-9a-f]{64}")
_TS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class AuditEvent:
    """One sealed audit record, exactly as stored.

    `details` holds ids, counts and field names only — never personal-data values or secrets.
    """

    seq: int
    ts_utc: str
    actor: str | None
    session_id: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    details: Mapping[str, Any]
    key_epoch: int
    prev_mac: str
    mac: str


@dataclass(frozen=True)
class Anchor:
    """A checkpoint of the chain head recorded OUTSIDE the database (anchor file, backups)."""

    seq: int
    head_mac: str
    ts_utc: str
    key_epoch: int
    # None on lines written before anchors were signed (legacy, unauthenticated).
    signature: AnchorSignature | None = None

    def __post_init__(self) -> None:
        require_int("anchor seq", self.seq, 1, MAX_SEQ)
        require_hex64("anchor head_mac", self.head_mac)
        require_ts("anchor ts_utc", self.ts_utc)
        require_int("anchor key_epoch", self.key_epoch, 0, MAX_EPOCH)


@dataclass(frozen=True)
class AnchorSignature:
    """The Ed25519 part of a signed anchor (AUD-10; `app.audit.signing` explains it).

    `n` counts signed anchors from 0; `pk` signed this one and is erased from the
    workspace; `next_pk` is the key that will sign anchor n+1; `root_epoch` is the audit
    key epoch the first signing key (n = 0) was derived from. Hex strings are checked when
    the signature is verified, so a damaged value is a forged anchor, not a parse error.
    """

    n: int
    pk: str
    next_pk: str
    root_epoch: int
    sig: str

    def __post_init__(self) -> None:
        require_int("anchor n", self.n, 0, MAX_SEQ)
        require_int("anchor root_epoch", self.root_epoch, 0, MAX_EPOCH)
        for name in ("pk", "next_pk", "sig"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"anchor {name} must be a string")


@dataclass(frozen=True)
class PruneStart:
    """Where verification starts after retention pruning removed seq 1..next_seq-1."""

    next_seq: int
    prev_mac: str
    key_epoch: int

    def __post_init__(self) -> None:
        require_int("prune start next_seq", self.next_seq, 1, MAX_SEQ)
        require_hex64("prune start prev_mac", self.prev_mac)
        require_int("prune start key_epoch", self.key_epoch, 0, MAX_EPOCH)


# --------------------------------------------------------------------------- validation


def require_int(name: str, value: object, lo: int, hi: int) -> None:
    # bool is an int subclass; True must not pass as seq 1.
    if type(value) is not int or not lo <= value <= hi:
        raise ValueError(f"{name} must be an integer from {lo} to {hi}")


def require_hex64(name: str, value: object) -> None:
    if not isinstance(value, str) or _HEX64.fullmatch(value) is None:
        raise ValueError(f"{name} must be 64 lower-case hex characters")


def require_ts(name: str, value: object) -> None:
    if not isinstance(value, str) or _TS.fullmatch(value) is None:
        raise ValueError(f"{name} must be RFC 3339 UTC like 2026-11-27T12:00:00.123456Z")


def require_opt_str(name: str, value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be a string or None")


def require_key(key: object) -> bytes:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        # Deliberately says nothing about the value: it may be a real key.
        raise ValueError(f"an audit key must be exactly {KEY_BYTES} bytes")
    return key


def parse_ts(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


# --------------------------------------------------------------------------- canonical form


def _normalise(value: object, path: str, depth: int) -> object:
    """Copy `value` into plain JSON types, rejecting anything ambiguous."""
    if depth > MAX_DETAILS_DEPTH:
        raise ValueError(f"details nest deeper than {MAX_DETAILS_DEPTH} levels at {path}")
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            raise ValueError(f"integer at {path} is outside the JSON-safe range ±(2**53-1)")
        return int(value)  # int subclasses (IntEnum) would otherwise serialise by name
    if isinstance(value, float):
        raise ValueError(
            f"float at {path}: audit details allow integers only, so the canonical JSON "
            "is unambiguous; store a count or a string instead"
        )
    if isinstance(value, Mapping):
        out: dict[str, object] = {}
        for k, v in value.items():
            # {1: x} and {"1": x} would serialise identically: refuse non-string keys.
            if not isinstance(k, str):
                raise ValueError(f"non-string key at {path}: JSON object keys must be strings")
            out[k] = _normalise(v, f"{path}.{k}", depth + 1)
        return out
    if isinstance(value, (list, tuple)):
        return [_normalise(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    raise ValueError(
        f"unsupported type {type(value).__name__} at {path}: use str, int, bool, None, list or dict"
    )


def canonical_dumps(value: object) -> bytes:
    text = json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("text contains an unpaired surrogate and is not valid UTF-8") from None


def canonical_json(value: Mapping[str, Any]) -> bytes:
    """Canonical UTF-8 JSON of a details mapping: sorted keys, no spaces, no floats.

    Raises ValueError for floats, non-string keys, unsupported types or unpaired surrogates.
    """
    return canonical_dumps(_normalise(value, "details", 0))


def event_body(
    *,
    ts_utc: str,
    actor: str | None,
    session_id: str | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    outcome: str,
    details: Mapping[str, Any],
) -> dict[str, object]:
    require_ts("ts_utc", ts_utc)
    require_opt_str("actor", actor)
    require_opt_str("session_id", session_id)
    require_opt_str("object_type", object_type)
    require_opt_str("object_id", object_id)
    if not isinstance(action, str) or not action:
        raise ValueError("action must be a non-empty string")
    if outcome not in OUTCOMES:
        raise ValueError("outcome must be one of: ok, denied, error")
    if not isinstance(details, Mapping):
        raise ValueError("details must be a mapping")
    return {
        "action": action,
        "actor": actor,
        "details": _normalise(details, "details", 0),
        "object_id": object_id,
        "object_type": object_type,
        "outcome": outcome,
        "session_id": session_id,
        "ts_utc": ts_utc,
    }


def mac_prefix(seq: int, key_epoch: int, prev_mac: str) -> bytes:
    require_int("seq", seq, 1, MAX_SEQ)
    require_int("key_epoch", key_epoch, 0, MAX_EPOCH)
    require_hex64("prev_mac", prev_mac)
    return MAGIC + seq.to_bytes(8, "big") + key_epoch.to_bytes(4, "big") + bytes.fromhex(prev_mac)


def canonical_bytes(event: AuditEvent) -> bytes:
    """The exact bytes the mac covers: binary prefix + canonical JSON of the other fields.

    Prefix = magic + seq (8 bytes BE) + key_epoch (4 bytes BE) + prev_mac (32 raw bytes).
    The JSON holds every remaining field except `mac`. Raises ValueError on malformed fields.
    """
    body = event_body(
        ts_utc=event.ts_utc,
        actor=event.actor,
        session_id=event.session_id,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        outcome=event.outcome,
        details=event.details,
    )
    return mac_prefix(event.seq, event.key_epoch, event.prev_mac) + canonical_dumps(body)
