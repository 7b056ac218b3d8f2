"""The ballot tree: grouped ballots stored as a tree of shared prefixes.

Node 0 is the root; every other node is one ranking prefix, labelled with its last candidate.
`count[n]` is the number of ballots whose ranking starts with that prefix and `end[n]` the number
that stop exactly there. Ballots that share a prefix travel together through an STV count (they
sit with the same candidate, at the same value, until their rankings part), so a transfer moves a
node with all the ballots under it and touches only the nodes it moves. Withdrawn candidates are
left out of the tree, which is the same as striking them off every ballot.
"""

from __future__ import annotations

from .model import Election


class BallotTree:
    __slots__ = ("cand", "count", "end", "kids", "valid", "empty")

    def __init__(self, cand: list[int], count: list[int], end: list[int], kids: list):
        self.cand = cand
        self.count = count
        self.end = end
        self.kids = kids  # kids[n]: list of child nodes, or None for a leaf
        self.empty = end[0]  # ballots with no preference for a standing candidate
        self.valid = count[0] - end[0]

    def __len__(self) -> int:
        return len(self.cand)

    def first_preferences(self, ncand: int) -> list[int]:
        totals = [0] * ncand
        for ch in self.kids[0] or ():
            totals[self.cand[ch]] += self.count[ch]
        return totals


def build_tree(election: Election) -> BallotTree:
    withdrawn = election.withdrawn
    if withdrawn:
        items = sorted(
            (tuple(c for c in prefs if c not in withdrawn), w)
            for prefs, w in election.ballots.items()
        )
    else:
        items = sorted(election.ballots.items())
    cand = [-1]
    parent = [-1]
    end = [0]
    path = [0]  # path[d]: the node for the first d preferences of the previous ballot
    prev: tuple[int, ...] = ()
    for prefs, w in items:
        m = min(len(prev), len(prefs))
        k = 0
        while k < m and prev[k] == prefs[k]:
            k += 1
        del path[k + 1 :]
        node = path[-1]
        for c in prefs[k:]:
            child = len(cand)
            cand.append(c)
            parent.append(node)
            end.append(0)
            path.append(child)
            node = child
        end[node] += w
        prev = prefs
    n = len(cand)
    count = end[:]
    kids: list = [None] * n
    # children always have larger numbers than their parents, so one backward pass suffices
    for i in range(n - 1, 0, -1):
        p = parent[i]
        count[p] += count[i]
        ks = kids[p]
        if ks is None:
            kids[p] = [i]
        else:
            ks.append(i)
    for ks in kids:
        if ks is not None:
            ks.reverse()
    return BallotTree(cand, count, end, kids)


def tree_for(election: Election) -> BallotTree:
    """The election's ballot tree, built once and kept with the election."""
    tree = election._tree
    if tree is None:
        tree = build_tree(election)
        election._tree = tree
    return tree
