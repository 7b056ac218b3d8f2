"""Money as people write it and as we store it (integer pence). Django-free."""

import re

# "1", "1.5", "1.50", "1,000", "1,000.00", ".50"; a pound sign in front is allowed.
_POUNDS = re.compile(r"^(?:(?P<grouped>\d{1,3}(?:,\d{3})+)|(?P<plain>\d*))"
                     r"(?:\.(?P<pennies>\d{1,2}))?$")
_PENCE = re.compile(r"^(?P<pence>\d+)\s*p$")


def format_pence(pence: int) -> str:
    """£1,234.56 (and -£0.50)."""
    sign = "-" if pence < 0 else ""
    pounds, pennies = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}.{pennies:02d}"


def parse_pounds(text: str) -> int:
    """ "£1,000.50" -> 100050 pence; "50p" -> 50. ValueError for anything else."""
    text = text.strip()
    pence = _PENCE.match(text)
    if pence:
        return int(pence["pence"])
    text = text.removeprefix("£").strip()
    match = _POUNDS.match(text)
    if not match or not (match["grouped"] or match["plain"] or match["pennies"]):
        raise ValueError(text)
    pounds = (match["grouped"] or match["plain"] or "0").replace(",", "")
    pennies = (match["pennies"] or "").ljust(2, "0")
    return int(pounds) * 100 + int(pennies or 0)


def pounds_text(pence: int) -> str:
    """What a form shows for an amount: 150 -> "1.50", 100000 -> "1000.00"."""
    pounds, pennies = divmod(pence, 100)
    return f"{pounds}.{pennies:02d}"
