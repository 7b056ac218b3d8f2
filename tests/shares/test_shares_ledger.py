"""Share ledger arithmetic without Django: every expectation below is worked by hand."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shares import ledger
from shares.ledger import Balance, HoldingPeriod, Movement


def test_the_legal_limits():
    assert ledger.LEGAL_MAX_WITHDRAWABLE_PENCE == 10_000_000  # £100,000 (CCBSA 2014 s.24)
    assert ledger.NOMINATION_LIMIT_PENCE == 500_000  # £5,000 (s.37)


# Financial years


def test_a_year_to_31_march_containing_29_february_has_366_days():
    start, end = ledger.financial_year(3, 31, 2024)
    assert (start, end) == (date(2023, 4, 1), date(2024, 3, 31))
    assert ledger.days_between(start, end) == 366


def test_a_year_to_31_march_without_29_february_has_365_days():
    start, end = ledger.financial_year(3, 31, 2023)
    assert (start, end) == (date(2022, 4, 1), date(2023, 3, 31))
    assert ledger.days_between(start, end) == 365


def test_a_year_end_of_29_february_means_the_last_day_of_february():
    assert ledger.financial_year(2, 29, 2023) == (date(2022, 3, 1), date(2023, 2, 28))
    assert ledger.financial_year(2, 29, 2024) == (date(2023, 3, 1), date(2024, 2, 29))
    assert ledger.days_between(*ledger.financial_year(2, 29, 2024)) == 366


def test_the_financial_year_containing_a_date():
    assert ledger.financial_year_containing(3, 31, date(2024, 3, 31)) == (
        date(2023, 4, 1), date(2024, 3, 31))
    assert ledger.financial_year_containing(3, 31, date(2024, 4, 1)) == (
        date(2024, 4, 1), date(2025, 3, 31))
    assert ledger.financial_year_containing(12, 31, date(2024, 6, 30)) == (
        date(2024, 1, 1), date(2024, 12, 31))


# Balances as at a date


def test_the_balance_at_a_date_counts_movements_dated_that_day():
    movements = [
        Movement(date(2024, 1, 10), 10, 1000),
        Movement(date(2024, 2, 1), -4, -400),
        Movement(date(2024, 3, 1), 5, 500),
    ]
    assert ledger.balance_as_at(movements, date(2024, 1, 9)) == Balance(0, 0)
    assert ledger.balance_as_at(movements, date(2024, 1, 10)) == Balance(10, 1000)
    assert ledger.balance_as_at(movements, date(2024, 2, 29)) == Balance(6, 600)
    assert ledger.balance_as_at(movements, date(2030, 1, 1)) == Balance(11, 1100)


def test_a_holding_is_judged_at_the_close_of_each_day():
    d1, d2 = date(2024, 1, 1), date(2024, 1, 2)
    # Withdrawn then topped up on the same day: never below zero at a close.
    assert ledger.first_negative_day(
        [Movement(d1, 5, 500), Movement(d2, -10, -1000), Movement(d2, 10, 1000)]) is None
    assert ledger.first_negative_day(
        [Movement(d1, 5, 500), Movement(d2, -10, -1000)]) == d2
    # A backdated withdrawal before the shares were issued goes negative on its own date.
    assert ledger.first_negative_day(
        [Movement(d2, 5, 500), Movement(d1, -5, -500)]) == d1


# Holding periods and share interest


BAYWIND_YEAR = (date(2023, 4, 1), date(2024, 3, 31))  # 366 days: contains 29 February 2024
BAYWIND_MOVES = [
    Movement(date(2023, 7, 1), 250, 25_000),    # buys 250 more £1 shares
    Movement(date(2024, 1, 1), -100, -10_000),  # withdraws 100
]


def test_holding_periods_split_the_year_where_the_holding_changes():
    periods = ledger.holding_periods(Balance(250, 25_000), BAYWIND_MOVES, *BAYWIND_YEAR)
    assert periods == [
        HoldingPeriod(date(2023, 4, 1), date(2023, 6, 30), 250, 25_000),
        HoldingPeriod(date(2023, 7, 1), date(2023, 12, 31), 500, 50_000),
        HoldingPeriod(date(2024, 1, 1), date(2024, 3, 31), 400, 40_000),
    ]
    # 30+31+30, 31+31+30+31+30+31, 31+29+31
    assert [p.days for p in periods] == [91, 184, 91]


def test_interest_over_several_holding_periods_in_a_leap_year():
    # 25,000p x 91 + 50,000p x 184 + 40,000p x 91 = 15,115,000 pence-days
    pd = ledger.pence_days(25_000, BAYWIND_MOVES, *BAYWIND_YEAR)
    assert pd == 15_115_000
    # 5.5% x 15,115,000 / (100 x 366) = 2,271.38p -> £22.71
    assert ledger.interest_pence(pd, Decimal("5.5"), 366) == 2271
    periods = ledger.holding_periods(Balance(250, 25_000), BAYWIND_MOVES, *BAYWIND_YEAR)
    assert ledger.interest_for_periods(periods, "5.5", 366) == 2271


def test_a_whole_year_earns_the_full_rate_whatever_its_length():
    # £1,000 at 5% for a whole year is £50.00, in a 365-day and in a 366-day year.
    assert ledger.interest_pence(100_000 * 365, "5", 365) == 5000
    assert ledger.interest_pence(100_000 * 366, "5", 366) == 5000


def test_half_a_leap_year_earns_half_the_interest():
    # Held from 1 October 2023 to 31 March 2024: 31+30+31+31+29+31 = 183 of 366 days.
    start, end = ledger.financial_year(3, 31, 2024)
    pd = ledger.pence_days(0, [Movement(date(2023, 10, 1), 1000, 100_000)], start, end)
    assert pd == 100_000 * 183
    assert ledger.interest_pence(pd, "5", 366) == 2500  # exactly £25.00


def test_the_same_part_year_in_an_ordinary_year():
    # Held from 1 October 2022 to 31 March 2023: 31+30+31+31+28+31 = 182 of 365 days:
    # 100,000p x 182 x 5 / 36,500 = 2,493.15p -> £24.93
    start, end = ledger.financial_year(3, 31, 2023)
    pd = ledger.pence_days(0, [Movement(date(2022, 10, 1), 1000, 100_000)], start, end)
    assert pd == 100_000 * 182
    assert ledger.interest_pence(pd, "5", 365) == 2493


def test_a_share_counts_from_the_day_it_is_issued_until_the_day_before_it_goes():
    start, end = date(2023, 1, 1), date(2023, 12, 31)
    issued_last_day = [Movement(end, 1, 36_500)]
    assert ledger.pence_days(0, issued_last_day, start, end) == 36_500  # one day
    withdrawn_first_day = [Movement(start, -1, -36_500)]
    assert ledger.pence_days(36_500, withdrawn_first_day, start, end) == 0
    # 36,500p for one day at 10%: 36,500 x 10 / 36,500 = 10p.
    assert ledger.interest_pence(36_500, "10", 365) == 10


def test_movements_outside_the_year_are_not_counted_twice():
    start, end = date(2023, 1, 1), date(2023, 12, 31)
    moves = [Movement(date(2022, 6, 1), 10, 1000), Movement(date(2024, 1, 1), 10, 1000)]
    # The opening balance already includes the 2022 movement; 2024 is after the year.
    assert ledger.pence_days(1000, moves, start, end) == 1000 * 365


@pytest.mark.parametrize("pence_held,expected", [
    (10, 1),  # 0.5p rounds up (bankers' rounding would give 0)
    (50, 3),  # 2.5p rounds up (bankers' rounding would give 2)
    (30, 2),  # 1.5p
    (8, 0),   # 0.4p
    (12, 1),  # 0.6p
])
def test_interest_is_rounded_half_up_to_a_penny(pence_held, expected):
    # pence held all year at 5%: interest = pence / 20
    assert ledger.interest_pence(pence_held * 365, "5", 365) == expected


def test_rounding_is_on_the_total_for_the_member_not_on_each_period():
    # 10p for 200 days (0.274p) and 20p for 165 days (0.452p): 0.726p in all -> 1p,
    # where rounding each period would have given nothing.
    periods = [
        HoldingPeriod(date(2023, 1, 1), date(2023, 7, 19), 10, 10),
        HoldingPeriod(date(2023, 7, 20), date(2023, 12, 31), 20, 20),
    ]
    assert [p.days for p in periods] == [200, 165]
    assert ledger.interest_for_periods(periods, "5", 365) == 1
    assert sum(ledger.round_half_up(ledger.period_interest(p, "5", 365)) for p in periods) == 0


def test_a_zero_rate_earns_nothing_and_bad_inputs_are_refused():
    assert ledger.interest_pence(10**12, "0", 365) == 0
    with pytest.raises(TypeError):
        ledger.interest_pence(100, 5.5, 365)
    with pytest.raises(ValueError):
        ledger.interest_pence(100, "5", 360)
    with pytest.raises(ValueError):
        ledger.interest_pence(100, "-1", 365)


def test_round_half_up_is_exact_for_fractions():
    assert ledger.round_half_up(Fraction(5, 2)) == 3
    assert ledger.round_half_up(Fraction(-5, 2)) == -3
    assert ledger.round_half_up(Fraction(249_999, 100_000)) == 2
    assert ledger.round_half_up(Fraction(7, 1)) == 7


# Withdrawals, the cap and reinvestment


def test_the_earliest_payable_date_follows_the_notice_period():
    assert ledger.earliest_payable_on(date(2024, 1, 31), 0) == date(2024, 1, 31)
    assert ledger.earliest_payable_on(date(2024, 1, 31), 30) == date(2024, 3, 1)  # leap year
    assert ledger.earliest_payable_on(date(2023, 1, 31), 30) == date(2023, 3, 2)


@pytest.mark.parametrize("withdrawing,allowed", [
    (1000, True),   # everything
    (750, True),    # leaves exactly the minimum of 250
    (800, False),   # would leave 200: below the minimum but not nothing
    (0, False),
    (1001, False),  # more than held
])
def test_a_withdrawal_leaves_nothing_or_at_least_the_minimum(withdrawing, allowed):
    assert ledger.remainder_allowed(1000, withdrawing, 250) is allowed


def test_cap_headroom_never_exceeds_the_law():
    assert ledger.cap_headroom_pence(0, 20_000_000) == 10_000_000
    assert ledger.cap_headroom_pence(9_999_900, 10_000_000) == 100
    assert ledger.cap_headroom_pence(500, 400) == 0


def test_reinvestment_buys_whole_shares_and_pays_the_rest():
    assert ledger.split_reinvestment(2271, 100, None) == ledger.Reinvestment(22, 2200, 71)
    # Only £10 of room under the cap: 10 shares, the rest is paid.
    assert ledger.split_reinvestment(2271, 100, 1000) == ledger.Reinvestment(10, 1000, 1271)
    assert ledger.split_reinvestment(2271, 100, None, max_shares=5) == ledger.Reinvestment(
        5, 500, 1771)
    assert ledger.split_reinvestment(99, 100, None) == ledger.Reinvestment(0, 0, 99)


def test_pence_are_shown_as_pounds():
    assert ledger.format_pence(123_456) == "£1,234.56"
    assert ledger.format_pence(5) == "£0.05"
    assert ledger.format_pence(-50) == "-£0.50"


# The closed form the interest run uses agrees with counting day by day.

movements_strategy = st.lists(
    st.tuples(st.integers(min_value=-30, max_value=400), st.integers(-50, 50)),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(
    opening=st.integers(min_value=0, max_value=500),
    moves=movements_strategy,
    year=st.integers(min_value=2019, max_value=2026),
    end_month=st.integers(min_value=1, max_value=12),
)
def test_pence_days_agrees_with_a_day_by_day_count(opening, moves, year, end_month):
    start, end = ledger.financial_year(end_month, 31, year)
    movements = [Movement(start + timedelta(days=offset), n, n * 100) for offset, n in moves]
    before = [m for m in movements if m.on < start]
    opening_pence = opening * 100 + sum(m.amount_pence for m in before)
    all_moves = [Movement(start - timedelta(days=1000), opening, opening * 100), *movements]

    by_day = 0
    day = start
    while day <= end:
        by_day += ledger.balance_as_at(all_moves, day).amount_pence
        day += timedelta(days=1)
    within = [m for m in movements if m.on >= start]
    assert ledger.pence_days(opening_pence, within, start, end) == by_day
    periods = ledger.holding_periods(
        Balance(opening + sum(m.shares for m in before), opening_pence), within, start, end)
    assert sum(p.amount_pence * p.days for p in periods) == by_day
    assert sum(p.days for p in periods) <= ledger.days_between(start, end)
