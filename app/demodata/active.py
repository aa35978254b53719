"""Who was around at a moment, as a list in directory order — in O(log n) per question.

The log writers draw an actor with `rng.choice(active)` where `active` is the staff who
can author at a random moment. Building that list for each of 8–23 records per agent made
`demo-data` cubic-ish in the number of agents (10k agents did not finish in 10 minutes).
`ActiveIndex.at(when)` returns a read-only sequence with the same length and the same
elements in the same order, answered by a persistent segment tree over the people's
positions (one version per start/stop event in time order), so `rng.choice` draws exactly
what it drew from the list and every export stays byte-identical.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Generic, TypeVar, overload

T = TypeVar("T")


class ActiveIndex(Generic[T]):
    """`people` in their order; `span(p)` is when p is active (both ends included), or None."""

    def __init__(
        self, people: Sequence[T], span: Callable[[T], tuple[datetime, datetime] | None]
    ) -> None:
        self.people = list(people)
        n = max(1, len(self.people))
        self._size = 1 << (n - 1).bit_length()
        # Node 0 is the empty tree (its children are itself); nodes are appended.
        self._left = [0]
        self._right = [0]
        self._count = [0]
        events: list[tuple[datetime, int, int]] = []
        for i, p in enumerate(self.people):
            s = span(p)
            if s is not None and s[0] <= s[1]:
                events.append((s[0], 0, i))  # from `start` on …
                events.append((s[1], 1, i))  # … until after `end`
        events.sort()
        self._keys: list[tuple[datetime, int]] = []
        self._roots = [0]
        root = 0
        for when, kind, i in events:
            root = self._add(root, 0, self._size, i, -1 if kind else 1)
            self._keys.append((when, kind))
            self._roots.append(root)

    def _add(self, node: int, lo: int, hi: int, i: int, delta: int) -> int:
        # Iterative path copy: the new nodes from the leaf back up to a new root.
        path: list[tuple[int, bool]] = []
        while hi - lo > 1:
            mid = (lo + hi) // 2
            go_right = i >= mid
            path.append((node, go_right))
            node = self._right[node] if go_right else self._left[node]
            lo, hi = (mid, hi) if go_right else (lo, mid)
        new = self._node(0, 0, self._count[node] + delta)
        for parent, went_right in reversed(path):
            left = self._left[parent] if went_right else new
            right = new if went_right else self._right[parent]
            new = self._node(left, right, self._count[left] + self._count[right])
        return new

    def _node(self, left: int, right: int, count: int) -> int:
        self._left.append(left)
        self._right.append(right)
        self._count.append(count)
        return len(self._count) - 1

    def at(self, when: datetime) -> ActiveAt[T]:
        """Those active at `when` (start <= when <= end), in the people's order."""
        return ActiveAt(self, self._roots[bisect_right(self._keys, (when, 0))])

    def _kth(self, root: int, k: int) -> T:
        node, lo, hi = root, 0, self._size
        while hi - lo > 1:
            mid = (lo + hi) // 2
            left = self._left[node]
            if k < self._count[left]:
                node, hi = left, mid
            else:
                k -= self._count[left]
                node, lo = self._right[node], mid
        return self.people[lo]


class ActiveAt(Sequence[T]):
    """A read-only view: `len` and indexing, like the list it replaces."""

    def __init__(self, index: ActiveIndex[T], root: int) -> None:
        self._index = index
        self._root = root
        self._len = index._count[root]

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, k: int) -> T: ...
    @overload
    def __getitem__(self, k: slice) -> list[T]: ...
    def __getitem__(self, k: int | slice) -> T | list[T]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self._len))]
        if k < 0:
            k += self._len
        if not 0 <= k < self._len:
            raise IndexError("no one at that position")
        return self._index._kth(self._root, k)
