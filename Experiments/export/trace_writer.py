"""Write a speculative-decoding engine's trace for `multidraft audit` (numpy only; call it from the engine's hook).

Format `multidraft-trace`, version 1, JSON Lines: a header, then one line per verification step (README, "Audit
your engine"):

    from trace_writer import TraceWriter
    with TraceWriter("trace.jsonl", vocab_size=V, law="iid", top_k=256) as trace:
        ...                                   # in the engine, once per verification step:
        trace.step(context=request_id, step=i,
                   drafts=[[x11, x12], [x21, x22]],          # K chains of drafted token ids
                   q=[[q11, q12], [q21, q22]],               # the law each drafted token was drawn from (1-D arrays)
                   p=[[p10, p11, p12], [p20, p21, p22]],     # target law at the root and after each drafted token
                   emitted=[y1, y2])                          # the tokens the step appended

Laws are the probabilities **after** the engine's temperature, top-k and top-p, i.e. the laws the engine sampled
from and verified with. With `top_k` set, each law is stored as its top-k tokens plus the rest mass (the audit lumps
unlisted tokens into one cell); otherwise densely. The root law may be given once per chain or the same array
repeated; `law` is "iid", "without-replacement", "independent" or "single".
"""
import json

import numpy as np


class TraceWriter:
    def __init__(self, path, vocab_size, law="iid", top_k=None, digits=10):
        if law not in ("iid", "without-replacement", "independent", "single"):
            raise ValueError(f"unknown law {law!r}")
        self.vocab_size, self.top_k, self.digits = int(vocab_size), top_k, digits
        self.handle = open(path, "w")
        self.handle.write(json.dumps({"format": "multidraft-trace", "version": 1, "vocab_size": self.vocab_size,
                                      "law": law}) + "\n")

    def law(self, probabilities):
        p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
        if p.shape[0] != self.vocab_size:
            raise ValueError(f"a law has {p.shape[0]} entries, not vocab_size = {self.vocab_size}")
        p = p / p.sum()
        if self.top_k is None or self.top_k >= self.vocab_size:
            return [self.number(x) for x in p]
        top = np.argsort(-p, kind="stable")[: self.top_k]
        values = p[top]
        return {"indices": [int(i) for i in top], "values": [self.number(x) for x in values],
                "rest": self.number(max(0.0, 1.0 - float(values.sum())))}

    def number(self, x):
        """`digits` significant digits: a positive probability never becomes 0."""
        return float(f"{float(x):.{self.digits}g}")

    def step(self, context, step, drafts, q, p, emitted):
        record = {"context": str(context), "step": int(step),
                  "drafts": [[int(x) for x in chain] for chain in drafts],
                  "q": [[self.law(law) for law in chain] for chain in q],
                  "p": [[self.law(law) for law in chain] for chain in p],
                  "emitted": [int(y) for y in emitted]}
        self.handle.write(json.dumps(record, separators=(",", ":")) + "\n")

    def close(self):
        self.handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
