"""A plain-text report of a count that a returning officer could read aloud."""

from __future__ import annotations

from .model import Result, format_units

WIDTH = 100
SHOWN_DECIMALS = 9  # Meek counts in 1e-15; nine places are plenty to read out


def render_text(result: Result) -> str:
    shown = min(result.decimals, SHOWN_DECIMALS)
    names = result.candidates

    def fmt(units: int | None) -> str:
        return "" if units is None else format_units(units, result.decimals, shown)

    lines: list[str] = []
    title = result.title or "Untitled election"
    lines += [title, "=" * len(title), ""]
    lines.append(f"Method: {result.method_name}")
    lines.extend(_wrap(f"Rules: {result.rules}", WIDTH, "    "))
    lines.append(
        f"Seats: {result.seats}   Candidates: {len(names) - len(result.withdrawn)}   "
        f"Valid votes: {result.valid_votes}   Empty ballots (not counted): {result.empty_ballots}"
    )
    if result.withdrawn:
        lines.append("Withdrawn: " + ", ".join(names[c] for c in result.withdrawn))
    if result.quota is not None:
        lines.append(f"Quota: {fmt(result.quota)}")
    if result.seed is not None:
        lines.append(f"Seed for any lot: {result.seed}")
    else:
        lines.append("Seed for any lot: none given (the count needed no lot)")
    lines.append("")

    lines.append("Stages")
    lines.append("------")
    for stage in result.stages:
        text = f"Stage {stage.label}: {stage.description}."
        if stage.quota is not None and stage.quota != result.quota:
            text += f" Quota {fmt(stage.quota)}."
        if stage.elected:
            text += " Elected: " + ", ".join(names[c] for c in stage.elected) + "."
        for note in stage.notes:
            text += f" {note[0].upper()}{note[1:]}."
        lines.extend(_wrap(text, WIDTH, "    "))
    lines.append("")

    lines.append("Votes at each stage")
    lines.append("-------------------")
    lines.extend(_table(result, fmt))
    lines.append("")

    if result.tie_breaks:
        lines.append("Ties")
        lines.append("----")
        for tie in result.tie_breaks:
            text = (
                f"Stage {tie.stage}, {tie.purpose}: {', '.join(tie.candidates)} were tied; "
                f"{', '.join(tie.chosen) or 'none'} chosen by {tie.rule} ({tie.detail})."
            )
            lines.extend(_wrap(text, WIDTH, "    "))
        lines.append("")

    for note in result.notes:
        lines.extend(_wrap(f"Note: {note}.", WIDTH, "    "))
    lines.append("Elected, in order of election:")
    if not result.elected:
        lines.append("    nobody")
    for i, c in enumerate(result.elected, start=1):
        lines.append(f"    {i}. {names[c]}")
    return "\n".join(lines) + "\n"


def _table(result: Result, fmt) -> list[str]:
    names = result.candidates
    rows = [c for c in range(len(names)) if c not in result.withdrawn]
    stages = result.stages
    labels = [s.label for s in stages]
    cells = [[fmt(s.totals[c]) for s in stages] for c in rows]
    extra = [
        ("Non-transferable", [fmt(s.non_transferable) for s in stages]),
        ("Rounding loss", [fmt(s.rounding_loss) for s in stages]),
        ("Total", [fmt(sum(s.totals) + s.non_transferable + s.rounding_loss) for s in stages]),
    ]
    if not any(s.rounding_loss for s in stages):
        extra.pop(1)
    if result.method in ("plurality", "block", "approval"):
        extra = []
    mark = {}
    for s in stages:
        for c in s.elected:
            mark[c] = "*"
        for c in s.excluded:
            mark.setdefault(c, "")
    row_names = [f"{names[c]}{' *' if c in result.elected else ''}" for c in rows]
    row_names += [label for label, _ in extra]
    body = cells + [vals for _, vals in extra]
    name_w = min(max(len(x) for x in row_names + ["Candidate"]), 32)
    col_w = max(len(x) for row in body + [labels] for x in row) + 2
    per_chunk = max(1, (WIDTH - name_w) // col_w)
    out: list[str] = []
    for start in range(0, len(stages), per_chunk):
        cols = range(start, min(start + per_chunk, len(stages)))
        head = "Stage".ljust(name_w) + "".join(labels[i].rjust(col_w) for i in cols)
        out.append(head)
        for name, row in zip(row_names, body, strict=True):
            out.append(name[:name_w].ljust(name_w) + "".join(row[i].rjust(col_w) for i in cols))
        out.append("")
    out.append("* elected")
    return out


def _wrap(text: str, width: int, indent: str) -> list[str]:
    words = text.split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if len(candidate) > width and current:
            lines.append(current)
            current = indent + word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
