"""Redaction in the workspace: versioned rules, permissions, audit, impact preview,
history redaction (resume after a crash, FTS, the decrypted database bytes), the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from sqlalchemy import select, text

from app.demodata import generate
from app.helpdesk import HelpdeskService
from app.jobs import Cancelled, JobControl
from app.redaction import MaskStyle
from app.redaction.history import HistoryService, checkpoint_wal, fts_count
from app.redaction.rules import RuleError
from app.redaction.service import RedactionService
from app.security.auth import AuthService, StepUpRequired
from app.security.guard import PermissionDenied
from models.helpdesk import Comment, Ticket
from models.redaction import RedactionRun
from tests.conftest import SignedIn, keys_of

CARD = "4539 1488 0343 6467"  # Luhn-valid, and in no rule example
PAGE, RESERVE = 4096, 80  # SQLCipher 4 defaults: IV (16) + HMAC-SHA512 (64) per page


def events(admin: SignedIn, prefix: str) -> list[dict[str, Any]]:
    with admin.ctx.read_session() as s:
        rows = s.execute(
            text("SELECT action, details_json FROM audit_log WHERE action LIKE :p ORDER BY seq"),
            {"p": prefix + "%"},
        ).all()
    return [{"action": a, **json.loads(d or "{}")} for a, d in rows]


@pytest.fixture
def rosa(admin: SignedIn) -> Any:
    principal, secret = admin.add_operator("rosa", ["redaction_admin"])
    return principal, secret


def stepped(admin: SignedIn, rosa: Any) -> Any:
    from app.security import totp

    principal, secret = rosa
    admin.clock.advance(30)
    return AuthService(admin.ctx).step_up(principal, totp.current_code(secret, admin.clock.now()))


@pytest.fixture
def desk(admin: SignedIn, tmp_path: Path) -> Path:
    """A workspace holding a small demo export, plus one ticket with a known card."""
    out = tmp_path / "export"
    generate(out, agents=4, end_users=30, tickets=60)
    HelpdeskService(admin.ctx, admin.principal).import_zendesk(out)
    with admin.ctx.session() as s:
        s.add(Ticket(id=9999, subject="Card", description=f"my card {CARD}", row_hash="x"))
        s.flush()
        s.add(
            Comment(
                id=99990,
                ticket_id=9999,
                body=f"my card {CARD}, exp 09/28",
                html_body=f"<p>my card {CARD}, exp 09/28</p>",
                plain_body=f"my card {CARD}, exp 09/28",
                row_hash="x",
            )
        )
    return out


def test_rule_edits_are_versioned_audited_and_revertible(admin: SignedIn, rosa: Any) -> None:
    service = RedactionService(admin.ctx, rosa[0])
    card = next(i for i in service.rules() if i.rule_id == "credit_card")
    assert card.version == 0 and card.rule.builtin
    edited = service.save_rule(card.rule.with_changes(score=0.7, context=("card",)))
    assert edited.version == 1
    service.set_enabled("credit_card", False)
    now = next(i for i in service.rules() if i.rule_id == "credit_card")
    assert (now.version, now.rule.enabled, now.rule.score, now.modified) == (2, False, 0.7, True)
    assert [v.change for v in service.versions("credit_card")] == ["edit", "disable"]
    service.revert("credit_card", 1)
    back = next(i for i in service.rules() if i.rule_id == "credit_card")
    assert (back.version, back.rule.enabled, back.rule.score) == (3, True, 0.7)
    actions = [e["action"] for e in events(admin, "redaction.rule.")]
    assert actions == [
        "redaction.rule.edit",
        "redaction.rule.disable",
        "redaction.rule.revert",
    ]
    assert all("pattern" not in e for e in events(admin, "redaction.rule."))


def test_custom_rules_import_export_and_bad_files_change_nothing(
    admin: SignedIn, rosa: Any
) -> None:
    service = RedactionService(admin.ctx, rosa[0])
    toml = (
        '[[rule]]\nid = "order_ref"\ntype = "ORDER_REF"\npattern = \'\\bAS-\\d{4}-\\d{6}\\b\'\n'
        'must_match = ["AS-2025-123456"]\n'
    )
    assert [i.rule_id for i in service.import_rules(toml)] == ["order_ref"]
    assert "order_ref" in service.export_rules()
    engine = service.engine()
    assert [f.rule_id for f in engine.scan("order AS-2025-123456")] == ["order_ref"]
    before = len(service.versions("order_ref"))
    with pytest.raises(RuleError, match="position"):
        service.import_rules(toml.replace("order_ref", "x2").replace("\\b", "(?<=x)"))
    assert len(service.versions("order_ref")) == before
    service.delete_rule("order_ref")
    assert "order_ref" not in {i.rule_id for i in service.rules()}


def test_auditors_may_look_but_not_change(admin: SignedIn) -> None:
    auditor, _ = admin.add_operator("audrey", ["auditor"])
    service = RedactionService(admin.ctx, auditor)
    assert service.rules()
    card = service.rules()[0].rule
    with pytest.raises(PermissionDenied):
        service.save_rule(card.with_changes(score=0.5))
    with pytest.raises(PermissionDenied):
        HistoryService(admin.ctx, auditor).start()


def test_impact_preview_counts_and_masks_its_samples(
    admin: SignedIn, rosa: Any, desk: Path
) -> None:
    report = RedactionService(admin.ctx, rosa[0]).impact()
    assert report.tickets_scanned == 61 and report.tickets_with_hits > 0
    assert report.by_type["CREDIT_CARD"] >= 1 and report.by_rule["email"] > 0
    assert report.estimated_apply_seconds > 0
    assert all(CARD not in s.excerpt and "@" not in s.excerpt for s in report.samples)
    (event,) = events(admin, "redaction.impact")
    assert event["tickets"] == 61 and CARD not in json.dumps(event)


def test_history_needs_step_up_then_removes_values_everywhere(
    admin: SignedIn, rosa: Any, desk: Path
) -> None:
    history = HistoryService(admin.ctx, rosa[0])
    admin.clock.advance(600)  # the sign-in's own code is no longer fresh
    with pytest.raises(StepUpRequired):
        history.start()
    fresh = stepped(admin, rosa)
    plan = HistoryService(admin.ctx, fresh).export_plan(admin.ctx.workspace.folder / "plan.jsonl")
    first = json.loads(plan.path.read_text().splitlines()[0])
    assert first["endpoint"].startswith("/api/v2/comment_redactions/")
    assert "<redact>" in first["body"]["html_body"]
    assert plan.path.stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in plan.path.parent.glob(".plan*")) == []  # no partial left

    # A plan run that fails half-way leaves neither a file that looks like a plan nor the
    # values it had written so far.
    def cancelled(done: int, total: int | None, what: str) -> None:
        raise Cancelled()

    control = JobControl(on_progress=cancelled)
    broken = admin.ctx.workspace.folder / "broken.jsonl"
    with pytest.raises(Cancelled):
        HistoryService(admin.ctx, fresh).export_plan(broken, control=control)
    assert not broken.exists()
    assert list(broken.parent.glob(".broken*")) == []

    run = HistoryService(admin.ctx, fresh).start(style=MaskStyle.TOKEN.value)
    done = HistoryService(admin.ctx, fresh).run(run.id)
    assert done.status == "done" and done.done_tickets == 61 and done.comments_changed > 0
    with admin.ctx.read_session() as s:
        texts = [
            *s.scalars(select(Comment.body)),
            *s.scalars(select(Comment.html_body)),
            *s.scalars(select(Ticket.description)),
        ]
        assert not any(CARD in (t or "") for t in texts)
        assert s.get(Comment, 99990).body == "my card [CREDIT_CARD], exp 09/28"  # type: ignore[union-attr]
        assert fts_count(s, "fts_comments", CARD) == 0
        assert fts_count(s, "fts_tickets", CARD) == 0
    assert [e["action"] for e in events(admin, "redaction.history.")][-1] == (
        "redaction.history.done"
    )


def test_history_resumes_after_a_crash_with_every_ticket_whole(
    admin: SignedIn, rosa: Any, desk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.redaction.history as history_module

    monkeypatch.setattr(history_module, "BATCH_TICKETS", 10)
    fresh = stepped(admin, rosa)
    run = HistoryService(admin.ctx, fresh).start(style="token")
    calls = {"n": 0}
    original = HistoryService._redact_batch

    def crash_on_third(self: Any, *args: Any) -> None:
        calls["n"] += 1
        original(self, *args)
        if calls["n"] == 3:
            raise RuntimeError("power cut")  # after the writes, before the commit

    monkeypatch.setattr(HistoryService, "_redact_batch", crash_on_third)
    with pytest.raises(RuntimeError):
        HistoryService(admin.ctx, fresh).run(run.id)
    with admin.ctx.read_session() as s:
        saved = s.get(RedactionRun, run.id)
        assert saved is not None and (saved.status, saved.done_tickets) == ("running", 20)
        # tickets of the crashed batch are untouched; earlier ones fully redacted
        ids = sorted(s.scalars(select(Ticket.id)))
        crashed = ids[20:30]
        bodies = s.scalars(select(Comment.body).where(Comment.ticket_id.in_(crashed)))
        assert not any("[" in (b or "") and "_" in (b or "") for b in bodies)
    monkeypatch.setattr(HistoryService, "_redact_batch", original)
    with pytest.raises(StepUpRequired):
        admin.clock.advance(600)
        HistoryService(admin.ctx, fresh).resume(run.id)
    again = stepped(admin, rosa)
    HistoryService(admin.ctx, again).resume(run.id)
    progress: list[int] = []
    done = HistoryService(admin.ctx, again).run(
        run.id, JobControl(lambda d, t, m: progress.append(d))
    )
    assert done.status == "done" and done.done_tickets == 61 and progress[0] == 30
    with admin.ctx.read_session() as s:
        assert not any(CARD in (b or "") for b in s.scalars(select(Comment.body)))


def test_the_decrypted_database_file_no_longer_holds_the_card(
    admin: SignedIn, rosa: Any, desk: Path
) -> None:
    folder = admin.ctx.workspace.folder
    _, dek = keys_of(folder, admin.passphrase)
    checkpoint_wal(admin.ctx.workspace.engine)
    assert CARD.encode() in decrypted_pages(folder / "privdesk.db", dek)  # the grep works
    fresh = stepped(admin, rosa)
    run = HistoryService(admin.ctx, fresh).start()
    HistoryService(admin.ctx, fresh).run(run.id)
    conn = sqlcipher3.connect(str(folder / "privdesk.db"))
    conn.execute(f"PRAGMA key = \"x'{dek.hex()}'\"")
    assert conn.execute("PRAGMA cipher_page_size").fetchone()[0] == str(PAGE)
    assert conn.execute("SELECT count(*) FROM hd_comments").fetchone()[0] > 0  # right key
    conn.close()
    data = decrypted_pages(folder / "privdesk.db", dek)
    assert b"hd_comments" in data  # really decrypted: the schema is readable
    for needle in (CARD, CARD.replace(" ", "")):
        assert needle.encode() not in data
    wal = folder / "privdesk.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


def decrypted_pages(db: Path, dek: bytes) -> bytes:
    """Every page of the file decrypted, free pages included (AES-256-CBC; the IV is in
    each page's reserved tail; page 1 starts with the 16-byte salt)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = db.read_bytes()
    out = []
    for n in range(len(raw) // PAGE):
        page = raw[n * PAGE : (n + 1) * PAGE]
        iv = page[PAGE - RESERVE : PAGE - RESERVE + 16]
        body = page[16 : PAGE - RESERVE] if n == 0 else page[: PAGE - RESERVE]
        d = Cipher(algorithms.AES(dek), modes.CBC(iv)).decryptor()
        out.append(d.update(body) + d.finalize())
    return b"".join(out)


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_redact_text_scan_and_rules_test(tmp_path: Path) -> None:
    done = run_cli("redact", "text", "--json", stdin=f"card {CARD} ok")
    out = json.loads(done.stdout)
    assert out == {
        "text": "card **** **** **** 6467 ok",
        "findings": [{"start": 5, "end": 24, "type": "CREDIT_CARD", "rule": "credit_card"}],
    }
    lines = '{"id": 1, "text": "SSN 536-22-1234"}\n{"id": 2, "text": "none"}\n'
    done = run_cli("redact", "scan", "--jsonl", "-", stdin=lines)
    assert [json.loads(x)["findings"] for x in done.stdout.splitlines()][1] == []
    assert "536" not in done.stdout
    assert run_cli("rules", "test").returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[rule]]\nid = "credit_card"\ntype = "CREDIT_CARD"\npattern = \'\\d{16}\'\n'
        'must_not_match = ["4111111111111111"]\n'
    )
    failed = run_cli("rules", "test", "--rules", str(bad), "--json")
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["failed"][0]["rule"] == "credit_card"


def test_a_refused_demo_case_import_learns_nothing_about_the_folder(
    admin: SignedIn, tmp_path: Path
) -> None:
    """An operator without redaction.manage is refused before the folder is read: the same
    refusal for a folder that exists and one that does not."""
    service = RedactionService(admin.ctx, admin.principal)  # an administrator, not a redactor
    for folder in (tmp_path, tmp_path / "no-such-folder"):
        with pytest.raises(PermissionDenied):
            service.import_demo_cases(folder)
