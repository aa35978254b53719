"""Streaming writers for the export files and the labelled comment bodies."""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from app.demodata import pii

JSON = dict[str, Any]


def ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Ids:
    """Monotonic ids with random gaps, like Zendesk's (unique, increasing, not dense)."""

    def __init__(self, rng: random.Random, start: int, gap: int) -> None:
        self._rng = rng
        self._next = start
        self._gap = gap

    def __call__(self) -> int:
        self._next += self._rng.randint(1, self._gap)
        return self._next


class Ndjson:
    """Counts lines while writing one compact JSON object per line."""

    def __init__(self, path: Path) -> None:
        self.count = 0
        self._fh: TextIO = path.open("w", encoding="utf-8", newline="\n")

    def write(self, obj: JSON) -> None:
        self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        self._fh.write("\n")
        self.count += 1

    def __enter__(self) -> Ndjson:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._fh.close()


class JsonArray:
    """Streams the items of a JSON array to a file (first item without a comma)."""

    def __init__(self, fh: TextIO) -> None:
        self._fh = fh
        self.count = 0

    def write(self, obj: JSON) -> None:
        self._fh.write(",\n    " if self.count else "\n    ")
        self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(", ", ": ")))
        self.count += 1


class Labels:
    """planted.json, streamed: entities go straight to the file, decoys to a temporary file
    that is appended at the end, so neither list is ever held in memory."""

    def __init__(self, path: Path, seed: int, now: datetime) -> None:
        self._fh: TextIO = path.open("w", encoding="utf-8", newline="\n")
        self._tmp = path.with_name(f".{path.name}.decoys.tmp")
        self._tmp_fh: TextIO = self._tmp.open("w", encoding="utf-8", newline="\n")
        self._fh.write(
            '{\n  "format": 1,\n'
            f'  "seed": {seed},\n  "now": "{ts(now)}",\n'
            '  "note": "Synthetic demo data: every value is generated, none is real.",\n'
            '  "entities": ['
        )
        self.entities = JsonArray(self._fh)
        self.decoys = JsonArray(self._tmp_fh)

    def finish(self, summary: JSON) -> None:
        self._tmp_fh.close()
        self._fh.write('\n  ],\n  "decoys": [')
        with self._tmp.open(encoding="utf-8") as src:
            shutil.copyfileobj(src, self._fh)
        self._tmp.unlink()
        self._fh.write('\n  ],\n  "summary": ')
        self._fh.write(json.dumps(summary, ensure_ascii=False, indent=2).replace("\n", "\n  "))
        self._fh.write("\n}\n")
        self._fh.close()

    def abort(self) -> None:
        self._tmp_fh.close()
        self._fh.close()
        self._tmp.unlink(missing_ok=True)


class Body:
    """A comment body under construction, with the offsets of labelled spans."""

    __slots__ = ("decoys", "entities", "parts", "pos")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.entities: list[tuple[str, pii.Made, int, int]] = []
        self.decoys: list[tuple[str, pii.Made, int, int]] = []

    def text(self, s: str) -> None:
        self.parts.append(s)
        self.pos += len(s)

    def labelled(
        self, sink: list[tuple[str, pii.Made, int, int]], kind: str, made: pii.Made
    ) -> None:
        start = self.pos
        self.text(made.value)
        sink.append((kind, made, start, self.pos))

    def value(self) -> str:
        return "".join(self.parts)
