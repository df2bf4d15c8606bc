#!/usr/bin/env python3
"""Time pgward against squawk (and, when installed, the Postgres Language Server) on the
generated corpus, in ONE interleaved run: A B C A B C ... so that a machine whose speed drifts
slows every tool alike. Prints each tool's median wall and CPU seconds, its peak memory, and the
ratio pgward / peer (median of the per-round ratios).

    python3 benches/vs_squawk.py [--files 2000] [--seed 42] [--runs 11] [--threads 2]
        [--pgward target/release/pgward] [--squawk squawk] [--pls postgres-language-server]

The peers are measurement yardsticks only, never dependencies: install them outside the
repository, e.g.

    python3 -m venv /tmp/peers/venv && /tmp/peers/venv/bin/pip install squawk-cli
    cd /tmp/peers && npm install @postgres-language-server/cli

Only the Python standard library is used; every figure is the operating system's accounting of
the finished child (os.wait4), not the script's own.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time


def run_once(argv):
    """(wall s, cpu s, peak KB, exit code) of one run; output is discarded."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    wall = time.monotonic() - start
    os.close(devnull)
    code = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code


def find(tool, default):
    if tool:
        return tool
    return shutil.which(default)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--files", type=int, default=2000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--runs", type=int, default=11)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--dir", help="corpus directory (default /tmp/pgward-bench-FILES-SEED)")
    p.add_argument("--pgward", default="target/release/pgward")
    p.add_argument("--squawk")
    p.add_argument("--pls", help="postgres-language-server binary (skipped when absent)")
    p.add_argument("--cache", action="store_true",
                   help="let pgward use its check cache (default --no-cache: the peers keep none)")
    args = p.parse_args()

    corpus = args.dir or f"/tmp/pgward-bench-{args.files}-{args.seed}"
    if not os.path.isdir(corpus) or not os.listdir(corpus):
        subprocess.run(
            ["cargo", "run", "--release", "--quiet", "--example", "gen_corpus", "--",
             corpus, str(args.files), str(args.seed)],
            check=True,
        )
    files = sorted(
        os.path.join(corpus, f) for f in os.listdir(corpus) if f.endswith(".sql")
    )
    mb = sum(os.path.getsize(f) for f in files) / 1e6

    squawk = find(args.squawk, "squawk")
    pls = find(args.pls, "postgres-language-server")
    tools = [
        ("pgward", [args.pgward, "check", "--format", "json", "--threads",
                    str(args.threads)] + ([] if args.cache else ["--no-cache"]) + [corpus]),
    ]
    if squawk:
        # squawk checks the files it is given, one process, all its rules.
        tools.append(("squawk", [squawk] + files))
    else:
        print("squawk not found: pass --squawk PATH", file=sys.stderr)
    if pls:
        tools.append(("postgres-language-server", [pls, "check", corpus]))

    samples = {name: [] for name, _ in tools}
    for name, argv in tools:  # one warm-up each (page cache, dynamic loader)
        run_once(argv)
    for _ in range(args.runs):
        for name, argv in tools:
            samples[name].append(run_once(argv))

    print(f"{len(files)} files, {mb:.2f} MB, {args.runs} interleaved rounds, "
          f"pgward --threads {args.threads}")
    print(f"{'tool':<26}{'wall s':>9}{'cpu s':>9}{'peak MB':>9}{'exit':>6}")
    for name, _ in tools:
        s = samples[name]
        print(f"{name:<26}{statistics.median(x[0] for x in s):>9.3f}"
              f"{statistics.median(x[1] for x in s):>9.3f}"
              f"{max(x[2] for x in s) / 1024:>9.1f}{s[-1][3]:>6}")
    base = samples["pgward"]
    for name, _ in tools[1:]:
        wall = statistics.median(a[0] / b[0] for a, b in zip(base, samples[name]))
        cpu = statistics.median(a[1] / b[1] for a, b in zip(base, samples[name]))
        print(f"pgward / {name}: {wall:.2f}x wall, {cpu:.2f}x cpu (median of paired rounds)")


if __name__ == "__main__":
    main()
