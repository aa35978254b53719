"""Column types for personal data (issue 17, team mode).

Every column that holds personal data (ticket and comment text, people's names, emails
and phones, DSAR requester data, reveal reasons, help-desk access-log users and IPs) or a
secret (API tokens) is declared with one of these types, so the team-mode backend can seal
it: on PostgreSQL the value is encrypted in the application (AES-256-GCM, keys from
`models.sealed`) before it reaches the server; on SQLCipher the whole file is already
encrypted and the value is stored as it is.

    name: Mapped[str | None] = mapped_column(PersonalString(255))
    body: Mapped[str | None] = mapped_column(PersonalText)

Exact lookups on such a column go through a blind-index column (see `models.sealed`),
never `WHERE personal_column = :value` or `LIKE`, which cannot work on ciphertext.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class PersonalText(TypeDecorator[str]):
    """Unbounded personal text (ticket bodies, comments, reasons)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return value


class PersonalString(TypeDecorator[str]):
    """Bounded personal text (names, emails, phones): the bound is the clear value's."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return value
