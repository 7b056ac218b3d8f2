"""Amounts typed as people write them, stored as integer pence."""

import pytest

from societies.fields import PoundsField
from societies.money import format_pence, parse_pounds


@pytest.mark.parametrize("typed,pence", [
    ("1", 100), ("£1", 100), ("1.50", 150), ("1.5", 150), (".50", 50), ("£1,000.00", 100000),
    (" £ 2 ", 200), ("1,234,567.89", 123456789), ("0.01", 1), ("50p", 50), ("0", 0),
])
def test_amounts_as_people_write_them(typed, pence):
    assert parse_pounds(typed) == pence


@pytest.mark.parametrize("typed", ["", "£", "abc", "1.505", "-1", "1,00", "1.000,50", "1e3",
                                   "£1.50p", "1 000"])
def test_anything_else_is_refused(typed):
    with pytest.raises(ValueError):
        parse_pounds(typed)


def test_money_reads_in_pounds():
    assert format_pence(123456) == "£1,234.56"
    assert format_pence(-50) == "-£0.50"


def test_the_field_cleans_to_pence_and_says_what_it_wants():
    field = PoundsField(min_pence=1, max_pence=10_000_000)
    assert field.clean("£1,000.00") == 100000
    assert field.prepare_value(150) == "1.50"
    for typed, message in [("one pound", "Enter an amount in pounds and pence, like 1.00."),
                           ("0", "Enter at least £0.01."),
                           ("100000.01", "Enter at most £100,000.00."),
                           ("99999999999999999999", "Enter at most £100,000.00.")]:
        with pytest.raises(Exception) as refused:
            field.clean(typed)
        assert refused.value.messages == [message]
    assert PoundsField(required=False).clean("") is None


def test_an_unchanged_amount_is_not_a_change():
    assert not PoundsField().has_changed(100, "£1.00")
    assert PoundsField().has_changed(100, "1.01")
