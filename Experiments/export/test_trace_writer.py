"""Tests of the trace writer (python3 test_trace_writer.py): a toy engine in numpy writes traces of speculative
sampling with one draft chain of length 2 (correct, and with the draft law misreported), dense and top-k; with
MULTIDRAFT_BIN set, `multidraft audit` reads them back and must pass the correct engine and flag the faulty one.
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_writer import TraceWriter  # noqa: E402

BIN = os.environ.get("MULTIDRAFT_BIN")
V = 12


def laws(rng):
    """A toy context-free model pair: target and draft next-token laws."""
    p = rng.dirichlet(np.full(V, 0.7))
    q = 0.6 * p + 0.4 * rng.dirichlet(np.full(V, 0.7))
    return p, q / q.sum()


def engine_trace(path, steps, seed, misreport=False, top_k=None):
    """Token-by-token speculative sampling of a chain of 2 drafts. With `misreport`, the engine drafts from a
    temperature-sharpened q but reports (and verifies with) the unsharpened one."""
    rng = np.random.default_rng(seed)
    p, q = laws(np.random.default_rng(0))
    sampled = q ** 2 / (q ** 2).sum() if misreport else q
    with TraceWriter(path, V, law="single", top_k=top_k) as trace:
        for s in range(steps):
            chain = [int(rng.choice(V, p=sampled)) for _ in range(2)]
            emitted = []
            for x in chain:
                if rng.random() < min(1.0, p[x] / q[x]):
                    emitted.append(x)
                else:
                    r = np.maximum(p - q, 0)
                    emitted.append(int(rng.choice(V, p=r / r.sum())))
                    break
            else:
                emitted.append(int(rng.choice(V, p=p)))
            trace.step(context=s % 5, step=s, drafts=[chain], q=[[q, q]], p=[[p, p, p]], emitted=emitted)


def audit(path):
    result = subprocess.run([BIN, "audit", "--trace", path], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return {r["check"] + (r["position"] or ""): r for r in csv.DictReader(io.StringIO(result.stdout))}


class TraceWriterTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def test_format(self):
        path = os.path.join(self.dir, "t.jsonl")
        engine_trace(path, 3, seed=1, top_k=4)
        with open(path) as handle:
            lines = [json.loads(line) for line in handle]
        self.assertEqual(lines[0], {"format": "multidraft-trace", "version": 1, "vocab_size": V, "law": "single"})
        step = lines[1]
        self.assertEqual(len(step["drafts"][0]), 2)
        law = step["p"][0][0]
        self.assertEqual(len(law["indices"]), 4)
        self.assertAlmostEqual(sum(law["values"]) + law["rest"], 1.0, places=8)
        self.assertTrue(1 <= len(step["emitted"]) <= 3)
        with self.assertRaises(ValueError):
            TraceWriter(os.path.join(self.dir, "u.jsonl"), V).law(np.ones(V + 1))

    @unittest.skipUnless(BIN, "MULTIDRAFT_BIN not set")
    def test_audit_passes_correct_and_flags_misreported_drafts(self):
        for top_k in (None, 5):
            good = os.path.join(self.dir, f"good-{top_k}.jsonl")
            bad = os.path.join(self.dir, f"bad-{top_k}.jsonl")
            engine_trace(good, 4000, seed=2, top_k=top_k)
            engine_trace(bad, 4000, seed=3, misreport=True, top_k=top_k)
            ok, ko = audit(good), audit(bad)
            self.assertEqual(ok["output_law"]["verdict"], "pass", ok["output_law"])
            self.assertEqual(ok["draft_law"]["verdict"], "pass", ok["draft_law"])
            self.assertTrue(ko["draft_law"]["verdict"].startswith("FAIL"), ko["draft_law"])
            self.assertTrue(ko["output_law"]["verdict"].startswith("FAIL"), ko["output_law"])
            self.assertGreater(float(ko["draft_law"]["tv_lower_bound"]), 0.0)


if __name__ == "__main__":
    unittest.main()
