"""AES-256-GCM key wrapping, scrypt stretching and the recovery passphrase.

Key model (see README "Security model"):

    recovery passphrase --scrypt--> PK --wraps--> KEK --wraps--> DEK --keys--> privdesk.db
                                      OS keyring holds KEK ----^

The DEK is the raw 32-byte SQLCipher key. The KEK lives in the OS keyring and is also
wrapped under the passphrase key, so either route unwraps the DEK, and rotating the DEK
(rekey) needs neither the passphrase nor a new keyring entry.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12

# Crockford base32: no I, L, O, U, so a passphrase read aloud or retyped survives.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
RECOVERY_GROUPS = 6
RECOVERY_GROUP_LEN = 5  # 30 symbols x 5 bits = 150 bits


# Bounds on the scrypt cost read from keys.json (a hostile or damaged file must not make
# unlocking allocate terabytes or crash): N a power of two in [2^10, 2^20], r in [1, 32],
# p in [1, 16], and the memory scrypt needs (128·N·r·p bytes) at most 1 GiB.
SCRYPT_N_MIN, SCRYPT_N_MAX = 2**10, 2**20
SCRYPT_R_MAX = 32
SCRYPT_P_MAX = 16
SCRYPT_MEMORY_MAX = 1 << 30


class BadScryptParams(ValueError):
    """scrypt parameters outside the documented bounds; the message names the field."""


@dataclass(frozen=True)
class ScryptParams:
    """scrypt cost; the default meets OWASP ASVS 5.0 Appendix C (N=2^17, r=8, p=1)."""

    n: int = 2**17
    r: int = 8
    p: int = 1

    def to_json(self) -> dict[str, int]:
        return {"n": self.n, "r": self.r, "p": self.p}

    @classmethod
    def from_json(cls, data: object) -> ScryptParams:
        """Parse and bound-check; raises BadScryptParams naming the offending field."""
        if not isinstance(data, dict):
            raise BadScryptParams("scrypt params is not an object")
        values: dict[str, int] = {}
        for field in ("n", "r", "p"):
            value = data.get(field)
            if not isinstance(value, int) or isinstance(value, bool):
                raise BadScryptParams(f"scrypt {field} must be an integer (got {value!r:.40})")
            values[field] = value
        params = cls(**values)
        params.check()
        return params

    def check(self) -> None:
        n, r, p = self.n, self.r, self.p
        if not (SCRYPT_N_MIN <= n <= SCRYPT_N_MAX) or n & (n - 1):
            raise BadScryptParams(f"scrypt n must be a power of two from 2^10 to 2^20 (got {n})")
        if not 1 <= r <= SCRYPT_R_MAX:
            raise BadScryptParams(f"scrypt r must be from 1 to {SCRYPT_R_MAX} (got {r})")
        if not 1 <= p <= SCRYPT_P_MAX:
            raise BadScryptParams(f"scrypt p must be from 1 to {SCRYPT_P_MAX} (got {p})")
        if 128 * n * r * p > SCRYPT_MEMORY_MAX:
            raise BadScryptParams(
                f"scrypt n·r·p needs more than 1 GiB of memory (n={n}, r={r}, p={p})"
            )


class UnwrapError(Exception):
    """Authentication tag mismatch: wrong wrapping key or altered material."""


def b64e(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def b64d(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def wrap(kek: bytes, plaintext_key: bytes, aad: bytes) -> dict[str, str]:
    """Encrypt a key under `kek`; `aad` binds it to its purpose and workspace."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    ciphertext = AESGCM(kek).encrypt(nonce, plaintext_key, aad)
    return {"alg": "AES-256-GCM", "nonce": b64e(nonce), "ciphertext": b64e(ciphertext)}


def unwrap(kek: bytes, wrapped: dict[str, str], aad: bytes) -> bytes:
    if wrapped.get("alg") != "AES-256-GCM":
        raise UnwrapError("unsupported wrapping algorithm")
    try:
        return AESGCM(kek).decrypt(b64d(wrapped["nonce"]), b64d(wrapped["ciphertext"]), aad)
    except (InvalidTag, KeyError, ValueError) as exc:
        raise UnwrapError("key material does not authenticate") from exc


def derive(key: bytes, info: bytes, salt: bytes) -> bytes:
    """A 32-byte subkey for one purpose (HKDF-SHA256, RFC 5869); `info` names the purpose."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(key)


def stretch(passphrase: str, salt: bytes, params: ScryptParams) -> bytes:
    """scrypt over the normalised passphrase (so spacing and case typos don't matter)."""
    normalised = normalise_recovery(passphrase).encode("utf-8")
    maxmem = 128 * params.r * params.n * params.p * 2 + 1024 * 1024
    return hashlib.scrypt(
        normalised, salt=salt, n=params.n, r=params.r, p=params.p, maxmem=maxmem, dklen=32
    )


def new_recovery_passphrase() -> str:
    """150 random bits as six groups of five Crockford-base32 symbols: `7KQ2M-…`."""
    symbols = "".join(
        secrets.choice(_ALPHABET) for _ in range(RECOVERY_GROUPS * RECOVERY_GROUP_LEN)
    )
    return "-".join(
        symbols[i : i + RECOVERY_GROUP_LEN] for i in range(0, len(symbols), RECOVERY_GROUP_LEN)
    )


def normalise_recovery(text: str) -> str:
    """Uppercase, drop spaces and dashes, map look-alikes (O→0, I/L→1)."""
    folded = unicodedata.normalize("NFKC", text).upper()
    kept = "".join(ch for ch in folded if not ch.isspace() and ch != "-")
    return kept.translate(_CONFUSABLE)
