"""Synthetic ranked-ballot profiles for benchmarks and tests, from a fixed seed.

The shape follows published council preference profiles: candidates stand for parties of
different sizes and popularity; most voters start with their own party's candidates; many rank
only one to three candidates and a few rank everyone. Rankings are drawn by a Plackett-Luce
process (each next preference chosen with probability proportional to popularity among the
candidates not yet ranked). The same arguments always give the same profile.
"""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate

from .model import Election

# how many preferences a voter marks: 1..15, roughly as in Scottish council profiles
LENGTH_WEIGHTS = (22, 18, 16, 11, 8, 6, 4, 3, 2, 2, 1, 1, 1, 1, 4)


def synthetic_election(
    ballots: int = 100_000,
    candidates: int = 15,
    seats: int = 5,
    seed: int = 20261124,
    loyalty: float = 0.7,
) -> Election:
    rng = random.Random(seed)
    party_sizes = _party_sizes(candidates)
    party_of = [p for p, size in enumerate(party_sizes) for _ in range(size)]
    party_pop = [rng.uniform(0.5, 3.0) for _ in party_sizes]
    popularity = [party_pop[party_of[c]] * rng.uniform(0.3, 1.7) for c in range(candidates)]
    members = [[c for c in range(candidates) if party_of[c] == p] for p in range(len(party_sizes))]
    party_cum = list(accumulate(party_pop))
    lengths = LENGTH_WEIGHTS[:candidates]
    length_cum = list(accumulate(lengths))
    random_ = rng.random

    def plackett_luce(pool: list[int], k: int, out: list[int]) -> None:
        weights = [popularity[c] for c in pool]
        while k > 0 and pool:
            total = sum(weights)
            x = random_() * total
            i = 0
            acc = weights[0]
            while acc < x and i < len(pool) - 1:
                i += 1
                acc += weights[i]
            out.append(pool.pop(i))
            weights.pop(i)
            k -= 1

    grouped: dict[tuple[int, ...], int] = {}
    for _ in range(ballots):
        length = bisect(length_cum, random_() * length_cum[-1]) + 1
        ranking: list[int] = []
        if random_() < loyalty:
            party = bisect(party_cum, random_() * party_cum[-1])
            plackett_luce(list(members[party]), length, ranking)
        if len(ranking) < length:
            rest = [c for c in range(candidates) if c not in ranking]
            plackett_luce(rest, length - len(ranking), ranking)
        key = tuple(ranking)
        grouped[key] = grouped.get(key, 0) + 1
    names = [f"Candidate {chr(65 + c % 26)}{c // 26 or ''}" for c in range(candidates)]
    return Election(
        names,
        grouped,
        seats=seats,
        title=f"Synthetic profile: {ballots} ballots, {candidates} candidates, seed {seed}",
    )


def _party_sizes(candidates: int) -> list[int]:
    sizes = []
    left = candidates
    for size in (4, 4, 3, 2, 2):
        if left <= 0:
            break
        sizes.append(min(size, left))
        left -= size
    while left > 0:
        sizes.append(1)
        left -= 1
    return sizes
