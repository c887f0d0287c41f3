"""The numpy peer of `multidraft audit`'s output-law test, and a generator of large traces to time both on.

    python3 audit_peer.py generate --output T.jsonl|T.safetensors --tokens N [--top-k 32] [--seed 1] [--data DIR]
    python3 audit_peer.py audit T.jsonl|T.safetensors [--seed 1]

`generate` runs a correct speculative-sampling engine (one draft chain of 3 tokens per step, token-by-token
verification) on the real SmolLM2-135M-Instruct rows shipped in Experiments/data/smollm2-135m (target and the
`layerskip` draft at T = 1, V = 49,152): the engine's laws are each row's top-128 tokens with the rest mass spread
evenly over the other tokens, depth j of a step uses row i + j (a context-free idealisation of a chain), and the trace
reports each law's top-k tokens plus the rest (the audit lumps the unlisted tokens into one cell). It stops after the
step that brings the emitted tokens to N.

`audit` is the same output-law test in numpy: for every emitted token the randomised probability-integral transform
against its target law (cells by decreasing probability, ties by token id, the rest cell last), then the
Kolmogorov-Smirnov statistic and p-value (scipy's exact `kstwo`). JSON Lines are read with the `json` module, one step
at a time; the container is read with numpy and transformed in one vectorised pass. It prints one CSV row:
format,tokens,statistic,p_value,read_s,test_s,total_s,tokens_per_s. The uniforms differ from the toolkit's (numpy's
generator), so the statistic differs at the sampling-noise level; the work is the same.
"""
import argparse
import json
import os
import struct
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "export"))
from trace_writer import TraceWriter  # noqa: E402

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "smollm2-135m")


def read_safetensors(path):
    with open(path, "rb") as handle:
        n = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(n))
        base = 8 + n
    types = {"I32": np.int32, "I64": np.int64, "F16": np.float16, "F32": np.float32, "F64": np.float64}
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = raw[base + a: base + b].view(types[info["dtype"]]).reshape(info["shape"])
    return out, header.get("__metadata__", {})


class Engine:
    """Per row: the engine's laws on the union of the listed tokens plus one 'other tokens' cell."""

    def __init__(self, data, top_k):
        t, _ = read_safetensors(os.path.join(data, "sparse_top128.safetensors"))
        self.V = 49152
        self.rows = t["target_t1.indices"].shape[0]
        self.top_k = top_k
        self.cells = []
        self.reported = {"p": [], "q": []}
        for r in range(self.rows):
            laws = {}
            for name, key in (("p", "target_t1"), ("q", "layerskip_t1")):
                idx = np.asarray(t[key + ".indices"][r], dtype=np.int64)
                val = np.asarray(t[key + ".values"][r], dtype=np.float64)
                rest = max(0.0, 1.0 - val.sum())
                laws[name] = (idx, val, rest / (self.V - len(idx)))
                order = np.argsort(-val, kind="stable")[:top_k]
                self.reported[name].append((idx[order].astype(np.int32), val[order], max(0.0, 1.0 - val[order].sum())))
            union = np.union1d(laws["p"][0], laws["q"][0])
            dens = {}
            for name, (idx, val, density) in laws.items():
                d = np.full(len(union), density)
                d[np.searchsorted(union, idx)] = val
                other = density * (self.V - len(union))
                dens[name] = np.append(d, other)
            p, q = dens["p"] / dens["p"].sum(), dens["q"] / dens["q"].sum()
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(q > 0, np.minimum(1.0, p / q), 0.0)
            residual = np.maximum(p - q, 0)
            residual = residual / residual.sum() if residual.sum() > 0 else p
            self.cells.append((union, np.cumsum(p), np.cumsum(q), ratio, np.cumsum(residual)))

    def token(self, r, cumulative, rng):
        union = self.cells[r][0]
        c = min(int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right")), len(cumulative) - 1)
        if c < len(union):
            return int(union[c]), c
        while True:  # an unlisted token, uniformly
            y = int(rng.integers(self.V))
            k = np.searchsorted(union, y)
            if k >= len(union) or union[k] != y:
                return y, c

    def dense_law(self, name, r):
        idx, val, rest = self.reported[name][r]
        law = np.full(self.V, rest / (self.V - len(idx)))
        law[idx] = val
        return law


def generate(args):
    engine = Engine(args.data, args.top_k)
    rng = np.random.default_rng(args.seed)
    gamma, tokens, s = 3, 0, 0
    writer = TraceWriter(args.output, engine.V, law="single", top_k=args.top_k)
    # Reported laws are written straight from the rows (the writer's top-k of a dense copy would cost O(V) per law).
    lines = None if writer.binary else writer.handle

    def text(name, r):
        idx, val, rest = engine.reported[name][r]
        return ('{"indices":[' + ",".join(map(str, idx.tolist())) + '],"values":[' +
                ",".join(f"{x:.10g}" for x in val.tolist()) + f'],"rest":{rest:.10g}}}')
    cache = {}
    start = time.perf_counter()
    while tokens < args.tokens:
        i = int(rng.integers(engine.rows - gamma))
        chain, emitted = [], []
        for j in range(gamma):
            union, pc, qc, ratio, rc = engine.cells[i + j]
            x, cell = engine.token(i + j, qc, rng)
            chain.append(x)
        for j in range(gamma):
            union, pc, qc, ratio, rc = engine.cells[i + j]
            x = chain[j]
            k = np.searchsorted(union, x)
            cell = k if k < len(union) and union[k] == x else len(union)
            if rng.random() < ratio[cell]:
                emitted.append(x)
            else:
                emitted.append(engine.token(i + j, rc, rng)[0])
                break
        else:
            emitted.append(engine.token(i + gamma, engine.cells[i + gamma][1], rng)[0])
        if lines is not None:
            for name, r in [("q", i + j) for j in range(gamma)] + [("p", i + j) for j in range(gamma + 1)]:
                if (name, r) not in cache:
                    cache[(name, r)] = text(name, r)
            q = ",".join(cache[("q", i + j)] for j in range(gamma))
            p = ",".join(cache[("p", i + j)] for j in range(gamma + 1))
            lines.write(f'{{"context":"{s % 64}","step":{s},"drafts":[[{",".join(map(str, chain))}]],'
                        f'"q":[[{q}]],"p":[[{p}]],"emitted":[{",".join(map(str, emitted))}]}}\n')
        else:
            c = writer.columns
            c["context"].append(s % 64); c["step"].append(s); c["chains"].append(1)
            c["drafts"].extend(chain); c["draft_counts"].append(gamma); c["p_counts"].append(gamma + 1)
            for name, rows in (("q", range(i, i + gamma)), ("p", range(i, i + gamma + 1))):
                for r in rows:
                    idx, val, rest = engine.reported[name][r]
                    writer.rows[name][0].append(idx); writer.rows[name][1].append(val); writer.rows[name][2].append(rest)
            c["emitted"].extend(emitted); c["emitted_counts"].append(len(emitted))
        tokens += len(emitted)
        s += 1
        if s % 50_000 == 0:
            print(f"{s} steps, {tokens} tokens, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    writer.close()
    print(f"steps,{s}\ntokens,{tokens}\nseconds,{time.perf_counter() - start:.1f}")


def cells_of(indices, values, rest, token):
    """(below, mass) of `token` in a top-k law: cells by decreasing value (ties by index), the rest cell last."""
    hit = np.nonzero(indices == token)[0]
    if len(hit) == 0:
        return values.sum(), rest
    m = values[hit[0]]
    below = values[(values > m) | ((values == m) & (indices < token))].sum()
    return below, m


def ks(u):
    from scipy.stats import kstwo
    u = np.sort(u)
    n = len(u)
    i = np.arange(1, n + 1)
    d = max(np.max(i / n - u), np.max(u - (i - 1) / n))
    return d, float(kstwo.sf(d, n))


def audit(args):
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    if args.trace.endswith(".safetensors"):
        t, meta = read_safetensors(args.trace)
        read = time.perf_counter() - start
        # single chain per step (the generator's traces): emitted token j of step s uses p row p_offsets[s] + j
        chains = np.diff(t["chain_offsets"])
        if np.any(chains != 1):
            raise SystemExit("the vectorised peer handles one chain per step")
        counts = np.diff(t["emitted_offsets"])
        step_of = np.repeat(np.arange(len(counts)), counts)
        j = np.arange(len(step_of)) - t["emitted_offsets"][step_of]
        rows = t["p_offsets"][t["chain_offsets"][step_of]] + j
        offsets = t["p_row_offsets"]
        widths = np.diff(offsets)
        if np.any(widths != widths[0]):
            raise SystemExit("the vectorised peer needs the same k on every row")
        k = int(widths[0])
        # gather the emitted tokens' rows first, then convert only those to float64
        idx = t["p_indices"].reshape(-1, k)[rows]
        val = t["p_values"].reshape(-1, k)[rows].astype(np.float64)
        rest = t["p_rest"][rows].astype(np.float64)
        total = val.sum(axis=1) + rest
        val, rest = val / total[:, None], rest / total
        y = t["emitted"].astype(np.int64)
        match = idx == y[:, None]
        listed = match.any(axis=1)
        m = np.where(listed, (val * match).sum(axis=1), rest)
        above = (val > m[:, None]) | ((val == m[:, None]) & (idx < y[:, None]))
        below = np.where(listed, (val * above).sum(axis=1), val.sum(axis=1))
        u = np.minimum(1.0, below + rng.random(len(y)) * m)
        fmt = "safetensors"
    else:
        u = []
        with open(args.trace) as handle:
            json.loads(handle.readline())
            for line in handle:
                step = json.loads(line)
                emitted, chain = step["emitted"], step["drafts"][0]
                for j, y in enumerate(emitted):
                    law = step["p"][0][j]
                    below, m = cells_of(np.asarray(law["indices"]), np.asarray(law["values"]), law["rest"], y)
                    total = sum(law["values"]) + law["rest"]
                    u.append(min(1.0, (below + rng.random() * m) / total))
        u = np.asarray(u)
        read = 0.0
        fmt = "jsonl"
    middle = time.perf_counter()
    d, p = ks(u)
    end = time.perf_counter()
    print("format,tokens,statistic,p_value,read_s,test_s,total_s,tokens_per_s")
    print(f"{fmt},{len(u)},{d:.6g},{p:.6g},{read:.3f},{end - middle + (middle - start - read):.3f},{end - start:.3f},"
          f"{len(u) / (end - start):.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--output", required=True)
    g.add_argument("--tokens", type=int, required=True)
    g.add_argument("--top-k", type=int, default=32)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--data", default=DATA)
    a = sub.add_parser("audit")
    a.add_argument("trace")
    a.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args) if args.command == "generate" else audit(args)


if __name__ == "__main__":
    main()
