"""The ballot tree: rankings kept sorted, nodes found by binary search when needed."""

import random

from counting import Election, count
from counting.tree import BallotTree, build_tree


def walk(tree: BallotTree, node=None, prefix=()) -> dict:
    """Every node's ranking prefix -> (ballots under it, ballots stopping there)."""
    lo, hi, depth = node or tree.root
    stop, children = tree.split(lo, hi, depth)
    found = {prefix: (tree.count(lo, hi), stop)}
    for c, a, b in children:
        found.update(walk(tree, (a, b, depth + 1), (*prefix, c)))
    return found


def expected_nodes(ballots: dict) -> dict:
    nodes: dict = {}
    for prefs, w in ballots.items():
        for d in range(len(prefs) + 1):
            under, stop = nodes.get(prefs[:d], (0, 0))
            nodes[prefs[:d]] = (under + w, stop + (w if d == len(prefs) else 0))
    return nodes


def random_ballots(n: int, seed: int) -> dict:
    rng = random.Random(seed)
    ballots: dict = {}
    for _ in range(300):
        prefs = tuple(rng.sample(range(n), rng.randint(0, min(n, 6))))
        ballots[prefs] = ballots.get(prefs, 0) + rng.randint(1, 5)
    return ballots


def test_nodes_are_the_ranking_prefixes_with_their_ballot_counts():
    ballots = random_ballots(8, seed=1)
    tree = build_tree(Election([f"C{i}" for i in range(8)], ballots, seats=2))
    assert isinstance(tree.prefs[0], bytes)
    assert walk(tree) == expected_nodes(ballots)
    assert tree.valid + tree.empty == sum(ballots.values())


def test_elections_with_255_or_more_candidates_use_tuples_and_agree():
    ballots = random_ballots(300, seed=2)
    tree = build_tree(Election([f"C{i}" for i in range(300)], ballots, seats=2))
    assert isinstance(tree.prefs[0], tuple)
    assert walk(tree) == expected_nodes(ballots)


def test_the_same_election_counts_the_same_with_either_encoding():
    names = [f"C{i}" for i in range(300)]
    small = random_ballots(6, seed=3)
    wide = Election(names, small, seats=2)  # 300 candidates, only six with any votes
    narrow = Election(names[:6], small, seats=2)
    for method in ("ers97", "meek"):
        assert (
            count(method, wide, seed=1).elected_names == count(method, narrow, seed=1).elected_names
        )


def test_withdrawn_candidates_are_struck_off_and_ballots_regrouped():
    e = Election(["A", "B", "C"], {(1, 0): 2, (0,): 3, (1,): 4, (2, 1): 1}, seats=1, withdrawn={1})
    nodes = walk(build_tree(e))
    assert nodes[()] == (10, 4)
    assert nodes[(0,)] == (5, 5) and nodes[(2,)] == (1, 1)
