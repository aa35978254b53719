"""Mutated real Zendesk payloads (issue 16): each import either succeeds or fails with
located messages (file, then line or record, then the field), and a failed import writes
nothing. Never a traceback, never "internal error".

The payloads are tests/data/zendesk/ (built from Zendesk's API reference examples, see
its README). Each example copies the folder, mutates one value, key, list or the text of
one file, and imports the whole folder into one workspace.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.importers.problems import ImportFailed
from tests.helpdesk_helpers import service, table_counts
from tests.test_zendesk_shapes import SHAPE_FILES

DATA = Path(__file__).parent / "data" / "zendesk"
FILES = sorted(SHAPE_FILES)

# Problems about a whole file (no record to point at).
FILE_LEVEL = re.compile(
    r"invalid JSON|is not a list|no '\w+' list|expected a JSON object|not a recognised"
    r"|a directory snapshot needs|no recognised Zendesk|recognised, not imported"
)

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([6139157572367.0, -1.0, 1.5, 2.0**60, "", "2024-02-30T10:00:00Z"]),
    st.text(max_size=12),
    st.sampled_from(["\ud800", "x" * 70_000, "not an email", "agent", "admin", "end-user"]),
    st.lists(st.integers(min_value=-5, max_value=5), max_size=3),
    st.dictionaries(st.sampled_from(["id", "name", "value"]), st.integers(0, 3), max_size=2),
)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (keys of objects, indexes of lists)."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*path, i))
    return found


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def _mutate(doc: Any, data: st.DataObject) -> Any:
    paths = _paths(doc)
    if not paths:
        return data.draw(VALUES)
    path = data.draw(st.sampled_from(paths))
    parent, last = _parent(doc, path), path[-1]
    how = data.draw(st.sampled_from(["set", "delete", "duplicate", "floatify", "rename"]))
    if how == "set":
        parent[last] = data.draw(VALUES)
    elif how == "delete":
        del parent[last]
    elif how == "duplicate" and isinstance(parent, list):
        parent.append(json.loads(json.dumps(parent[last])))
    elif how == "floatify" and isinstance(parent[last], int) and not isinstance(parent[last], bool):
        parent[last] = float(parent[last])
    elif how == "rename" and isinstance(parent, dict):
        parent[data.draw(st.sampled_from(["results", "users", "user", "tickets", "x"]))] = (
            parent.pop(last)
        )
    else:
        parent[last] = data.draw(VALUES)
    return doc


def _dump(doc: Any, ndjson: bool) -> str:
    # Python's json writes NaN/Infinity, which its reader accepts again: hostile but real.
    return json.dumps(doc) if ndjson else json.dumps(doc, indent=1)


def _write_mutation(folder: Path, data: st.DataObject) -> str:
    name = data.draw(st.sampled_from(FILES))
    path = folder / name
    text = path.read_text(encoding="utf-8")
    if data.draw(st.integers(0, 9)) == 0:  # a cut-off file
        cut = data.draw(st.integers(1, len(text) - 1))
        path.write_text(text[:cut], encoding="utf-8")
        return name
    if name.endswith(".ndjson"):
        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        i = data.draw(st.integers(0, len(lines) - 1))
        lines[i] = _mutate(lines[i], data)
        path.write_text("".join(_dump(x, True) + "\n" for x in lines), encoding="utf-8")
    else:
        path.write_text(_dump(_mutate(json.loads(text), data), False), encoding="utf-8")
    return name


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_payloads_import_or_fail_located_and_write_nothing(
    admin, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    for name in FILES:
        shutil.copy(DATA / name, folder / name)
    mutated = _write_mutation(folder, data)
    svc = service(admin)
    before = table_counts(admin.ctx)
    try:
        result = svc.import_zendesk(folder)
    except ImportFailed as exc:
        event("refused")
        assert "\n" not in exc.message and "internal error" not in exc.message.lower()
        for problem in exc.problems:
            loc = problem.location
            assert loc.file in FILES, str(problem)
            located = loc.line is not None or loc.record is not None or loc.detail
            assert located or FILE_LEVEL.search(problem.message), str(problem)
        assert exc.message.startswith(exc.problems[0].location.file)
        assert table_counts(admin.ctx) == before, f"{mutated}: {exc.message}"
        return
    event("imported")
    assert set(result.files) | {s.split(": ")[0] for s in result.skipped} == set(FILES)


@pytest.mark.parametrize("value", [math.nan, math.inf, 1.5, 2.0**60, True])
def test_an_id_that_is_not_a_whole_number_is_located(admin, tmp_path: Path, value: Any) -> None:
    doc = json.loads((DATA / "tickets_floats.json").read_text())
    doc["tickets"][0]["id"] = value
    (tmp_path / "tickets.json").write_text(json.dumps(doc, indent=1))
    before = table_counts(admin.ctx)
    with pytest.raises(ImportFailed) as info:
        service(admin).import_zendesk(tmp_path / "tickets.json")
    assert info.value.message.startswith("tickets.json record 1: id ")
    assert table_counts(admin.ctx) == before
