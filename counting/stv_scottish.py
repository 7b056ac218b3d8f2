"""Scottish STV: the weighted inclusive Gregory method of the Scottish Local Government
Elections Order 2007 (SSI 2007/42), schedule 1, rules 45 to 52.

Values are integers in hundred-thousandths of a vote (rule 48(3): five decimal places, any
remainder ignored). Every paper a candidate holds is transferred with a surplus, each at
surplus x (its value when received) / (the candidate's total), truncated; an excluded
candidate's papers move at the value they arrived with (rule 50(4)).
"""

from __future__ import annotations

from .model import Election, Result, Stage
from .stv_common import StageBook, make_result, order_by_votes
from .ties import BACKWARD, Chooser
from .tree import tree_for

UNIT = 100_000  # one vote, in hundred-thousandths
RULES = (
    "Scottish Local Government Elections Order 2007 (SSI 2007/42), schedule 1, rules 45-52: "
    "quota = floor(valid/(seats+1)) + 1; all of an elected candidate's papers transferred at "
    "surplus x value / total, truncated to 5 decimals; exclusions at current values; ties by "
    "the most recent preceding stage at which the candidates differed, then by lot"
)


def count_scottish(
    election: Election, seats: int, seed: str | None, chooser: Chooser | None = None
) -> Result:
    tree = tree_for(election)
    split, cum = tree.split, tree.cum
    names = election.candidates
    n = len(names)
    book = StageBook(election, 5, seed, chooser)
    fmt = book.fmt

    quota = (tree.valid // (seats + 1) + 1) * UNIT  # rule 46
    cont = [c not in election.withdrawn for c in range(n)]
    votes = [0] * n
    # pile_nodes[c]: the ballot-tree nodes whose papers c holds, at values pile_vals[c]
    pile_nodes: list[list[tuple[int, int, int]]] = [[] for _ in range(n)]
    pile_vals: list[list[int]] = [[] for _ in range(n)]
    for c, lo, hi in split(*tree.root)[1]:  # rule 45: first preferences, one vote per paper
        pile_nodes[c].append((lo, hi, 1))
        pile_vals[c].append(UNIT)
        votes[c] += (cum[hi] - cum[lo]) * UNIT
    elected: list[int] = []
    excluded: list[int] = []
    pending: list[int] = []  # elected with a surplus not yet transferred
    state = {"nt": 0, "loss": 0}

    def transfer(c: int, surplus: int | None) -> tuple[int, int]:
        """Move all of c's papers to their next continuing preference; return (moved, nt)."""
        nodes, vals = pile_nodes[c], pile_vals[c]
        pile_nodes[c], pile_vals[c] = [], []
        total = votes[c]
        moved = nt = 0
        value_cache: dict[int, int] = {}
        for node, v in zip(nodes, vals, strict=True):
            if surplus is None:
                nv = v  # rule 50(4)
            else:
                nv = value_cache.get(v)
                if nv is None:
                    nv = value_cache[v] = surplus * v // total  # rule 48(3)
            moved += (cum[node[1]] - cum[node[0]]) * nv
            if not nv:
                continue
            stack = [node]
            while stack:
                lo, hi, depth = stack.pop()
                stop, children = split(lo, hi, depth)
                if stop:
                    nt += stop * nv
                depth += 1
                for d, lo, hi in children:
                    if cont[d]:
                        pile_nodes[d].append((lo, hi, depth))
                        pile_vals[d].append(nv)
                        votes[d] += (cum[hi] - cum[lo]) * nv
                    else:
                        stack.append((lo, hi, depth))
        return moved, nt

    def deem_elected() -> list[int]:
        new = [c for c in range(n) if cont[c] and votes[c] >= quota]  # rule 47(1)
        new = order_by_votes(new, votes)[: seats - len(elected)]
        for c in new:
            cont[c] = False
            elected.append(c)
            if votes[c] > quota:
                pending.append(c)
        return new

    def record(number, action, subjects, description, new, out=(), tv=None) -> None:
        book.record(
            Stage(
                number=number,
                action=action,
                subjects=tuple(subjects),
                description=description,
                totals=tuple(votes),
                non_transferable=state["nt"],
                rounding_loss=state["loss"],
                elected=tuple(new),
                excluded=tuple(out),
                transfer_value=tv,
                quota=quota,
            )
        )

    number = 1
    new = deem_elected()
    record(1, "first", (), "First preferences counted (rule 45)", new)
    while len(elected) < seats:
        continuing = [c for c in range(n) if cont[c]]
        if len(continuing) <= seats - len(elected):  # rule 52: no further transfer
            last = order_by_votes(continuing, votes)
            for c in last:
                cont[c] = False
                elected.append(c)
            book.amend_last(
                elected=last,
                notes=["rule 52: continuing candidates equal the vacancies; deemed elected"],
            )
            break
        number += 1
        if pending:
            top = max(votes[c] for c in pending)
            tied = [c for c in pending if votes[c] == top]
            if len(tied) > 1:  # rule 49(2), (3)
                c = book.ties.choose(
                    tied,
                    stage=number,
                    purpose="surplus order",
                    lowest=False,
                    direction=BACKWARD,
                    history=book.history,
                    labels=book.labels,
                    fmt=fmt,
                )
            else:
                c = tied[0]
            pending.remove(c)
            surplus = votes[c] - quota
            total = votes[c]
            moved, nt = transfer(c, surplus)  # rule 48
            votes[c] = quota
            state["nt"] += nt
            state["loss"] += surplus - moved
            tv = surplus * UNIT // total
            new = deem_elected()
            record(
                number,
                "surplus",
                (c,),
                f"Surplus of {names[c]} ({fmt(surplus)}) transferred: each paper at "
                f"{fmt(surplus)} x its value / {fmt(total)} (first-preference papers at "
                f"{fmt(tv)}), truncated to 5 decimals (rule 48)",
                new,
                tv=tv,
            )
            continue
        low = min(votes[c] for c in continuing)
        tied = [c for c in continuing if votes[c] == low]
        if len(tied) > 1:  # rule 51(2)
            c = book.ties.choose(
                tied,
                stage=number,
                purpose="exclusion",
                lowest=True,
                direction=BACKWARD,
                history=book.history,
                labels=book.labels,
                fmt=fmt,
            )
        else:
            c = tied[0]
        cont[c] = False
        excluded.append(c)
        held = votes[c]
        moved, nt = transfer(c, None)  # rule 50
        votes[c] = 0
        state["nt"] += nt
        state["loss"] += held - moved
        new = deem_elected()
        record(
            number,
            "exclusion",
            (c,),
            f"{names[c]} excluded with {fmt(held)} votes; papers transferred at their current "
            "values (rule 50)",
            new,
            out=(c,),
        )
    notes = []
    if len(elected) < seats:
        notes.append(f"only {len(elected)} candidates stood for {seats} seats")
    return make_result(
        election=election,
        method="scottish",
        method_name="Scottish STV (WIGM)",
        rules=RULES,
        seats=seats,
        book=book,
        elected=elected,
        excluded=excluded,
        quota=quota,
        seed=seed,
        valid=tree.valid,
        empty=tree.empty,
        notes=notes,
    )
