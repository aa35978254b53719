#!/usr/bin/env bash
# Headless smoke test of the frozen build (run `make package` first). Not part of `make test`:
# it builds a demo workspace (key derivation, 1,500 tickets through the importers), about
# a minute or two on this project's 2-core machines; packaging/README.md has the timings.
#
#   packaging/smoke.sh                 # tests dist/privdesk/privdesk
#   PRIVDESK_BIN=/opt/privdesk/privdesk packaging/smoke.sh
#
# 1. `privdesk selftest --json`: SQLCipher version present (and the venv's), the same keyring
#    backend list as the venv's `privdesk selftest --json`, the Qt platform plugin loads.
# 2. `privdesk demo --no-gui -w TMP`, then `privdesk audit verify --kit …` signed in as ada
#    with the demo credentials (passphrase unlock: the real keyring is never touched here).
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${PRIVDESK_BIN:-dist/privdesk/privdesk}
VENV_BIN=${PRIVDESK_VENV_BIN:-.venv/bin/privdesk}
PY=${PYTHON:-python3}
export QT_QPA_PLATFORM=offscreen
unset PRIVDESK_WORKSPACE PRIVDESK_SESSION PRIVDESK_PASSPHRASE PRIVDESK_OPERATOR \
    PRIVDESK_PASSWORD PRIVDESK_TOTP

started=$SECONDS
TMP=$(mktemp -d "${TMPDIR:-/tmp}/privdesk-smoke.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

step() { printf 'smoke: %-48s' "$1"; }
ok() { printf 'ok (%ss)\n' "$((SECONDS - started))"; }
fail() {
    printf 'FAILED\nsmoke: %s\n' "$1" >&2
    for f in "$TMP"/*.err; do [[ -s $f ]] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
    exit 1
}

[[ -x $BIN ]] || fail "$BIN not found: run \`make package\` first"
[[ -x $VENV_BIN ]] || fail "$VENV_BIN not found: run \`make install\` first"

step "selftest of the frozen build"
"$BIN" selftest --json >"$TMP/frozen.json" 2>"$TMP/selftest.err" ||
    fail "frozen selftest exited $? ($(cat "$TMP/frozen.json"))"
ok

step "selftest of the venv, to compare"
"$VENV_BIN" selftest --json >"$TMP/venv.json" 2>"$TMP/venv-selftest.err" ||
    fail "venv selftest exited $?"
ok

step "SQLCipher, keyring backends and Qt agree"
"$PY" - "$TMP/frozen.json" "$TMP/venv.json" <<'PYEOF' || fail "selftest results differ"
import json, sys

frozen, venv = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
problems = []
cipher = frozen["sqlcipher"]
if not (cipher.get("ok") and cipher.get("version")):
    problems.append(f"SQLCipher: {cipher}")
elif cipher["version"] != venv["sqlcipher"].get("version"):
    problems.append(f"SQLCipher {cipher['version']} != venv {venv['sqlcipher'].get('version')}")
if frozen["keyring"]["backends"] != venv["keyring"]["backends"]:
    problems.append(
        f"keyring backends {frozen['keyring']['backends']} != venv {venv['keyring']['backends']}"
    )
if frozen["keyring"]["backend"] != venv["keyring"]["backend"]:
    problems.append(f"keyring {frozen['keyring']['backend']} != venv {venv['keyring']['backend']}")
if not frozen["qt"].get("ok"):
    problems.append(f"Qt: {frozen['qt'].get('detail')}")
for p in problems:
    print(f"\nsmoke:   {p}", file=sys.stderr)
print(
    f"\nsmoke:   SQLCipher {cipher.get('version')}; keyring {frozen['keyring']['backend']} of "
    f"{len(frozen['keyring']['backends'])} backends; {frozen['qt'].get('detail')}"
)
sys.exit(1 if problems else 0)
PYEOF
ok

# From here on the keyring is keyring's `fail` backend: a smoke test must not leave keys in
# the desktop keyring, and the passphrase route is the one a fresh install depends on.
export PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring

step "demo --no-gui (builds a demo workspace)"
"$BIN" demo --no-gui -w "$TMP/demo" --json >"$TMP/demo.json" 2>"$TMP/demo.err" ||
    fail "demo exited $?"
[[ -s $TMP/demo/demo-credentials.json ]] || fail "no demo-credentials.json"
ok

# The demo's own sign-in used the current TOTP step, so sign in with the next one (the
# server accepts ±1 step and refuses a step at or before the last accepted one).
eval "$("$PY" - "$TMP/demo/demo-credentials.json" <<'PYEOF'
import base64, hashlib, hmac, json, shlex, struct, sys, time

creds = json.load(open(sys.argv[1], encoding="utf-8"))
ada = creds["operators"]["ada"]
secret = ada["totp_secret"].upper()
key = base64.b32decode(secret + "=" * (-len(secret) % 8))
step = int(time.time() + 30) // 30
digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
offset = digest[-1] & 0x0F
code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
for name, value in (
    ("PRIVDESK_PASSPHRASE", creds["recovery_passphrase"]),
    ("PRIVDESK_OPERATOR", "ada"),
    ("PRIVDESK_PASSWORD", ada["password"]),
    ("PRIVDESK_TOTP", f"{code:06d}"),
):
    print(f"export {name}={shlex.quote(value)}")
PYEOF
)"

step "audit verify --kit (signed in as ada)"
"$BIN" audit verify -w "$TMP/demo" --kit "$TMP/demo/exports/audit-verifier-kit.json" --json \
    >"$TMP/audit.json" 2>"$TMP/audit.err" || fail "audit verify exited $? ($(cat "$TMP/audit.json"))"
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("status")=="OK" else 1)' \
    "$TMP/audit.json" || fail "audit verify did not say OK: $(cat "$TMP/audit.json")"
ok

echo "smoke: passed in $((SECONDS - started)) s"
