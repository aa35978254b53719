"""Password hashing cost and the unknown-user path (AUTH-6). Run:
`python tests/bench/bench_passwords.py`.

Every figure is a ratio against a baseline measured in the same run, with the production
argon2id parameters:
  1. `dummy_verify` (an unknown username) vs verifying a wrong password against a real hash.
  2. A whole failed sign-in through AuthService: unknown username vs known user with a wrong
     password. Skipping the hash for unknown users would show as a ratio near 0.001x.
Both should be close to 1x; the expected band is 0.25x-4x.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import keyring

from app.security.auth import AuthService, LoginFailed
from app.security.passwords import Argon2idHasher
from tests.conftest import ADMIN_PASSWORD, FakeKeyring, sign_in_admin

RUNS = 7
BAND = (0.25, 4.0)


def median_seconds(action: Callable[[], object]) -> float:
    runs = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        action()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def verdict(ratio: float) -> str:
    low, high = BAND
    return "within band" if low < ratio < high else "OUTSIDE BAND"


def bench_hasher() -> None:
    hasher = Argon2idHasher()
    stored = hasher.hash(ADMIN_PASSWORD)
    hasher.dummy_verify("warm-up")  # builds the dummy hash once, as the first login does
    wrong = median_seconds(lambda: hasher.verify(stored, "wrong password"))
    unknown = median_seconds(lambda: hasher.dummy_verify("wrong password"))
    ratio = unknown / wrong
    print(
        f"1. dummy_verify {unknown * 1000:.1f} ms vs wrong-password verify {wrong * 1000:.1f} ms"
        f"  → ratio {ratio:.2f}x ({verdict(ratio)})"
    )


def bench_sign_in(tmp: Path) -> None:
    signed = sign_in_admin(tmp / "ws")
    auth = AuthService(signed.ctx)

    def fail(username: str) -> None:
        signed.clock.advance(3600)  # past any back-off: the throttle is not measured here
        try:
            auth.login(username, "not the right password at all", "123456")
        except LoginFailed:
            return
        raise AssertionError("the sign-in should have failed")

    fail("zz-nobody")  # warm-up: builds the dummy hash
    wrong = median_seconds(lambda: fail("admin"))
    unknown = median_seconds(lambda: fail("zz-nobody"))
    ratio = unknown / wrong
    print(
        f"2. failed sign-in: unknown user {unknown * 1000:.1f} ms vs wrong password "
        f"{wrong * 1000:.1f} ms  → ratio {ratio:.2f}x ({verdict(ratio)})"
    )
    signed.ctx.close()


def main() -> int:
    keyring.set_keyring(FakeKeyring())
    bench_hasher()
    with tempfile.TemporaryDirectory() as tmp:
        bench_sign_in(Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
