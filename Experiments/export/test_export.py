"""Tests of the batch-file writers and the exporter (python3 Experiments/export/test_export.py).

The writers are tested on arrays made here (numpy only). With MULTIDRAFT_BIN set to a `multidraft` binary, the
written files are read back by `multidraft batch` and compared with values computed here. The end-to-end export
runs on a tiny randomly initialised GPT-2 built from a config when torch and transformers are installed (skipped
otherwise: CI cannot download weights).
"""
import csv
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from batchfiles import softmax, top_k, write_safetensors, write_sparse  # noqa: E402

BIN = os.environ.get("MULTIDRAFT_BIN")


def read_safetensors(path):
    with open(path, "rb") as handle:
        data = handle.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    types = {"F16": "<f2", "F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8"}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(data[base + begin: base + end], dtype=types[info["dtype"]]).reshape(info["shape"])
    return out, header.get("__metadata__", {})


class WriterTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        rng = np.random.default_rng(3)
        self.logits = rng.normal(0, 2, size=(7, 50))

    def test_safetensors_round_trip(self):
        path = os.path.join(self.dir, "a.safetensors")
        tensors = {"x": self.logits.astype(np.float16), "y": np.arange(6, dtype=np.int64).reshape(2, 3)}
        write_safetensors(path, tensors, {"vocab_size": 50})
        back, meta = read_safetensors(path)
        self.assertEqual(meta, {"vocab_size": "50"})
        np.testing.assert_array_equal(back["x"], tensors["x"])
        np.testing.assert_array_equal(back["y"], tensors["y"])
        with open(path, "rb") as handle:
            n = struct.unpack("<Q", handle.read(8))[0]
        self.assertEqual(n % 8, 0)

    def test_top_k_rows(self):
        probs = softmax(self.logits)
        indices, values, rest = top_k(probs, 5)
        self.assertEqual(indices.shape, (7, 5))
        for i in range(7):
            self.assertTrue(np.all(np.diff(probs[i][indices[i]]) <= 0))
            self.assertAlmostEqual(float(values[i].sum() + rest[i]), 1.0, places=6)
            self.assertEqual(len(set(indices[i].tolist())), 5)

    @unittest.skipUnless(BIN, "set MULTIDRAFT_BIN to read the files back with multidraft batch")
    def test_multidraft_reads_what_is_written(self):
        dense = os.path.join(self.dir, "logits.safetensors")
        draft_logits = self.logits + np.random.default_rng(4).normal(0, 1, size=self.logits.shape)
        write_safetensors(dense, {"target": self.logits.astype(np.float32), "draft": draft_logits.astype(np.float32)})
        out = os.path.join(self.dir, "out.csv")
        subprocess.run([BIN, "batch", "--target", dense + ":target", "--draft", dense + ":draft", "--logits",
                        "--law", "iid", "--drafts", "1", "--output", out], check=True)
        with open(out) as handle:
            rows = list(csv.DictReader(handle))
        p = softmax(self.logits.astype(np.float32).astype(np.float64))
        q = softmax(draft_logits.astype(np.float32).astype(np.float64))
        for row in rows:   # n = 1: alpha* = sum min(p, q)
            i = int(row["position"])
            self.assertAlmostEqual(float(row["value"]), float(np.minimum(p[i], q[i]).sum()), places=12)
        sparse_t = os.path.join(self.dir, "t.safetensors")
        sparse_d = os.path.join(self.dir, "d.safetensors")
        write_sparse(sparse_t, p, 50, dtype=np.float64)   # every token listed: the bounds close on the dense value
        write_sparse(sparse_d, q, 50, dtype=np.float64)
        subprocess.run([BIN, "batch", "--target", sparse_t, "--draft", sparse_d, "--law", "iid", "--drafts", "1",
                        "--output", out], check=True)
        with open(out) as handle:
            sparse_rows = list(csv.DictReader(handle))
        for row in sparse_rows:
            i = int(row["position"])
            self.assertAlmostEqual(float(row["lower"]), float(np.minimum(p[i], q[i]).sum()), places=12)
            self.assertAlmostEqual(float(row["upper"]), float(np.minimum(p[i], q[i]).sum()), places=12)


def have_torch():
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
        return True
    except ImportError:
        return False


@unittest.skipUnless(have_torch(), "torch and transformers are not installed")
class EndToEndTests(unittest.TestCase):
    def test_tiny_random_models(self):
        import torch
        from transformers import GPT2Config, GPT2LMHeadModel
        from export_batch import export
        torch.manual_seed(0)
        config = GPT2Config(vocab_size=97, n_positions=64, n_embd=32, n_layer=2, n_head=2)
        target, draft = GPT2LMHeadModel(config).eval(), GPT2LMHeadModel(GPT2Config(**{**config.to_dict(), "n_layer": 1})).eval()
        ids = list(np.random.default_rng(1).integers(0, 97, size=20))
        out = tempfile.mkdtemp()
        info = export(target, draft, [int(i) for i in ids], out)
        self.assertEqual(info["positions"], 20)
        tensors, _ = read_safetensors(os.path.join(out, "logits.safetensors"))
        self.assertEqual(tensors["target"].shape, (20, 97))
        with torch.no_grad():
            expected = target(torch.tensor([ids[:5]])).logits[0, -1].numpy()
        np.testing.assert_allclose(tensors["target"][4].astype(np.float32), expected, rtol=2e-3, atol=2e-3)
        if BIN:
            csv_path = os.path.join(out, "out.csv")
            subprocess.run([BIN, "batch", "--target", os.path.join(out, "logits.safetensors:target"), "--draft",
                            os.path.join(out, "logits.safetensors:draft"), "--logits", "--law", "iid", "--drafts", "2",
                            "--verifiers", "rrs", "--output", csv_path], check=True)
            with open(csv_path) as handle:
                self.assertEqual(len(list(csv.DictReader(handle))), 40)


if __name__ == "__main__":
    unittest.main(verbosity=2)
