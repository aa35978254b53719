"""A workspace's key file (`keys.json`): the wrapped keys, their AAD, atomic rewrites, and
recovery from an interrupted key rotation. No secret is ever written in clear."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from app import store
from app.crypto import envelope
from app.crypto.envelope import BadScryptParams, ScryptParams, UnwrapError
from app.errors import BadWorkspace, WrongKeyError, WrongPassphraseError

DB_NAME = "privdesk.db"
KEYS_NAME = "keys.json"
KEYS_FORMAT = "privdesk-keys/1"


def aad_dek(workspace_id: str, generation: int) -> bytes:
    return f"privdesk:{workspace_id}:dek:{generation}".encode()


def aad_kek(workspace_id: str) -> bytes:
    return f"privdesk:{workspace_id}:kek".encode()


def kek_fingerprint(kek: bytes) -> str:
    return hashlib.sha256(b"privdesk-kek-id\x00" + kek).hexdigest()[:16]


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_keys(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadWorkspace(f"{path}: missing; this folder is not a PrivDesk workspace") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadWorkspace(f"{path}: unreadable ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("format") != KEYS_FORMAT:
        raise BadWorkspace(f"{path}: not a {KEYS_FORMAT} key file")
    for field in ("workspace_id", "kek", "dek", "dek_generation"):
        if field not in data:
            raise BadWorkspace(f"{path}: field {field!r} missing")
    passphrase_wrap(data)
    return data


SALT_MIN, SALT_MAX = 16, 64


def passphrase_wrap(keys: dict[str, Any]) -> tuple[ScryptParams, bytes]:
    """The scrypt parameters and salt of the passphrase wrap, bound-checked (see
    `app.crypto.envelope`: N a power of two in [2^10, 2^20], r ≤ 32, p ≤ 16, ≤ 1 GiB;
    salt 16 to 64 bytes). Raises BadWorkspace "the passphrase wrap in keys.json is
    malformed: …" naming what is wrong."""
    wrap = keys.get("kek")
    try:
        if not isinstance(wrap, dict):
            raise BadScryptParams("kek is not an object")
        if "params" not in wrap:
            raise BadScryptParams("scrypt params missing")
        params = ScryptParams.from_json(wrap["params"])
        salt_text = wrap.get("salt")
        if not isinstance(salt_text, str):
            raise BadScryptParams("salt missing")
        try:
            salt = envelope.b64d(salt_text)
        except ValueError:
            raise BadScryptParams("salt is not base64") from None
        if not SALT_MIN <= len(salt) <= SALT_MAX:
            raise BadScryptParams(f"salt must be {SALT_MIN} to {SALT_MAX} bytes")
    except BadScryptParams as exc:
        raise BadWorkspace(f"the passphrase wrap in keys.json is malformed: {exc}") from None
    return params, salt


def unwrap_kek_with_passphrase(keys: dict[str, Any], passphrase: str) -> bytes:
    wrap = keys["kek"]
    params, salt = passphrase_wrap(keys)
    pk = envelope.stretch(passphrase, salt, params)
    try:
        return envelope.unwrap(pk, wrap, aad_kek(keys["workspace_id"]))
    except UnwrapError:
        raise WrongPassphraseError("wrong recovery passphrase") from None


def unwrap_dek(keys: dict[str, Any], kek: bytes, slot: str = "dek") -> bytes:
    wrap = keys[slot]
    generation = int(wrap.get("generation", keys["dek_generation"]))
    return envelope.unwrap(kek, wrap, aad_dek(keys["workspace_id"], generation))


def dek_wrap(workspace_id: str, kek: bytes, dek: bytes, generation: int) -> dict[str, Any]:
    wrap: dict[str, Any] = envelope.wrap(kek, dek, aad_dek(workspace_id, generation))
    wrap["generation"] = generation
    wrap["wrapped_by"] = "kek"
    return wrap


# ---------------------------------------------------------------- the workspace


def finish_rotation(folder: Path, keys: dict[str, Any], kek: bytes) -> bytes:
    """Pick the key that opens the file, completing or discarding an interrupted rekey."""
    db_path = folder / DB_NAME
    try:
        dek = unwrap_dek(keys, kek)
    except UnwrapError:
        raise BadWorkspace("keys.json: the database key does not authenticate") from None
    try:
        store.raw_connect(db_path, dek).close()
    except WrongKeyError:
        if "dek_pending" not in keys:
            raise
        pending = unwrap_dek(keys, kek, "dek_pending")
        store.raw_connect(db_path, pending).close()  # raises if neither key opens it
        keys["dek"] = keys.pop("dek_pending")
        keys["dek_generation"] = keys["dek"]["generation"]
        write_json_atomic(folder / KEYS_NAME, keys)
        dek = pending
    else:
        if "dek_pending" in keys:
            keys.pop("dek_pending")
            write_json_atomic(folder / KEYS_NAME, keys)
    for leftover in folder.glob(f"{DB_NAME}.rekey-*"):
        leftover.unlink(missing_ok=True)
    return dek
