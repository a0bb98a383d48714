"""Do notebook 04's timings (section 7) hold on a busy machine? Idle against two busy loops.

Runs the timing code of notebook 04, section 7 (``course_lib.visual.gradient_cost``, one
BLAS thread, best of several short runs) ``--runs`` times on an idle machine, then again
with ``--busy`` busy loops (``python -c "while True: pass"``) running beside it, and prints
the ratios the notebook prints: a backward pass in forward passes, one sampled parameter
in forward passes, and backprop's speed-up over finite differences. Issue 24 asks that the
ratios under load stay within 2x of the idle run; the last column says whether they do.

    python benchmarks/bench_timing_under_load.py [--runs 3] [--busy 2]

A figure, not a pass/fail test: the answer depends on the machine. Takes about a minute.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from course_lib.visual.gradient_cost import measure_gradient_cost

SIZES = [[2, 2, 2], [16, 16, 10], [64, 32, 10], [256, 64, 10], [256, 128, 10], [256, 256, 128, 10]]


def ratios() -> dict[str, float]:
    """The notebook's call, and the ratios it prints."""
    costs = measure_gradient_cost(SIZES, batch_size=64, n_sampled=24, rng=0)
    out = {}
    for r in costs:
        name = "-".join(map(str, r.sizes))
        out[f"{name} backward/forward"] = r.backward_forward_ratio
        out[f"{name} speed-up"] = r.speedup
    largest = costs[-1]
    out["digit net: sampled parameter/forward"] = (
        largest.sampled_seconds / largest.sampled / largest.forward_seconds
    )
    return out


def median_of(runs: int) -> dict[str, float]:
    results = [ratios() for _ in range(runs)]
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per condition (median kept)")
    parser.add_argument("--busy", type=int, default=2, help="busy loops beside the loaded runs")
    args = parser.parse_args()

    start = time.perf_counter()
    idle = median_of(args.runs)
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    try:
        time.sleep(1.0)  # let the loops reach full speed
        loaded = median_of(args.runs)
    finally:
        for p in loops:  # only the processes started here
            p.kill()
            p.wait()

    print(f"median of {args.runs} runs each; {args.busy} busy loops in the loaded runs")
    print(f"{'ratio':42} {'idle':>10} {'loaded':>10} {'loaded/idle':>11}")
    worst = 1.0
    for key in idle:
        factor = loaded[key] / idle[key]
        worst = max(worst, factor, 1 / factor)
        print(f"{key:42} {idle[key]:>10,.2f} {loaded[key]:>10,.2f} {factor:>11.2f}")
    verdict = "within" if worst <= 2 else "NOT within"
    print(f"largest change: {worst:.2f}x ({verdict} 2x of the idle run)")
    print(f"took {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
