"""Training and awareness (issue 21): programmes, completions, phishing results, quiz results.

A programme is required of an *audience* (help-desk roles ``agent``/``admin``, group names,
custom-role names, as in `models.helpdesk`) and recurs every ``recurrence_months`` months.
Completions and phishing results name the agent by email, matched to the help-desk person
by email. The email is personal data: ``email`` is a sealed column (`PersonalString`,
encrypted in team mode) and ``email_index`` is its blind index (HMAC-SHA256 of the
lower-cased address, hex), the only column exact lookups use.

Quizzes themselves are data files (``resources/training/quizzes/*.toml``); a quiz export
(``trn_quiz_exports``) holds the per-export HMAC key a returned results file is verified
with. Timestamps are UTC strings ``YYYY-MM-DDTHH:MM:SSZ``.
"""

from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base
from models.types import PersonalString, PersonalText

PHISHING_STATUSES = (
    "Email Sent",
    "Email Opened",
    "Clicked Link",
    "Submitted Data",
    "Email Reported",
)


class Programme(Base):
    """A training programme required of an audience, repeated every N months."""

    __tablename__ = "trn_programmes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # {"roles": ["agent", "admin"], "groups": ["Billing"], "custom_roles": ["Card data"]}
    audience_json: Mapped[str] = mapped_column(Text, default="{}")
    recurrence_months: Mapped[int] = mapped_column(Integer, default=12)
    created_at: Mapped[str] = mapped_column(String(40))


class Completion(Base):
    """One agent's completion of a programme, from an LMS export (or a passed quiz)."""

    __tablename__ = "trn_completions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("trn_programmes.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(PersonalString(320))
    email_index: Mapped[str] = mapped_column(String(64))
    completed_at: Mapped[str] = mapped_column(String(40))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(32))  # lms:<mapping> | quiz
    source_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the imported file
    imported_at: Mapped[str] = mapped_column(String(40))

    __table_args__ = (
        UniqueConstraint(
            "programme_id", "email_index", "completed_at", name="uq_trn_completions_entry"
        ),
        Index("ix_trn_completions_email_index", "email_index"),
    )


class PhishingResult(Base):
    """One recipient's result in a phishing-simulation campaign (GoPhish result fields)."""

    __tablename__ = "trn_phishing_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign: Mapped[str] = mapped_column(String(200))
    result_id: Mapped[str] = mapped_column(String(64))  # GoPhish result "id" (rid)
    email: Mapped[str] = mapped_column(PersonalString(320))
    email_index: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))  # one of PHISHING_STATUSES
    sent_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    opened_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    clicked_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    submitted_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reported_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    modified_at: Mapped[str | None] = mapped_column(String(40), nullable=True)
    source_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[str] = mapped_column(String(40))

    __table_args__ = (
        UniqueConstraint("campaign", "result_id", name="uq_trn_phishing_results_campaign_rid"),
        Index("ix_trn_phishing_results_email_index", "email_index"),
    )


class QuizExport(Base):
    """One exported quiz HTML file: its id, quiz, agent and the HMAC key results verify with."""

    __tablename__ = "trn_quiz_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    export_id: Mapped[str] = mapped_column(String(64), unique=True)
    quiz: Mapped[str] = mapped_column(String(120))  # quiz file stem
    programme_id: Mapped[int | None] = mapped_column(
        ForeignKey("trn_programmes.id", ondelete="SET NULL"), nullable=True
    )
    email: Mapped[str] = mapped_column(PersonalString(320))
    email_index: Mapped[str] = mapped_column(String(64))
    key_hex: Mapped[str] = mapped_column(PersonalText)  # a secret: sealed in team mode
    created_at: Mapped[str] = mapped_column(String(40))


class QuizResult(Base):
    """A verified, re-scored quiz results file."""

    __tablename__ = "trn_quiz_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    export_id: Mapped[str] = mapped_column(
        ForeignKey("trn_quiz_exports.export_id", ondelete="CASCADE"), unique=True
    )
    score: Mapped[float] = mapped_column(Float)
    passed: Mapped[int] = mapped_column(Integer)  # 0 / 1
    answers_json: Mapped[str] = mapped_column(Text, default="{}")
    completed_at: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[str] = mapped_column(String(40))
