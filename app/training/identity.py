"""The blind index of an agent's email, the only value exact lookups on training tables use.

HMAC-SHA256 of the lower-cased, trimmed address, keyed by the team-mode index key when
the engine has one (`models.sealed`); a local workspace (SQLCipher, the whole file
encrypted) uses a fixed key, so its index is a stable, non-reversible join key.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.orm import Session

from models.sealed import keys_of

_LOCAL_INDEX_KEY = b"privdesk-training-email-index"


def email_index(s: Session, email: str) -> str:
    keys = keys_of(s.get_bind().dialect)
    key = keys.index_key if keys is not None else _LOCAL_INDEX_KEY
    return hmac.new(key, email.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
