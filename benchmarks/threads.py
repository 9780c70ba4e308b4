"""ns per person-step with 1 and 2 numba threads, on a quiet machine or a busy one.

    uv run python benchmarks/threads.py                  # quiet
    uv run python benchmarks/threads.py --busy           # one other process spins on a core
    OMP_WAIT_POLICY=active uv run python benchmarks/threads.py --busy

Each size builds the ``alliance`` scenario, steps once (warm-up), times ``--steps``
steps at 1, 2, 1, 2 threads (two models each), and prints the four figures. The wait
policy is the one in the environment (``import carecomplex`` sets ``passive`` unless it
is set); results do not depend on it or on the thread count.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time


def _spin() -> None:
    while True:
        pass


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,3000,10000,30000,100000")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    args = ap.parse_args()

    import numba

    from carecomplex.model import CareModel
    from carecomplex.scenarios import load

    spinner = mp.get_context("spawn").Process(target=_spin, daemon=True)
    if args.busy:
        spinner.start()
    try:
        print(f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')} busy={args.busy}")
        for n in (int(float(s)) for s in args.sizes.split(",")):
            p = load("alliance").params.replace(population={"persons": n}, run={"burn_in": 0})
            res: dict[int, list[int]] = {1: [], 2: []}
            for threads in (1, 2, 1, 2):
                numba.set_num_threads(threads)
                m = CareModel(p, rng=1)
                m.step()
                t = time.perf_counter()
                for _ in range(args.steps):
                    m.step()
                res[threads].append(round((time.perf_counter() - t) / args.steps / n * 1e9))
            print(f"{n:>9,} persons: 1 thread {res[1]} ns, 2 threads {res[2]} ns per person-step")
    finally:
        if spinner.is_alive():
            spinner.terminate()


if __name__ == "__main__":
    main()
