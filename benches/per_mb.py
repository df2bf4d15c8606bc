#!/usr/bin/env python3
"""Time per MB and peak memory of `pgward check` on a small and a big generated set (issue 15:
time per MB on the 50 MB set at most 1.1x that on the 3 MB set; peak memory on the 50 MB set),
in ONE interleaved run (small, big, small, big, ...) so that a machine whose speed drifts slows
both alike. Prints each set's median wall and CPU seconds, per MB, its peak memory, and the
big/small ratio of the per-MB figures (median of the per-round ratios).

    python3 benches/per_mb.py [--runs 5] [--threads 2] [--pgward target/release/pgward]
        [--small 2000] [--big 27000] [--seed 42]

The sets are made by the gen_corpus example when missing (/tmp/pgward-bench-FILES-SEED).
"""

import argparse
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vs_squawk import run_once  # noqa: E402  (the OS's accounting of one finished child)


def corpus(files, seed):
    path = f"/tmp/pgward-bench-{files}-{seed}"
    if not os.path.isdir(path) or not os.listdir(path):
        subprocess.run(
            ["cargo", "run", "--release", "--quiet", "--example", "gen_corpus", "--",
             path, str(files), str(seed)],
            check=True,
        )
    sizes = [os.path.getsize(os.path.join(path, f)) for f in os.listdir(path) if f.endswith(".sql")]
    return path, sum(sizes) / 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--pgward", default="target/release/pgward")
    p.add_argument("--small", type=int, default=2000)
    p.add_argument("--big", type=int, default=27000)
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()

    sets = [corpus(args.small, args.seed), corpus(args.big, args.seed)]
    argv = lambda path: [args.pgward, "check", "--no-cache", "--format", "json",  # noqa: E731
                         "--threads", str(args.threads), path]
    for path, _ in sets:
        run_once(argv(path))  # warm-up: page cache, binary
    rows = [[], []]
    for _ in range(args.runs):
        for i, (path, _) in enumerate(sets):
            rows[i].append(run_once(argv(path)))

    names = [f"{args.small} files", f"{args.big} files"]
    for name, (path, mb), runs in zip(names, sets, rows):
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        peak = statistics.median(r[2] for r in runs) / 1024
        print(f"{name:>12} ({mb:.2f} MB): wall {wall:.3f} s ({wall / mb * 1000:.1f} ms/MB), "
              f"cpu {cpu:.3f} s ({cpu / mb * 1000:.1f} ms/MB), peak {peak:.1f} MiB")
    (_, small_mb), (_, big_mb) = sets
    for what, k in (("wall", 0), ("cpu", 1)):
        ratios = [(b[k] / big_mb) / (s[k] / small_mb) for s, b in zip(rows[0], rows[1])]
        print(f"per MB, big / small, {what}: median {statistics.median(ratios):.2f}x "
              f"(rounds {min(ratios):.2f}x to {max(ratios):.2f}x)")


if __name__ == "__main__":
    main()
