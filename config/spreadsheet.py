"""One rule for every CSV and XLSX file the site writes: text a spreadsheet would run as a
formula is written as text.

A cell whose text starts with `=`, `+`, `-` or `@` (or a tab or carriage return, which some
spreadsheets skip before reading the rest as a formula) gets a leading apostrophe, so an
applicant named `=HYPERLINK("http://x","y")` stays a name when the secretary opens the
register. Only text is escaped: numbers (ints, Decimals such as amounts, negative ones too)
and empty cells pass unchanged, so callers hand amounts over as numbers, not as text.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# XlsxWriter reads strings starting with "=" as formulas and "http…" as links unless told not to.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                "strings_to_numbers": False}


def cell(value):
    """`value` as it may go into a spreadsheet cell."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values) -> list:
    return [cell(value) for value in values]
