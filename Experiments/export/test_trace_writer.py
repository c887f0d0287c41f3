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


def audit(path, *extra):
    result = subprocess.run([BIN, "audit", "--trace", path, *extra], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return {r["check"] + (r["position"] or "") + r["reference"][:3]: r for r in csv.DictReader(io.StringIO(result.stdout))}


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

    @unittest.skipUnless(BIN, "MULTIDRAFT_BIN not set")
    def test_binary_container_gives_the_json_lines_verdict(self):
        for top_k in (None, 5):
            lines = os.path.join(self.dir, f"same-{top_k}.jsonl")
            binary = os.path.join(self.dir, f"same-{top_k}.safetensors")
            engine_trace(lines, 1500, seed=4, top_k=top_k)
            engine_trace(binary, 1500, seed=4, top_k=top_k)
            for extra in ((), ("--threads", "1")):
                a, b = audit(lines), audit(binary, *extra)
                self.assertEqual(sorted(a), sorted(b))
                for key in a:
                    self.assertEqual(a[key]["verdict"], b[key]["verdict"], key)
                    self.assertEqual(a[key]["count"], b[key]["count"], key)
                    for column in ("value", "p_value", "reference_value"):
                        if a[key][column]:
                            # JSON Lines keeps 10 significant digits, the container float32 values
                            self.assertAlmostEqual(float(a[key][column]), float(b[key][column]), delta=1e-5, msg=(key, column))
            # the output-law test alone: the full audit's output_law row, on both containers
            for path in (lines, binary):
                alone = audit(path, "--checks", "output-law")
                self.assertEqual(list(alone), ["output_law"])
                self.assertEqual(alone["output_law"], audit(path)["output_law"])

    @unittest.skipUnless(BIN, "MULTIDRAFT_BIN not set")
    def test_malformed_container_names_the_record(self):
        path = os.path.join(self.dir, "bad.safetensors")
        engine_trace(path, 20, seed=5, top_k=4)
        with open(path, "rb") as handle:
            data = bytearray(handle.read())
        # truncated file: one error line, exit 2, nothing on stdout
        with open(path, "wb") as handle:
            handle.write(data[: len(data) - 10])
        result = subprocess.run([BIN, "audit", "--trace", path], capture_output=True, text=True)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        # an emitted token outside the vocabulary in record 7
        with TraceWriter(path, V, law="single", top_k=4) as trace:
            p, q = laws(np.random.default_rng(0))
            for s in range(10):
                trace.step(context=0, step=s, drafts=[[1]], q=[[q]], p=[[p, p]], emitted=[V + 3 if s == 7 else 1])
        result = subprocess.run([BIN, "audit", "--trace", path], capture_output=True, text=True)
        self.assertEqual(result.returncode, 2)
        self.assertEqual(result.stdout, "")
        self.assertIn("record 7", result.stderr)
        self.assertIn("outside", result.stderr)
        result = subprocess.run([BIN, "audit", "--trace", path, "--checks", "output-law"], capture_output=True, text=True)
        self.assertEqual((result.returncode, result.stdout), (2, ""))
        self.assertIn("record 7", result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        # corrupted offset indexes (non-monotone, out of range, negative): one error line, never a crash
        for name, values in (("chain_offsets", [0, 5, 2]), ("emitted_offsets", [0, 99, 3]), ("p_row_offsets", [0, -4]),
                             ("draft_offsets", [3, 0])):
            engine_trace(path, 10, seed=6, top_k=4)
            with open(path, "rb") as handle:
                data = bytearray(handle.read())
            n = int.from_bytes(data[:8], "little")
            info = json.loads(data[8:8 + n])[name]
            start = 8 + n + info["data_offsets"][0]
            for k, v in enumerate(values):
                data[start + 8 * k: start + 8 * k + 8] = int(v).to_bytes(8, "little", signed=True)
            with open(path, "wb") as handle:
                handle.write(data)
            for extra in ((), ("--checks", "output-law")):
                result = subprocess.run([BIN, "audit", "--trace", path, *extra], capture_output=True, text=True)
                self.assertEqual(result.returncode, 2, (name, extra, result.stderr))
                self.assertEqual(result.stdout, "")
                self.assertEqual(len(result.stderr.strip().splitlines()), 1, (name, extra, result.stderr))
                self.assertIn("record", result.stderr, (name, extra))


if __name__ == "__main__":
    unittest.main()
