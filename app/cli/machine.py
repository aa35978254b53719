"""`privdesk selftest` and `privdesk keyring status|enrol|forget`: this machine's SQLCipher,
keyring and Qt."""

from __future__ import annotations

import argparse
from typing import Any

from app import store
from app.admin import AdminService
from app.cli.frontends import frontends
from app.cli.output import EXIT_CHECK_FAILED, EXIT_OK, emit
from app.cli.parsing import add_command, add_group
from app.cli.unlock import keyring_store, signed_in, with_step_up
from app.desktop_libs import DesktopCheck, check_desktop
from app.keystore import KeyringState, KeyringStatus


def register(sub: argparse._SubParsersAction[Any]) -> None:
    selftest = add_command(
        sub, "selftest", cmd_selftest, "check SQLCipher, the keyring and Qt on this machine"
    )
    selftest.add_argument(
        "--desktop",
        action="store_true",
        help="also fail when a system library the desktop window needs is missing "
        "(`make demo` runs this first)",
    )
    keyring = add_group(sub, "keyring", "show, enrol or forget this machine's keyring entry")
    add_command(keyring, "status", cmd_keyring_status, "is the workspace key in the keyring")
    add_command(keyring, "enrol", cmd_keyring_enrol, "put the workspace key into the keyring")
    add_command(keyring, "forget", cmd_keyring_forget, "remove it (step-up)")


def cmd_selftest(args: argparse.Namespace) -> int:
    probe = frontends(args).probe()  # before anything is printed: a headless CLI says so
    results: dict[str, Any] = {}
    ok = True
    try:
        results["sqlcipher"] = {"ok": True, "version": store.cipher_version()}
    except Exception as exc:
        ok = False
        results["sqlcipher"] = {"ok": False, "error": str(exc)}
    status = keyring_store(args).status("privdesk-selftest")
    results["keyring"] = status.to_json() | {
        "ok": status.state in (KeyringState.AVAILABLE, KeyringState.ENTRY_MISSING),
        "backends": _keyring_backends(),
    }
    results["qt"] = probe()
    ok = ok and results["qt"]["ok"]
    desktop = check_desktop()
    results["desktop"] = {
        "ok": desktop.ok,
        "checked": desktop.checked,
        "missing": desktop.missing,
        "apt": desktop.apt_line(),
        "dnf": desktop.dnf_line(),
        "reason": desktop.reason,
    }
    if getattr(args, "desktop", False):
        ok = ok and desktop.ok
    results["status"] = "ok" if ok else "failed"
    lines = [
        f"SQLCipher: {results['sqlcipher'].get('version') or results['sqlcipher'].get('error')}",
        f"Keyring:   {status.state.value} — {status.reason} [{status.backend}]",
        f"Qt:        {results['qt'].get('detail')}",
        f"Desktop:   {desktop_text(desktop)}",
    ]
    emit(args, results, "\n".join(lines))
    return EXIT_OK if ok else EXIT_CHECK_FAILED


def desktop_text(check: DesktopCheck) -> str:
    """The selftest line for the desktop libraries, with the command that installs them."""
    if not check.checked:
        return f"not checked ({check.reason})"
    if check.ok:
        return "every system library the window needs is installed"
    return (
        f"missing {', '.join(check.missing)}; install them with:\n"
        f"    {check.apt_line()}\n"
        f"  (Fedora: {check.dnf_line()})"
    )


def _keyring_backends() -> list[str]:
    try:
        import keyring.backend

        return sorted(
            f"{type(b).__module__}.{type(b).__qualname__}"
            for b in keyring.backend.get_all_keyring()
        )
    except Exception as exc:
        return [f"error: {type(exc).__name__}"]


def cmd_keyring_status(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        status = AdminService(ctx, principal).keyring_status()
    return _keyring_result(args, status)


def cmd_keyring_enrol(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        status = AdminService(ctx, principal).enrol_keyring()
    return _keyring_result(args, status)


def cmd_keyring_forget(args: argparse.Namespace) -> int:
    with signed_in(args) as (ctx, principal):
        removed = with_step_up(ctx, principal, lambda p: AdminService(ctx, p).forget_keyring())
    emit(
        args,
        {"status": "ok", "removed": removed},
        "Keyring entry removed." if removed else "No keyring entry to remove.",
    )
    return EXIT_OK


def _keyring_result(args: argparse.Namespace, status: KeyringStatus) -> int:
    ok = status.state is KeyringState.AVAILABLE
    emit(
        args,
        {"status": "ok" if ok else "unavailable", "keyring": status.to_json()},
        f"{status.state.value}: {status.reason}",
    )
    return EXIT_OK if ok else EXIT_CHECK_FAILED
