"""Team mode (issue 17): the keys an engine's sealed columns and blind indexes use.

On PostgreSQL the columns that hold personal data are encrypted in the application
(AES-256-GCM) so the server only ever stores ciphertext; exact lookups go through keyed
blind indexes. The column types (`models/types.py`, built on this module) read their keys
from the engine's dialect, set once when the workspace binds its engine:

    attach(engine, column_key=..., index_key=...)

On SQLCipher the whole file is encrypted and the keys may be left unset; on PostgreSQL a
sealed column with no key attached refuses to read or write (never plaintext).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect

_ATTR = "privdesk_sealed_keys"
KEY_BYTES = 32


@dataclass(frozen=True)
class SealedKeys:
    column_key: bytes  # AES-256-GCM key for sealed columns
    index_key: bytes  # HMAC-SHA256 key for blind indexes

    def __post_init__(self) -> None:
        if len(self.column_key) != KEY_BYTES or len(self.index_key) != KEY_BYTES:
            raise ValueError("sealed-column keys must be 32 bytes")

    def __repr__(self) -> str:  # never print key material
        return "SealedKeys(<hidden>)"


def attach(engine: Engine, *, column_key: bytes, index_key: bytes) -> None:
    """Give `engine` (and every connection it makes) the keys of its sealed columns."""
    setattr(engine.dialect, _ATTR, SealedKeys(column_key, index_key))


def keys_of(dialect: Dialect) -> SealedKeys | None:
    """The keys attached to the engine this dialect belongs to, or None."""
    keys = getattr(dialect, _ATTR, None)
    return keys if isinstance(keys, SealedKeys) else None
