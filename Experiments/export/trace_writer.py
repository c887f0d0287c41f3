"""Write a speculative-decoding engine's trace for `multidraft audit` (numpy only; call it from the engine's hook).

Format `multidraft-trace`, version 1, JSON Lines: a header, then one line per verification step (README, "Audit
your engine"; the article AuditingAnEngine has the details):

    from trace_writer import TraceWriter
    with TraceWriter("trace.jsonl", vocab_size=V, law="iid", top_k=256) as trace:
        ...                                   # in the engine, once per verification step:
        trace.step(context=request_id, step=i,
                   drafts=[[x11, x12], [x21, x22]],          # K chains of drafted token ids
                   q=[[q11, q12], [q21, q22]],               # the law each drafted token was drawn from (1-D arrays)
                   p=[[p10, p11, p12], [p20, p21, p22]],     # target law at the root and after each drafted token
                   emitted=[y1, y2])                          # the tokens the step appended

A path ending in `.safetensors` writes the binary container instead (the same records as flat arrays with offset
indexes, for large traces; kept in memory and written by `close()`; `values_dtype` sets the probabilities' type):
both forms of one trace give the same verdict.

Laws are the probabilities **after** the engine's temperature, top-k and top-p, i.e. the laws the engine sampled
from and verified with. With `top_k` set, each law is stored as its top-k tokens plus the rest mass (the audit lumps
unlisted tokens into one cell); otherwise densely. The root law may be given once per chain or the same array
repeated; `law` is "iid", "without-replacement", "independent" or "single".
"""
import json

import numpy as np


class TraceWriter:
    def __init__(self, path, vocab_size, law="iid", top_k=None, digits=10, values_dtype="float32"):
        if law not in ("iid", "without-replacement", "independent", "single"):
            raise ValueError(f"unknown law {law!r}")
        self.vocab_size, self.top_k, self.digits, self.law_name = int(vocab_size), top_k, digits, law
        self.path = path
        self.binary = str(path).endswith(".safetensors")
        if self.binary:
            self.values_dtype = np.dtype(values_dtype)
            if self.values_dtype not in (np.float16, np.float32, np.float64):
                raise ValueError("values_dtype must be float16, float32 or float64")
            self.columns = {name: [] for name in ("context", "step", "chains", "drafts", "draft_counts", "p_counts",
                                                  "emitted", "emitted_counts")}
            self.rows = {"q": ([], [], []), "p": ([], [], [])}  # (indices or None, values, rest) per law row
            self.handle = None
        else:
            self.handle = open(path, "w")
            self.handle.write(json.dumps({"format": "multidraft-trace", "version": 1, "vocab_size": self.vocab_size,
                                          "law": law}) + "\n")

    def law(self, probabilities):
        """A law as a JSON value: the dense list, or the top-k tokens with the rest mass."""
        indices, values, rest = self.sparse(probabilities)
        if indices is None:
            return [self.number(x) for x in values]
        return {"indices": [int(i) for i in indices], "values": [self.number(x) for x in values],
                "rest": self.number(rest)}

    def number(self, x):
        """`digits` significant digits: a positive probability never becomes 0."""
        return float(f"{float(x):.{self.digits}g}")

    def sparse(self, probabilities):
        """(indices or None when dense, values, rest) of a law: normalised, then its top-k tokens if `top_k` is set."""
        p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
        if p.shape[0] != self.vocab_size:
            raise ValueError(f"a law has {p.shape[0]} entries, not vocab_size = {self.vocab_size}")
        p = p / p.sum()
        if self.top_k is None or self.top_k >= self.vocab_size:
            return None, p, 0.0
        top = np.argsort(-p, kind="stable")[: self.top_k]
        return top, p[top], max(0.0, 1.0 - float(p[top].sum()))

    def step(self, context, step, drafts, q, p, emitted):
        if self.binary:
            c = self.columns
            c["context"].append(int(context)); c["step"].append(int(step)); c["chains"].append(len(drafts))
            for chain, q_chain, p_chain in zip(drafts, q, p):
                c["drafts"].extend(int(x) for x in chain); c["draft_counts"].append(len(chain))
                c["p_counts"].append(len(p_chain))
                for table, laws in (("q", q_chain), ("p", p_chain)):
                    for law in laws:
                        indices, values, rest = self.sparse(law)
                        self.rows[table][0].append(indices); self.rows[table][1].append(values)
                        self.rows[table][2].append(rest)
            c["emitted"].extend(int(y) for y in emitted); c["emitted_counts"].append(len(emitted))
            return
        record = {"context": str(context), "step": int(step),
                  "drafts": [[int(x) for x in chain] for chain in drafts],
                  "q": [[self.law(law) for law in chain] for chain in q],
                  "p": [[self.law(law) for law in chain] for chain in p],
                  "emitted": [int(y) for y in emitted]}
        self.handle.write(json.dumps(record, separators=(",", ":")) + "\n")

    def close(self):
        if not self.binary:
            self.handle.close()
            return
        def offsets(counts):
            return np.concatenate([[0], np.cumsum(np.asarray(counts, dtype=np.int64))]).astype(np.int64)
        c = self.columns
        tensors = {"context": np.asarray(c["context"], dtype=np.int64), "step": np.asarray(c["step"], dtype=np.int64),
                   "chain_offsets": offsets(c["chains"]), "draft_offsets": offsets(c["draft_counts"]),
                   "drafts": np.asarray(c["drafts"], dtype=np.int32), "p_offsets": offsets(c["p_counts"]),
                   "emitted_offsets": offsets(c["emitted_counts"]), "emitted": np.asarray(c["emitted"], dtype=np.int32)}
        for table, (indices, values, rest) in self.rows.items():
            tensors[f"{table}_row_offsets"] = offsets([len(v) for v in values])
            if self.top_k is not None and self.top_k < self.vocab_size:
                tensors[f"{table}_indices"] = (np.concatenate(indices) if indices else np.zeros(0)).astype(np.int32)
            tensors[f"{table}_values"] = (np.concatenate(values) if values else np.zeros(0)).astype(self.values_dtype)
            tensors[f"{table}_rest"] = np.asarray(rest, dtype=self.values_dtype)
        write_safetensors(self.path, tensors, {"format": "multidraft-trace", "version": "1",
                                               "vocab_size": str(self.vocab_size), "law": self.law_name})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def write_safetensors(path, tensors, metadata):
    """A safetensors file (numpy only): 8-byte little-endian header length, the JSON header, then the raw arrays."""
    names = {np.dtype(np.int32): "I32", np.dtype(np.int64): "I64", np.dtype(np.float16): "F16",
             np.dtype(np.float32): "F32", np.dtype(np.float64): "F64"}
    header, chunks, offset = {"__metadata__": metadata}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": names[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as handle:
        handle.write(len(text).to_bytes(8, "little"))
        handle.write(text)
        for data in chunks:
            handle.write(data)
