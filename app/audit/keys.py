"""Forward-secure audit keys: K0, the one-way evolution, epoch keys and MACs."""

from __future__ import annotations

import hmac
import secrets

from app.audit.canonical import EVOLVE_LABEL, KEY_BYTES, MAX_EPOCH, require_int, require_key


def new_k0() -> bytes:
    """Fresh random K0 for a new workspace (export it once in the verifier kit)."""
    return secrets.token_bytes(KEY_BYTES)


def evolve(key: bytes) -> bytes:
    """Next epoch key: K(e+1) = HMAC-SHA256(K(e), b"privdesk-audit-evolve"). One-way."""
    return hmac.digest(require_key(key), EVOLVE_LABEL, "sha256")


def key_for_epoch(k0: bytes, epoch: int) -> bytes:
    """K(epoch) derived from K0 by evolving `epoch` times (verifier side only)."""
    require_int("epoch", epoch, 0, MAX_EPOCH)
    key = require_key(k0)
    for _ in range(epoch):
        key = hmac.digest(key, EVOLVE_LABEL, "sha256")
    return key


def compute_mac(key: bytes, data: bytes) -> str:
    """Hex HMAC-SHA256 of canonical bytes under an epoch key."""
    return hmac.digest(require_key(key), data, "sha256").hex()


class EpochKeys:
    """Epoch keys derived once each, incrementally, as the verifier needs them."""

    __slots__ = ("_keys",)

    def __init__(self, k0: bytes) -> None:
        self._keys = [require_key(k0)]

    def get(self, epoch: int) -> bytes:
        keys = self._keys
        while len(keys) <= epoch:
            keys.append(hmac.digest(keys[-1], EVOLVE_LABEL, "sha256"))
        return keys[epoch]

    def __repr__(self) -> str:
        return f"<EpochKeys derived={len(self._keys)}>"
