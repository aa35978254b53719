"""Signed external anchors (AUD-10): a forward-secure chain of one-time Ed25519 keys.

Why: the MAC chain alone cannot stop someone who holds the database key — and with it the
current epoch key — from re-sealing the events of the current epoch, cutting the log back
and rewriting an unsigned `audit-anchors.jsonl` to match. So each anchor line is signed,
with a key that no longer exists anywhere in the workspace once the line is written.

Scheme
------
* Signed anchor ``n`` (0, 1, 2, …) carries ``pk`` (the key that signed it), ``next_pk``
  (the key that will sign anchor ``n + 1``), ``root_epoch`` and ``sig``, an Ed25519
  signature by ``pk`` over `anchor_message` (a domain tag, the workspace id and every other
  field of the line). The database keeps exactly one private key: the one for the *next*
  anchor (``audit_state.anchor_sign_key``). Writing an anchor signs with it, makes a fresh
  random key, puts that key's public half in the line as ``next_pk`` and replaces the stored
  private key — in the same transaction that records the anchor, so the used key is gone at
  commit (SQLCipher runs with ``secure_delete``, so its page is overwritten, not freed).
* The first key (n = 0, the *root*) is not random: its seed is
  ``HMAC-SHA256(K(root_epoch), b"privdesk-anchor-sign")``. A new workspace roots at epoch 0,
  so the verifier kit (K0) derives the root public key, and the kit also prints it as
  ``anchor_public_key`` for people who must not hold K0 ("verify with only the public
  key"). A workspace from before signed anchors roots at the epoch it was upgraded in and
  records an ``audit.anchor_key`` event naming the root key; the kit derives
  ``K(root_epoch)`` and the MAC chain authenticates that event. The root is derived and
  used, and its epoch key evolved away, inside one transaction, so ``K(root_epoch)`` and the
  root's private half are never at rest in the workspace together with a usable role.

What the verifier checks (`check_anchor_file`): every signed line's signature; that line
n's ``pk`` is line n−1's ``next_pk`` and n counts up by one (a jump is lines removed from the
middle: TRUNCATED; anything else: ANCHOR_FORGED); the root against the kit or a given public
key; unsigned lines only before the first signed one (legacy, reported as not
authenticated) and never in a workspace born signed. `check_anchor_tail` then compares the
file's last ``next_pk`` with the public half of the database's stored key: if they differ,
signed anchors were removed from the end (TRUNCATED). Nobody can repair that without the
private key of a ``next_pk`` already in the file, which was erased when it was used.

What stays forgeable by someone holding the database key (README, audit section): events
after the newest anchor, and any *future* anchor (they hold the next signing key), i.e.
they can change what has not been anchored yet and append. Without the kit or the public
root key, the whole file can be replaced by a fresh chain of their own keys.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from app.audit.canonical import Anchor, AnchorSignature, require_key
from app.audit.keys import key_for_epoch
from app.audit.verify import VerifyResult, VerifyStatus

SIGN_LABEL: Final = b"privdesk-anchor-sign"
ANCHOR_MAGIC: Final = b"PRIVDESK-ANCHORv1\x00"
SEED_BYTES: Final = 32


def root_seed(epoch_key: bytes) -> bytes:
    """Seed of the first signing key, derived from the audit key of the root epoch."""
    return hmac.digest(require_key(epoch_key), SIGN_LABEL, "sha256")


def new_seed() -> bytes:
    """A fresh random signing key (the key of the next anchor)."""
    return Ed25519PrivateKey.generate().private_bytes_raw()


def public_key_hex(seed: bytes) -> str:
    """Hex of the raw 32-byte Ed25519 public key of a private seed."""
    if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
        raise ValueError(f"an anchor signing key must be exactly {SEED_BYTES} bytes")
    pub = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return pub.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def anchor_message(workspace_id: str, anchor: Anchor, part: AnchorSignature) -> bytes:
    """The bytes a signature covers: every field of the line but `sig`, and the workspace."""
    body = {
        "workspace_id": workspace_id,
        "seq": anchor.seq,
        "head_mac": anchor.head_mac,
        "ts_utc": anchor.ts_utc,
        "key_epoch": anchor.key_epoch,
        "n": part.n,
        "pk": part.pk,
        "next_pk": part.next_pk,
        "root_epoch": part.root_epoch,
    }
    return ANCHOR_MAGIC + json.dumps(body, sort_keys=True, separators=(",", ":")).encode("ascii")


def sign_anchor(
    workspace_id: str,
    anchor: Anchor,
    *,
    seed: bytes,
    n: int,
    next_pk: str,
    root_epoch: int,
) -> Anchor:
    """`anchor` signed by the key `seed` as signed anchor number `n`."""
    unsigned = AnchorSignature(
        n=n, pk=public_key_hex(seed), next_pk=next_pk, root_epoch=root_epoch, sig=""
    )
    sig = Ed25519PrivateKey.from_private_bytes(seed).sign(
        anchor_message(workspace_id, anchor, unsigned)
    )
    part = AnchorSignature(
        n=n, pk=unsigned.pk, next_pk=next_pk, root_epoch=root_epoch, sig=sig.hex()
    )
    return Anchor(anchor.seq, anchor.head_mac, anchor.ts_utc, anchor.key_epoch, part)


def signature_valid(workspace_id: str, anchor: Anchor) -> bool:
    """True when a signed anchor's `sig` verifies under its own `pk` (not yet its place)."""
    part = anchor.signature
    if part is None:
        return False
    return verify_bytes(part.pk, anchor_message(workspace_id, anchor, part), part.sig)


def verify_bytes(pk_hex: str, message: bytes, sig_hex: str) -> bool:
    """Ed25519 verification of `message`; malformed hex or key is simply invalid."""
    try:
        pub = Ed25519PublicKey.from_public_bytes(bytes.fromhex(pk_hex))
        pub.verify(bytes.fromhex(sig_hex), message)
    except (ValueError, InvalidSignature):
        return False
    return True


@dataclass(frozen=True)
class AnchorProblem:
    """The first thing wrong with the anchor file: a VerifyStatus name, a seq, a sentence."""

    status: str  # "ANCHOR_FORGED" or "TRUNCATED"
    seq: int
    message: str


@dataclass(frozen=True)
class AnchorReport:
    """What `check_anchor_file` found; `problem` is None when the file is self-consistent."""

    problem: AnchorProblem | None
    signed: int = 0
    legacy: int = 0
    first_seq: int | None = None  # seq of the first signed line
    first_legacy_seq: int | None = None
    root_pk: str | None = None  # `pk` of the first signed line (n = 0)
    root_epoch: int | None = None
    last_next_pk: str | None = None


def describe(report: AnchorReport, root_source: str | None) -> str:
    """One sentence saying which level of anchor verification was done.

    `root_source` says what pinned the root key (None: nothing did, it is the file's own)."""
    if report.signed == 0:
        text = "no signed checkpoints yet"
    elif root_source is None:
        text = (
            f"{report.signed} signed checkpoints verified against the key in their first "
            f"line ({(report.root_pk or '')[:16]}…), which nothing pinned: give the kit or "
            "--public-key to rule out a replaced file"
        )
    else:
        text = f"{report.signed} signed checkpoints verified against the {root_source}"
    if report.legacy:
        text += f"; {report.legacy} older unsigned checkpoints not authenticated"
    return text


def check_anchor_file(anchors: Sequence[Anchor], *, workspace_id: str) -> AnchorReport:
    """Check every line's signature and its place in the key chain, in file order.

    The root key itself is checked by the caller against what pins it (kit, public key).
    Unsigned lines are accepted only before the first signed one (legacy).
    """
    prev: AnchorSignature | None = None
    first: AnchorSignature | None = None
    first_seq: int | None = None
    first_legacy: int | None = None
    legacy = signed = 0

    def report(problem: AnchorProblem | None) -> AnchorReport:
        return AnchorReport(
            problem,
            signed,
            legacy,
            first_seq,
            first_legacy,
            first.pk if first else None,
            first.root_epoch if first else None,
            prev.next_pk if prev else None,
        )

    for line, anchor in enumerate(anchors, start=1):
        part = anchor.signature
        where = f"checkpoint of event {anchor.seq} (line {line})"
        if part is None:
            if prev is not None:
                return report(
                    AnchorProblem(
                        "ANCHOR_FORGED", anchor.seq, f"The {where} is unsigned after signed ones."
                    )
                )
            legacy += 1
            first_legacy = anchor.seq if first_legacy is None else first_legacy
            continue
        if not signature_valid(workspace_id, anchor):
            return report(
                AnchorProblem(
                    "ANCHOR_FORGED",
                    anchor.seq,
                    f"The {where} was altered: its signature does not verify.",
                )
            )
        if prev is None:
            if part.n != 0:
                return report(
                    AnchorProblem(
                        "TRUNCATED",
                        anchor.seq,
                        f"The first {part.n} signed checkpoints were removed before the {where}.",
                    )
                )
            first, first_seq = part, anchor.seq
        elif part.n > prev.n + 1 and part.root_epoch == prev.root_epoch:
            return report(
                AnchorProblem(
                    "TRUNCATED",
                    anchor.seq,
                    f"Signed checkpoints {prev.n + 1} to {part.n - 1} were removed before the "
                    f"{where}; the log was cut back and written again.",
                )
            )
        elif part.n != prev.n + 1 or part.pk != prev.next_pk or part.root_epoch != prev.root_epoch:
            return report(
                AnchorProblem(
                    "ANCHOR_FORGED",
                    anchor.seq,
                    f"The {where} is not signed by the key the checkpoint before it named; "
                    "it was forged or re-signed.",
                )
            )
        prev = part
        signed += 1
    return report(None)


def check_anchor_root(
    report: AnchorReport, *, root_pk: str, root_source: str, born_signed: bool
) -> AnchorProblem | None:
    """The file's first signing key must be the pinned root; `born_signed`: no legacy."""
    if born_signed and report.first_legacy_seq is not None:
        return AnchorProblem(
            "ANCHOR_FORGED",
            report.first_legacy_seq,
            f"The checkpoint of event {report.first_legacy_seq} is unsigned, but this "
            "workspace has signed every checkpoint since it was created.",
        )
    if report.root_pk is not None and report.root_pk != root_pk:
        seq = report.first_seq or 0
        return AnchorProblem(
            "ANCHOR_FORGED",
            seq,
            f"The signed checkpoints from event {seq} on are signed by a key that is not this "
            f"workspace's anchor key (from the {root_source}): the file was replaced.",
        )
    return None


def check_anchor_tail(
    report: AnchorReport,
    *,
    root_pk: str | None,
    stored_seed: bytes | None,
    anchor_count: int,
    recorded_seq: int,
) -> AnchorProblem | None:
    """The file must end where the database's signing key continues (issue 14).

    `stored_seed` is the private key the database keeps for the next anchor; its public half
    must be the last line's `next_pk` (or the root, before any signed line). Otherwise the
    newest signed lines were removed — or the stored key replaced, which no one can do
    without the erased private key of the `next_pk` already written.
    """
    if stored_seed is None:
        return None
    # Before any signed line the stored key is the root, if the root is known at all.
    expected = report.last_next_pk if report.signed else root_pk
    if expected is None and anchor_count == 0:
        return None
    if expected == public_key_hex(stored_seed) and report.signed == anchor_count:
        return None
    ends = (
        "has no signed checkpoints"
        if report.signed == 0
        else (f"holds {report.signed} signed checkpoints")
    )
    return AnchorProblem(
        "TRUNCATED",
        recorded_seq,
        f"audit-anchors.jsonl {ends}, but the database's signing key continues after "
        f"{anchor_count}: signed checkpoints up to event {recorded_seq} were removed from the "
        "end of the file (or the database's key was replaced).",
    )


def pinned_root(
    report: AnchorReport,
    *,
    k0: bytes | None,
    anchor_key: str | None,
    root_event_pk: str | None,
) -> tuple[str | None, str]:
    """The root anchor key to hold the file to, and where it came from.

    A given `anchor_key` (the kit's, or a public key) wins. With K0, the `audit.anchor_key`
    event is used (the chain, verified with K0, authenticates it), else the key K0 derives
    for the file's root epoch. Without either, nothing pins the root (None)."""
    if anchor_key is not None:
        return anchor_key, "kit's anchor key" if k0 is not None else "public anchor key given"
    if k0 is None:
        return None, ""
    if root_event_pk is not None:
        return root_event_pk, "root key named in the log (checked with the kit)"
    if report.root_epoch is None:
        return None, ""
    derived = public_key_hex(root_seed(key_for_epoch(k0, report.root_epoch)))
    return derived, f"key the kit derives for epoch {report.root_epoch}"


def as_result(
    problem: AnchorProblem,
    report: AnchorReport,
    pinned: str | None,
    result: VerifyResult | None = None,
) -> VerifyResult:
    """`problem` as the verifier's result, keeping the chain walk's count and head."""
    return VerifyResult(
        VerifyStatus[problem.status],
        problem.seq,
        result.count if result else 0,
        result.head_mac if result else None,
        problem.message,
        describe(report, pinned),
    )
