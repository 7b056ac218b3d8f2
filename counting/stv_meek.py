"""Meek STV as New Zealand counts it (Hill, Wichmann and Woodall, 1987; NZ Local Electoral
Regulations 2001, schedule 1A; Hill, 'Implementing STV by Meek's method', Voting matters 22).

Every candidate has a keep value: 1 while hopeful, 0 once excluded (or withdrawn), and for an
elected candidate the share of each vote reaching them that they keep. A ballot gives each
candidate in turn `weight x keep value` (rounded up) and passes the rest on; what is left
after the last preference is the excess. The quota is recomputed at every iteration as
(votes for candidates) / (seats + 1), truncated, plus one unit; an elected candidate's keep
value becomes keep x quota / votes (rounded up) until the total surplus is below 10**-9 of a
vote or no keep value changes; a hopeful reaching the quota on the way is elected at once.
Only a converged count excludes anyone, so every stage's figures are the settled ones: the
lowest hopeful (or all hopefuls with no votes together, as the NZ calculator does). Ties:
fewest votes at the earliest stage where the candidates differed, then a lot.

NZ counts in 9 decimal places. The Voting matters 12 example (Wichmann) shows why that is
fragile: after A and B are elected, X, Y and Z differ by about 6e-8 of a vote, while rounding
each of 333 identical ballots at the 9th place can move a total by 3.3e-7; a 9-digit count with
another convergence rule (the PR Foundation reference) sees a tie there and elects Y. We count
in 10**-15 of a vote, keeping NZ's rounding directions, so such differences stay millions of
times larger than any rounding.

Speed: only the elected candidates' keep values change during the iterations, and a hopeful
candidate keeps the whole of what reaches them, so a ballot's effect depends only on the
elected candidates it meets before its first hopeful one. Ballots are grouped by that path
(kept up to date from the ballot tree when a candidate is elected or excluded), and each
iteration works on those few groups.
"""

from __future__ import annotations

from .model import Election, Result, Stage
from .stv_common import StageBook, make_result, order_by_votes
from .ties import FORWARD, Chooser
from .tree import tree_for

DECIMALS = 15
SCALE = 10**DECIMALS
OMEGA = 10 ** (DECIMALS - 9)  # converged when the total surplus is at most 1e-9 of a vote
# Votes closer than the convergence tolerance are not told apart by the count: they are tied.
MAX_ITERATIONS = 100_000
EXHAUSTED = -1
HOPEFUL, ELECTED, OUT = 0, 1, 2
RULES = (
    "Meek STV (Hill, Wichmann & Woodall 1987) as in the New Zealand STV calculator "
    "(Local Electoral Regulations 2001, schedule 1A): votes passed on by keep values rounded "
    "up, quota = active votes / (seats + 1) plus one unit, recomputed every iteration; "
    "arithmetic in 1e-15 of a vote, converged at a total surplus of 1e-9; ties by the earliest "
    "stage at which the candidates differed, then by lot"
)


def count_meek(
    election: Election, seats: int, seed: str | None, chooser: Chooser | None = None
) -> Result:
    tree = tree_for(election)
    split, cum = tree.split, tree.cum
    names = election.candidates
    n = len(names)
    book = StageBook(election, DECIMALS, seed, chooser)
    fmt = book.fmt
    total = tree.valid * SCALE

    status = [OUT if c in election.withdrawn else HOPEFUL for c in range(n)]
    keep = [0 if status[c] == OUT else SCALE for c in range(n)]
    # Ballots grouped by path: paths[p] is the tuple of elected candidates met before the first
    # hopeful one, groups[p] maps that hopeful candidate (or EXHAUSTED) to a number of ballots.
    paths: list[tuple[int, ...]] = [()]
    path_index: dict[tuple[int, ...], int] = {(): 0}
    extend_cache: dict[tuple[int, int], int] = {}
    groups: list[dict[int, int]] = [{}]
    # frontier[c]: the ballot-tree nodes whose first hopeful candidate is c, with their path
    frontier: list[list[tuple[tuple[int, int, int], int]]] = [[] for _ in range(n)]
    for c, lo, hi in split(*tree.root)[1]:
        frontier[c].append(((lo, hi, 1), 0))
        groups[0][c] = groups[0].get(c, 0) + cum[hi] - cum[lo]

    def extend(p: int, c: int) -> int:
        q = extend_cache.get((p, c))
        if q is None:
            path = paths[p] + (c,)
            q = path_index.get(path)
            if q is None:
                q = path_index[path] = len(paths)
                paths.append(path)
                groups.append({})
            extend_cache[p, c] = q
        return q

    def leave_hopeful(c: int) -> None:
        """Re-route the ballots whose first hopeful candidate was c (now elected or out)."""
        for node, p in frontier[c]:
            g = groups[p]
            left = g[c] - (cum[node[1]] - cum[node[0]])
            if left:
                g[c] = left
            else:
                del g[c]
            stack = [(node, extend(p, c) if status[c] == ELECTED else p)]
            while stack:
                (lo, hi, depth), q = stack.pop()
                stop, children = split(lo, hi, depth)
                gq = groups[q]
                if stop:
                    gq[EXHAUSTED] = gq.get(EXHAUSTED, 0) + stop
                depth += 1
                for d, lo, hi in children:
                    s = status[d]
                    if s == HOPEFUL:
                        frontier[d].append(((lo, hi, depth), q))
                        gq[d] = gq.get(d, 0) + cum[hi] - cum[lo]
                    elif s == ELECTED:
                        stack.append(((lo, hi, depth), extend(q, d)))
                    else:
                        stack.append(((lo, hi, depth), q))
        frontier[c] = []

    state = {"votes": [0] * n, "excess": 0, "quota": 0}

    def distribute() -> None:
        votes = [0] * n
        excess = 0
        for p, g in enumerate(groups):
            if not g:
                continue
            ballots = sum(g.values())
            w = SCALE
            for e in paths[p]:
                kept = -((-w * keep[e]) // SCALE)  # rounded up, as NZ does
                votes[e] += kept * ballots
                w -= kept
                if not w:
                    break
            if w:
                for t, k in g.items():
                    if t == EXHAUSTED:
                        excess += w * k
                    else:
                        votes[t] += w * k
        state["votes"], state["excess"] = votes, excess
        state["quota"] = (total - excess) // (seats + 1) + 1

    def update_keep_values() -> bool:
        votes, quota = state["votes"], state["quota"]
        changed = False
        for e in elected:
            v = votes[e]
            if v:
                k = min(SCALE, -((-keep[e] * quota) // v))
                if k != keep[e]:
                    keep[e] = k
                    changed = True
        return changed

    def surplus_total() -> int:
        votes, quota = state["votes"], state["quota"]
        return sum(votes[e] - quota for e in elected if votes[e] > quota)

    def near_tie(tied: list[int], votes: list[int]) -> str:
        """What a tie record says when tied votes are unequal but closer than the tolerance."""
        if len({votes[c] for c in tied}) == 1:
            return ""
        shown = ", ".join(f"{names[c]} {fmt(votes[c])}" for c in tied)
        return (
            f"votes less than 1e-9 of a vote apart (the convergence tolerance) are equal to "
            f"this count ({shown}); "
        )

    def record(number, action, subjects, description, newly, out=()):
        book.record(
            Stage(
                number=number,
                action=action,
                subjects=tuple(subjects),
                description=description,
                totals=tuple(state["votes"]),
                non_transferable=state["excess"],
                elected=tuple(newly),
                excluded=tuple(out),
                quota=state["quota"],
            )
        )

    def elect(cands: list[int], stage_no: int) -> list[int]:
        votes = state["votes"]
        cands = order_by_votes(cands, votes)
        room = seats - len(elected)
        if len(cands) > room:  # more reached the quota than seats are left
            edge = votes[cands[room - 1]]
            chosen = [c for c in cands if votes[c] - edge >= OMEGA]
            group = [c for c in cands if abs(votes[c] - edge) < OMEGA]
            note = near_tie(group, votes)
            while len(chosen) < room:
                pick = book.ties.choose(
                    group,
                    stage=stage_no,
                    purpose="election",
                    lowest=False,
                    direction=FORWARD,
                    history=book.history,
                    labels=book.labels,
                    fmt=fmt,
                    tolerance=OMEGA,
                    note=note,
                )
                chosen.append(pick)
                group.remove(pick)
            cands = chosen
        for c in cands:
            status[c] = ELECTED
            elected.append(c)
        if len(elected) < seats:  # once every seat is filled no ballot needs re-routing
            for c in cands:
                leave_hopeful(c)
        return cands

    def exclude(cands: list[int]) -> None:
        for c in cands:
            status[c] = OUT
            keep[c] = 0
            excluded.append(c)
        for c in cands:
            leave_hopeful(c)

    def iterate() -> tuple[str, list[int], int]:
        """Iterate until someone reaches the quota or the surpluses have been passed on."""
        for iteration in range(1, MAX_ITERATIONS + 1):
            distribute()
            votes, quota = state["votes"], state["quota"]
            hopefuls = [c for c in range(n) if status[c] == HOPEFUL]
            reached = [c for c in hopefuls if votes[c] >= quota]
            if reached:
                return "elected", reached, iteration
            surplus = surplus_total()
            if surplus <= OMEGA:
                return "converged", [], iteration
            if not update_keep_values():
                return "stable", [], iteration
        return "limit", [], MAX_ITERATIONS

    elected: list[int] = []
    excluded: list[int] = []
    distribute()
    number = 1
    opening = [c for c in range(n) if status[c] == HOPEFUL and state["votes"][c] >= state["quota"]]
    opening = elect(opening, 1)
    record(1, "first", (), "First preferences counted", opening)
    outcome = "elected" if opening else "converged"
    while len(elected) < seats:
        hopefuls = [c for c in range(n) if status[c] == HOPEFUL]
        if len(hopefuls) <= seats - len(elected):
            last = elect(hopefuls, number)
            book.amend_last(
                elected=last, notes=["as many hopeful candidates as seats left: elected"]
            )
            break
        number += 1
        if outcome == "elected":
            update_keep_values()
            action, subjects, what = "surplus", (), "Surpluses transferred by keep values"
        else:
            votes = state["votes"]
            zeros = [c for c in hopefuls if votes[c] == 0]
            if len(zeros) > 1 and len(hopefuls) - len(zeros) >= seats - len(elected):
                out = zeros
                why = "candidates with no votes excluded together"
            else:
                low = min(votes[c] for c in hopefuls)
                tied = [c for c in hopefuls if votes[c] - low < OMEGA]
                why = "fewest votes"
                if len(tied) > 1:
                    pick = book.ties.choose(
                        tied,
                        stage=number,
                        purpose="exclusion",
                        lowest=True,
                        direction=FORWARD,
                        history=book.history,
                        labels=book.labels,
                        fmt=fmt,
                        tolerance=OMEGA,
                        note=near_tie(tied, votes),
                    )
                    others = book.names_of(c for c in tied if c != pick)
                    why += f", tied with {others}: see the ties"
                    tied = [pick]
                out = tied
            exclude(out)
            action, subjects = "exclusion", tuple(out)
            what = f"{book.names_of(out)} excluded ({why})"
        outcome, found, iterations = iterate()
        newly: list[int] = []
        if outcome == "elected":
            newly = elect(found, number)
            end_text = f"{book.names_of(newly)} reached the quota"
        elif outcome == "converged":
            end_text = f"converged (total surplus {fmt(surplus_total())})"
        elif outcome == "stable":
            end_text = "converged (keep values no longer change at this precision)"
        else:
            end_text = f"stopped after {MAX_ITERATIONS} iterations without converging"
        record(
            number,
            action,
            subjects,
            f"{what}; {iterations} iterations; {end_text}",
            newly,
            out=subjects if action == "exclusion" else (),
        )
    return make_result(
        election=election,
        method="meek",
        method_name="Meek STV",
        rules=RULES,
        seats=seats,
        book=book,
        elected=elected,
        excluded=excluded,
        quota=state["quota"],
        seed=seed,
        valid=tree.valid,
        empty=tree.empty,
        notes=[f"only {len(elected)} candidates stood for {seats} seats"]
        if len(elected) < seats
        else [],
    )
