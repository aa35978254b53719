"""Imports stream in bounded memory: recognising big files and the per-row id sets.

A 1 GB export must import in < 400 MB RSS (issue 4). What used to grow with the export:
recognising a large non-export JSON file beside it (``planted.json``) by parsing it whole,
and the duplicate-id / dangling-reference id sets kept as Python ``set``s of ints.
"""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

from app.importers import sources
from app.importers.loader import IdSet
from app.importers.sources import SourceFile, peek
from app.importers.zendesk_shapes import kind_from_content


def _traced_peak(fn):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        result = fn()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_json_file_is_recognised_without_parsing_it_whole(tmp_path: Path) -> None:
    big = tmp_path / "labels.json"
    items = [{"ticket_id": n, "note": "x" * 2000, "tags": [n, {"a": "}]"}]} for n in range(4000)]
    big.write_text(json.dumps({"format": 1, "entities": items, "users_like": "no"}))
    assert big.stat().st_size > sources.PEEK_WHOLE
    src = SourceFile(big, big.name)
    kind, peak = _traced_peak(lambda: kind_from_content(src))
    assert kind is None
    assert peak < 2 * 2**20  # the 8 MB document was never held, parsed or as text
    assert peek(src) == {"format": 1, "entities": [], "users_like": "no"}


def test_a_large_api_file_is_recognised_by_its_keys(tmp_path: Path) -> None:
    big = tmp_path / "export-part-1.json"
    users = [
        {"id": n, "name": f"User {n}", "role": "end-user", "bio": "y" * 1000} for n in range(5000)
    ]
    big.write_text(json.dumps({"count": 5000, "users": users, "next_page": None}))
    assert big.stat().st_size > sources.PEEK_WHOLE
    kind = kind_from_content(SourceFile(big, big.name))
    assert kind is not None and kind.name == "users"
    listed = tmp_path / "bare-list.json"
    listed.write_text(json.dumps(users))
    kind = kind_from_content(SourceFile(listed, listed.name))
    assert kind is not None and kind.name == "users"


def test_idset_is_a_set_of_ids() -> None:
    rnd = random.Random(4)
    values: list[object] = [rnd.randrange(-(10**6), 10**6) for _ in range(5000)]
    values += [rnd.randrange(1 << 62) for _ in range(5000)]
    values += ["a", "101", 1 << 70, -(1 << 63), (1 << 63) - 1, 0, True]
    values += values[:300]
    ids, ref = IdSet(), set()
    for value in values:
        assert ids.add(value) == (value not in ref)
        ref.add(value)
    for value in [*values, "b", 5 << 70, *(rnd.randrange(1 << 62) for _ in range(2000))]:
        assert (value in ids) == (value in ref)
    assert len(ids) == len(ref)


def test_idset_costs_a_few_bytes_per_id() -> None:
    n = 100_000
    base = 36_000_000_000_000  # Zendesk-sized ids: a Python set of them costs ~80 bytes each

    def fill() -> IdSet:
        ids = IdSet()
        for i in range(n):
            ids.add(base + 7919 * i)
        return ids

    ids, peak = _traced_peak(fill)
    assert len(ids) == n
    assert peak / n < 40
