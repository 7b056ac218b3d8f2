"""Counting engine benchmark: STV counts of synthetic profiles from a fixed seed.

Profiles: 100,000 and 1,000,000 ballots, 15 candidates, 5 seats, party-shaped partial rankings
(`counting.synthetic`). Generating them is not timed. Each figure is counting time on
the grouped profile as read from a file, including the sorting of distinct rankings that every
count starts with (the cached ballot tree is dropped before each run); the best of a few runs.

Figures:
- count_100k_scottish_s, count_100k_ers97_s, count_100k_meek_s
- count_1m_s: the slowest of the three STV rules on 1,000,000 ballots
- count_1m_peak_mb: the most memory any of those counts allocates (tracemalloc), on top of the
  profile itself
- count_cli_100k_scottish_s, count_cli_100k_ers97_s, count_cli_100k_meek_s: the whole
  process `python -m counting FILE.blt --method M` on the 100,000-ballot profile written as a BLT
  file (start-up, reading the file, counting and printing the report), wall-clock, the best of
  seven runs

Run alone with `python -m bench.bench_counting`.
"""

import gc
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from bench.support import emit
from counting import count, write_blt
from counting.synthetic import synthetic_election

PROFILE_SEED = 20261124
STV = ("scottish", "ers97", "meek")
ROOT = Path(__file__).resolve().parents[1]


def _best_time(method: str, election, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        election._tree = None
        gc.collect()
        start = time.perf_counter()
        count(method, election, seed=PROFILE_SEED)
        best = min(best, time.perf_counter() - start)
    return best


def _peak_mb(method: str, election) -> float:
    election._tree = None
    gc.collect()
    tracemalloc.start()
    try:
        count(method, election, seed=PROFILE_SEED)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    election._tree = None
    return peak / 2**20


def _best_cli_time(method: str, path: Path, repeat: int) -> float:
    """Wall-clock time of the whole `python -m counting` process, the best of `repeat` runs."""
    best = float("inf")
    command = [sys.executable, "-m", "counting", str(path), "--method", method]
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def run() -> None:
    profile = synthetic_election(ballots=100_000, candidates=15, seats=5, seed=PROFILE_SEED)
    for method in STV:
        emit(f"count_100k_{method}_s", _best_time(method, profile, repeat=5), "s")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "profile-100k.blt"
        write_blt(profile, path)
        for method in STV:
            emit(f"count_cli_100k_{method}_s", _best_cli_time(method, path, repeat=7), "s")
    del profile
    gc.collect()

    profile = synthetic_election(ballots=1_000_000, candidates=15, seats=5, seed=PROFILE_SEED)
    emit("count_1m_s", max(_best_time(method, profile, repeat=2) for method in STV), "s")
    emit("count_1m_peak_mb", max(_peak_mb(method, profile) for method in STV), "MB")


if __name__ == "__main__":
    run()
