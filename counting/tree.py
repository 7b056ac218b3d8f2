"""The ballot tree: grouped ballots seen as a tree of shared ranking prefixes.

Ballots that share a prefix travel together through an STV count: they sit with the same
candidate, at the same value, until their rankings part. So a transfer can move a whole prefix
group at once, and touch only the groups it moves.

The tree is not built in advance. The distinct rankings are kept sorted, and a node is a range
of them, ``(lo, hi, depth)``: the rankings ``lo..hi-1`` all begin with the same ``depth``
preferences, the last of which is the candidate the ballots sit with. Sorting puts every
node's ballots next to each other, the one ranking that stops at the node first, and each
child's rankings together, so `split` finds a node's children by binary search when a count
first needs them. Counting costs grow with the groups actually moved, and memory with the
number of distinct rankings. Withdrawn candidates are struck off every ranking first.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

from .model import Election

Node = tuple[int, int, int]  # (lo, hi, depth)


class BallotTree:
    __slots__ = ("prefs", "weights", "cum", "valid", "empty", "root", "_after")

    def __init__(self, prefs: list, weights: list[int]):
        # rankings are bytes (one byte a candidate, compared by memcmp: much faster to sort
        # than tuples, in the same order) when there are fewer than 255 candidates, else tuples
        self.prefs = prefs
        self.weights = weights
        self._after = _AFTER_BYTES if prefs and isinstance(prefs[0], bytes) else _after_tuple
        self.cum = [0, *accumulate(weights)]  # cum[hi] - cum[lo]: ballots in lo..hi-1
        self.empty = weights[0] if prefs and not prefs[0] else 0
        self.valid = self.cum[-1] - self.empty
        self.root: Node = (0, len(prefs), 0)

    def count(self, lo: int, hi: int) -> int:
        return self.cum[hi] - self.cum[lo]

    def split(self, lo: int, hi: int, depth: int) -> tuple[int, list[tuple[int, int, int]]]:
        """Ballots stopping at the node, and its children as (candidate, lo, hi)."""
        prefs = self.prefs
        stop = 0
        if len(prefs[lo]) == depth:
            stop = self.weights[lo]
            lo += 1
        children = []
        after = self._after
        while lo < hi:
            head = prefs[lo]
            c = head[depth]
            # the first ranking past this child: same prefix, next candidate number
            nxt = bisect_left(prefs, head[:depth] + after[c], lo + 1, hi)
            children.append((c, lo, nxt))
            lo = nxt
        return stop, children

    def first_preferences(self, ncand: int) -> list[int]:
        totals = [0] * ncand
        for c, lo, hi in self.split(*self.root)[1]:
            totals[c] += self.count(lo, hi)
        return totals


class _AfterTuple:
    def __getitem__(self, c: int) -> tuple[int]:
        return (c + 1,)


_after_tuple = _AfterTuple()
_AFTER_BYTES = [bytes((c + 1,)) for c in range(255)]


def build_tree(election: Election) -> BallotTree:
    withdrawn = election.withdrawn
    key = bytes if len(election.candidates) < 255 else tuple
    if withdrawn:
        grouped: dict = {}
        for prefs, w in election.ballots.items():
            k = key(c for c in prefs if c not in withdrawn)
            grouped[k] = grouped.get(k, 0) + w
    elif key is bytes:
        grouped = {bytes(prefs): w for prefs, w in election.ballots.items()}
    else:
        grouped = dict(election.ballots)
    if not grouped:
        return BallotTree([key()], [0])
    prefs = sorted(grouped)
    weights = [grouped[p] for p in prefs]
    return BallotTree(prefs, weights)


def tree_for(election: Election) -> BallotTree:
    """The election's ballot tree, made once and kept with the election."""
    tree = election._tree
    if tree is None:
        tree = build_tree(election)
        election._tree = tree
    return tree
