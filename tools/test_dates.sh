#!/usr/bin/env bash
# The suite (browser and belenios-tool tests left out) on SQLite with the clock at awkward
# moments (tests/conftest.py reads OMOV_TEST_NOW), London time.
#   tools/test_dates.sh --all         the whole suite once at each moment (five runs)
#   tools/test_dates.sh --rotate N    one run: each test file at one moment, turned by N (CI
#                                     passes the commit count, so each file meets every moment
#                                     over five commits)
# Other arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
MOMENTS=(
  "2028-02-29T12:00:00+00:00"  # 29 February
  "2026-12-31T23:30:00+00:00"  # 31 December, half an hour before the year ends
  "2027-03-28T00:30:00+00:00"  # last Sunday of March, half an hour before 01:00 becomes 02:00
  "2027-10-31T01:30:00+00:00"  # last Sunday of October, in the repeated hour (the second 01:30)
  "2027-04-01T09:00:00+01:00"  # the day after the financial year end (31 March by default)
)
mode="${1:-}"; shift || true
run() { .venv/bin/python -m pytest -q -m "not e2e and not belenios" -p no:cacheprovider \
          -n "${TEST_WORKERS:-2}" --dist loadfile "$@"; }
case "$mode" in
  --all)
    for moment in "${MOMENTS[@]}"; do
      printf '\n=== The suite with the clock at %s ===\n' "$moment"
      OMOV_TEST_NOW="$moment" run "$@"
    done ;;
  --rotate)
    rotation="${1:?--rotate needs a number}"; shift
    OMOV_TEST_NOW="$(IFS=,; echo "${MOMENTS[*]}")" OMOV_TEST_NOW_ROTATION="$rotation" run "$@" ;;
  *) echo "usage: tools/test_dates.sh --all | --rotate N [pytest arguments]" >&2; exit 2 ;;
esac
