"""STV by the Electoral Reform Society's 1997 rules (ERS97, section 5).

Values are integers in hundredths of a vote. The clauses implemented:

- 5.1.6 quota: total valid vote / (places + 1) to two decimals; if not exact, the remainder is
  ignored and 0.01 added; 5.4.8 recalculates it, ignoring non-transferable votes, while nobody
  has been deemed elected.
- 5.1.7, 5.3.13, 5.4.9 deemed elected: a vote equal to the quota, or to the total active vote
  divided by one more than the places not yet filled (5.6.1 defines the total active vote);
  5.6.2 settles ties at the last place by earlier stages, else nobody is elected at that stage.
- 5.2.2 deferral of surpluses that cannot change which candidates are excluded next;
  5.2.3 the largest surplus first, ties by the earliest point of difference, then by lot.
- 5.3.1 / 5.3.2 a first-stage surplus is taken from all the candidate's papers, a later one
  from the last batch received only; 5.3.7 transfer value = surplus / transferable papers,
  to two decimals ignoring the remainder (or the papers' own value if that is not more than
  the surplus); 6.11 the remainder is the non-transferable difference.
- 5.2.5 exclusion of the lowest, several together where 5.2.5(a) and (b) allow; ties by the
  earliest point of difference, then by lot; 5.4 the excluded papers moved in batches of one
  value, highest first, each batch a sub-stage, and 5.4.10 no papers to a candidate deemed
  elected meanwhile.
- 5.5.1 continuing candidates equal to the places left are deemed elected; 5.5.2 the count
  stops when every place is filled.
"""

from __future__ import annotations

from .model import Election, Result, Stage, TieBreak
from .stv_common import StageBook, make_result
from .ties import FORWARD, Chooser
from .tree import tree_for

UNIT = 100  # one vote, in hundredths
RULES = (
    "Electoral Reform Society, 'How to conduct an election by the Single Transferable Vote', "
    "3rd edition 1997 (ERS97), section 5: quota to 2 decimals (5.1.6), surplus from the last "
    "batch received (5.3.2) at a transfer value truncated to 2 decimals (5.3.7), deferred "
    "surpluses (5.2.2), bulk exclusion (5.2.5), exclusions in batches by value (5.4), ties by "
    "the earliest stage at which the candidates differed, then by lot"
)


def count_ers97(
    election: Election, seats: int, seed: str | None, chooser: Chooser | None = None
) -> Result:
    tree = tree_for(election)
    split, cum = tree.split, tree.cum
    names = election.candidates
    n = len(names)
    book = StageBook(election, 2, seed, chooser)
    fmt = book.fmt
    total = tree.valid * UNIT

    def quota_for(vote: int) -> int:  # 5.1.6: two decimals, remainder ignored, 0.01 added
        return -(-vote // (seats + 1))

    st = {"quota": quota_for(total), "nt": 0, "loss": 0}
    cont = [c not in election.withdrawn for c in range(n)]
    votes = [0] * n
    # batches[c]: the bundles of papers c holds, one per transfer received: [value, nodes]
    batches: list[list[tuple[int, list]]] = [[] for _ in range(n)]
    for c, lo, hi in split(*tree.root)[1]:
        batches[c].append((UNIT, [(lo, hi, 1)]))
        votes[c] += (cum[hi] - cum[lo]) * UNIT
    elected: list[int] = []
    excluded: list[int] = []
    first_stage: set[int] = set()
    done: set[int] = set()  # elected candidates whose surplus has been dealt with

    def history_key(c: int) -> tuple[int, ...]:
        return tuple(row[c] for row in book.history)

    def walk(nodes: list, dest: dict[int, list]) -> tuple[int, int]:
        """Sort papers to next available preferences; return (transferable, non-transferable)."""
        moved = dead = 0
        for node in nodes:
            stack = [node]
            while stack:
                lo, hi, depth = stack.pop()
                stop, children = split(lo, hi, depth)
                dead += stop
                depth += 1
                for d, lo, hi in children:
                    if cont[d]:
                        got = dest.get(d)
                        if got is None:
                            dest[d] = [(lo, hi, depth)]
                        else:
                            got.append((lo, hi, depth))
                        moved += cum[hi] - cum[lo]
                    else:
                        stack.append((lo, hi, depth))
        return moved, dead

    def papers_in(nodes: list) -> int:
        return sum(cum[hi] - cum[lo] for lo, hi, _ in nodes)

    def active_vote() -> int:  # 5.6.1
        kept = sum(min(st["quota"], votes[e]) for e in elected)
        return total - kept - st["nt"] - st["loss"]

    def deem_elected(stage_no: int) -> list[int]:
        """5.1.7 / 5.3.13 / 5.4.9 with 5.6.2; returns those deemed elected, in order."""
        newly: list[int] = []
        while len(elected) < seats:
            places = seats - len(elected)
            quota, active = st["quota"], active_vote()
            qualified = [
                c
                for c in range(n)
                if cont[c] and (votes[c] >= quota or votes[c] * (places + 1) >= active)
            ]
            if not qualified:
                break
            qualified.sort(key=lambda c: (-votes[c], tuple(-v for v in history_key(c)), c))
            if len(qualified) > places:
                edge = votes[qualified[places - 1]]
                above = [c for c in qualified if votes[c] > edge]
                group = [c for c in qualified if votes[c] == edge]
                room = places - len(above)
                group.sort(key=history_key, reverse=True)
                chosen = group[:room]
                if history_key(group[room - 1]) == history_key(group[room]):
                    # 5.6.2: equal at every point, so none of them is deemed elected now
                    chosen = [c for c in chosen if history_key(c) != history_key(group[room])]
                    rule_text = "equal at all points; none of them deemed elected at this stage"
                else:
                    rule_text = "selected by votes at the earliest point where they differed"
                book.ties.records.append(
                    TieBreak(
                        stage=stage_no,
                        purpose="election",
                        candidates=tuple(names[c] for c in group),
                        chosen=tuple(names[c] for c in chosen),
                        rule="earlier stage",
                        detail=f"5.6.2: {rule_text}",
                    )
                )
                unresolved = len(chosen) < room
                qualified = above + chosen
            else:
                unresolved = False
            for c in qualified:
                cont[c] = False
                elected.append(c)
                newly.append(c)
            if unresolved:  # nobody below a group left unelected by 5.6.2 goes before it
                break
        return newly

    def record(number, action, subjects, description, newly, out=(), tv=None, sub=None):
        book.record(
            Stage(
                number=number,
                substage=sub,
                action=action,
                subjects=tuple(subjects),
                description=description,
                totals=tuple(votes),
                non_transferable=st["nt"],
                rounding_loss=st["loss"],
                elected=tuple(newly),
                excluded=tuple(out),
                transfer_value=tv,
                quota=st["quota"],
            )
        )

    def deferred(surplus_total: int, asc: list[int], places: int) -> bool:
        """5.2.2: defer if the surpluses cannot lift the lowest past the candidate above."""
        if surplus_total <= votes[asc[1]] - votes[asc[0]]:  # 5.2.2(a)
            return True
        running = votes[asc[0]]
        for k in range(2, len(asc) - places + 1):  # 5.2.2(b), with 5.2.5(a)
            running += votes[asc[k - 1]]
            if k < len(asc) and surplus_total <= votes[asc[k]] - running:
                return True
        return False

    newly = deem_elected(1)
    first_stage.update(newly)
    record(1, "first", (), "First preferences counted (5.1)", newly)
    number = 1
    while len(elected) < seats:
        continuing = [c for c in range(n) if cont[c]]
        places = seats - len(elected)
        if len(continuing) <= places:  # 4.3, 5.5.1
            last = sorted(continuing, key=lambda c: (-votes[c], c))
            for c in last:
                cont[c] = False
                elected.append(c)
            book.amend_last(
                elected=last,
                notes=["5.5.1: as many continuing candidates as places left; deemed elected"],
            )
            break
        quota = st["quota"]
        surpluses = {c: votes[c] - quota for c in elected if c not in done and votes[c] > quota}
        surplus_total = sum(surpluses.values())
        asc = sorted(continuing, key=lambda c: (votes[c], c))
        number += 1
        if surpluses and not deferred(surplus_total, asc, places):
            top = max(surpluses.values())
            tied = [c for c in surpluses if surpluses[c] == top]
            if len(tied) > 1:  # 5.2.3
                c = book.ties.choose(
                    tied,
                    stage=number,
                    purpose="surplus order",
                    lowest=False,
                    direction=FORWARD,
                    history=book.history,
                    labels=book.labels,
                    fmt=fmt,
                )
            else:
                c = tied[0]
            done.add(c)
            surplus = surpluses[c]
            if c in first_stage:  # 5.3.1: all the papers
                chosen = list(batches[c])
                which = "all the papers"
            else:  # 5.3.2: the last batch received
                chosen = [batches[c][-1]]
                which = "the last batch of papers received"
            value = chosen[0][0]
            nodes = [node for _, ns in chosen for node in ns]
            dest: dict[int, list[int]] = {}
            papers, dead = walk(nodes, dest)
            if papers * value > surplus:  # 5.3.7
                tv = surplus // papers
                st["loss"] += surplus - papers * tv  # 6.11 non-transferable difference
                how = (
                    f"{papers} transferable papers at {fmt(surplus)} / {papers} = {fmt(tv)} each "
                    f"(5.3.7); non-transferable difference {fmt(surplus - papers * tv)}"
                )
            else:
                tv = value
                st["nt"] += surplus - papers * value
                how = (
                    f"{papers} transferable papers worth no more than the surplus, so each "
                    f"moves at its value {fmt(value)} (5.3.7); {fmt(surplus - papers * value)} "
                    "non-transferable"
                )
            for d, ns in dest.items():
                batches[d].append((tv, ns))
                votes[d] += papers_in(ns) * tv
            votes[c] -= surplus
            newly = deem_elected(number)
            record(
                number,
                "surplus",
                (c,),
                f"Surplus of {names[c]} ({fmt(surplus)}) from {which}: {how}; {dead} papers "
                "with no next preference stay with the candidate",
                newly,
                tv=tv,
            )
            continue

        # 5.2.5: exclusion
        max_k = len(asc) - places
        chosen_k = 1
        running = votes[asc[0]]
        for k in range(2, max_k + 1):
            running += votes[asc[k - 1]]
            if votes[asc[k - 1]] < votes[asc[k]] and running + surplus_total <= votes[asc[k]]:
                chosen_k = k
        if chosen_k > 1:
            out = asc[:chosen_k]
        else:
            low = votes[asc[0]]
            tied = [c for c in asc if votes[c] == low]
            if len(tied) > 1:
                out = [
                    book.ties.choose(
                        tied,
                        stage=number,
                        purpose="exclusion",
                        lowest=True,
                        direction=FORWARD,
                        history=book.history,
                        labels=book.labels,
                        fmt=fmt,
                    )
                ]
            else:
                out = [asc[0]]
        for c in out:
            cont[c] = False
            excluded.append(c)
        who = book.names_of(out)
        if len(continuing) - len(out) == places:  # 5.5.1: no transfer needed
            last = sorted((c for c in continuing if cont[c]), key=lambda c: (-votes[c], c))
            for c in last:
                cont[c] = False
                elected.append(c)
            record(
                number,
                "exclusion",
                out,
                f"{who} excluded (5.2.5); that leaves as many continuing candidates as places, "
                "so they are deemed elected and no papers are transferred (5.5.1)",
                last,
                out=out,
            )
            break
        deferred_text = f" (surpluses of {fmt(surplus_total)} deferred, 5.2.2)" if surpluses else ""
        by_value: dict[int, list[int]] = {}
        share: dict[tuple[int, int], int] = {}
        for c in out:
            for value, ns in batches[c]:
                by_value.setdefault(value, []).extend(ns)
                share[c, value] = share.get((c, value), 0) + papers_in(ns) * value
            batches[c] = []
        values = sorted(by_value, reverse=True)
        if not values:
            record(
                number,
                "exclusion",
                out,
                f"{who} excluded with no votes (5.2.5){deferred_text}; no papers to transfer",
                deem_elected(number),
                out=out,
            )
            continue
        for i, value in enumerate(values, start=1):  # 5.4.1, 5.4.11: highest value first
            dest = {}
            papers, dead = walk(by_value[value], dest)
            for d, ns in dest.items():
                batches[d].append((value, ns))
                votes[d] += papers_in(ns) * value
            for c in out:
                votes[c] -= share.get((c, value), 0)
            st["nt"] += dead * value
            if not elected and st["nt"] + st["loss"]:  # 5.4.8
                st["quota"] = quota_for(total - st["nt"] - st["loss"])
            newly = deem_elected(number)
            record(
                number,
                "exclusion",
                out,
                f"{who} excluded (5.2.5){deferred_text}: batch {i} of {len(values)}, "
                f"papers of value {fmt(value)}: {papers} transferred, {dead} non-transferable",
                newly,
                out=out if i == 1 else (),
                tv=value,
                sub=i if len(values) > 1 else None,
            )
            if len(elected) == seats:  # 5.5.2
                break
    notes = []
    if len(elected) < seats:
        notes.append(f"only {len(elected)} candidates stood for {seats} seats")
    return make_result(
        election=election,
        method="ers97",
        method_name="STV, ERS97 rules",
        rules=RULES,
        seats=seats,
        book=book,
        elected=elected,
        excluded=excluded,
        quota=st["quota"],
        seed=seed,
        valid=tree.valid,
        empty=tree.empty,
        notes=notes,
    )
