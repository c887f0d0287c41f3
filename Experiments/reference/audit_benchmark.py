"""Throughput of `multidraft audit` against its numpy peer (audit_peer.py), measured in the same run.

    python3 audit_benchmark.py --bin PATH/TO/multidraft [--tokens 1000000] [--top-k 32] [--threads 2] [--dir DIR]
                               [--repeat 3] [--formats safetensors,jsonl]

Generates one correct-engine trace of the real SmolLM2 pair (V = 49,152, sparse top-k rows, chains of 3) in both
containers with the same seed, then times, on each: the full `multidraft audit` (output law, draft law, acceptance
definitions and the alpha* bracket of every step, every law validated), `multidraft audit --checks output-law` (the
output-law test alone, the same row; on the container it reads only the offsets, tokens and the emitted tokens'
target laws) and the numpy peer's output-law test alone (the same test: gather the emitted tokens' rows, transform,
Kolmogorov-Smirnov).
Each tool runs --repeat times, the three tools interleaved, and its fastest run is reported: the traces are larger
than some machines keep in their page cache between runs, and the fastest run is the one that found the file as
warm as the other tools did.
Prints CSV: format,tool,tokens,seconds,tokens_per_s,ratio_to_numpy. Use a release build of the toolkit. The traces
(about 2.4 GB of JSON Lines and 1 GB of safetensors per million tokens) are deleted at the end unless --dir is given.
"""
import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(command, env=None):
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {result.stderr.strip()}")
    return elapsed, result.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--top-k", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="safetensors,jsonl")
    args = parser.parse_args()
    folder = args.dir or tempfile.mkdtemp()
    os.makedirs(folder, exist_ok=True)
    peer = os.path.join(HERE, "audit_peer.py")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    rows = []
    try:
        for fmt in args.formats.split(","):
            path = os.path.join(folder, f"trace.{fmt}")
            timed([sys.executable, peer, "generate", "--output", path, "--tokens", str(args.tokens),
                   "--top-k", str(args.top_k), "--seed", str(args.seed)], env)
            swift_s = alone_s = numpy_s = float("inf")
            for _ in range(max(1, args.repeat)):
                seconds, out = timed([args.bin, "audit", "--trace", path, "--threads", str(args.threads)])
                swift_s = min(swift_s, seconds)
                full = next(r for r in csv.DictReader(io.StringIO(out)) if r["check"] == "output_law")
                tokens = int(full["count"])
                seconds, alone = timed([args.bin, "audit", "--trace", path, "--threads", str(args.threads),
                                        "--checks", "output-law"])
                alone_s = min(alone_s, seconds)
                if next(csv.DictReader(io.StringIO(alone))) != full:
                    raise SystemExit("audit --checks output-law disagrees with the full audit's output_law row")
                seconds, _ = timed([sys.executable, peer, "audit", path], env)
                numpy_s = min(numpy_s, seconds)
            rows.append((fmt, f"multidraft audit ({args.threads} threads)", tokens, swift_s))
            rows.append((fmt, f"multidraft audit --checks output-law ({args.threads} threads)", tokens, alone_s))
            rows.append((fmt, "numpy output-law test (1 thread)", tokens, numpy_s))
            os.remove(path)
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)
    print("format,tool,tokens,seconds,tokens_per_s,ratio_to_numpy,repeats")
    for fmt, tool, tokens, seconds in rows:
        reference = next(s for f, t, _, s in rows if f == fmt and t.startswith("numpy"))
        print(f"{fmt},{tool},{tokens},{seconds:.2f},{tokens / seconds:.0f},{reference / seconds:.2f},{args.repeat}")


if __name__ == "__main__":
    main()
