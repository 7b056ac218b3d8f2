"""A class named "… share" is never followed by "share" again."""

import pytest

from shares.models import class_shares, count_of_shares


@pytest.mark.parametrize("count,name,text", [
    (1, "Membership share", "1 Membership share"),
    (3, "Withdrawable share", "3 Withdrawable shares"),
    (250, "Investor shares", "250 Investor shares"),
    (1, "Class A", "1 Class A share"),
    (2, "Class A", "2 Class A shares"),
])
def test_a_number_of_shares_of_a_class(count, name, text):
    assert count_of_shares(count, name) == text


def test_the_shares_of_a_class():
    assert class_shares("Withdrawable share") == "Withdrawable shares"
    assert class_shares("Ordinary") == "Ordinary shares"
