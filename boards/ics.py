"""An iCalendar (RFC 5545) event for a meeting, written by hand: CRLF line ends, escaped
text, lines folded at 75 octets, a stable UID and a DTSTAMP."""

import re
from datetime import UTC, date, datetime, timedelta

# Characters that end a line of text (as str.splitlines reads them): written as \n.
LINE_BREAKS = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# RFC 5545 3.1 CONTROL: no control character but HTAB may stand in a content line.
CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def escape_text(value: str) -> str:
    """RFC 5545 3.3.11: backslash, semicolon and comma escaped; each line break as \\n; any
    other control character (not allowed in a content line) left out."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return CONTROLS.sub("", LINE_BREAKS.sub("\\\\n", value))


def fold(line: str) -> str:
    """RFC 5545 3.1: lines longer than 75 octets continue on lines that begin with a space,
    never splitting a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines lose one octet to the space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += char
        size += width
    out.append(current)
    return "\r\n ".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def event(*, uid: str, summary: str, start: datetime | date, end: datetime | date,
          stamp: datetime, location: str = "", description: str = "", url: str = "",
          sequence: int = 0, cancelled: bool = False) -> str:
    """One VCALENDAR with one VEVENT. `start`/`end` are aware datetimes, or dates for an
    all-day event (end exclusive). `sequence` counts the event's revisions (RFC 5545 3.8.7.4:
    a calendar takes a changed or cancelled event with the same UID by a higher SEQUENCE)."""
    if isinstance(start, datetime):
        when = [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"]
    else:
        when = [f"DTSTART;VALUE=DATE:{start:%Y%m%d}", f"DTEND;VALUE=DATE:{end:%Y%m%d}"]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//OMOV//Meetings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_utc(stamp)}",
        *when,
        f"SUMMARY:{escape_text(summary)}",
        f"SEQUENCE:{sequence}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
    ]
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    if description:
        lines.append(f"DESCRIPTION:{escape_text(description)}")
    if url:
        lines.append(f"URL:{url}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)


def all_day_end(day: date) -> date:
    return day + timedelta(days=1)
