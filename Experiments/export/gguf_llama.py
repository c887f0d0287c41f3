"""A Llama-architecture language model read from a GGUF file, run in numpy (float32), with derived draft models.

Only `numpy` and the `gguf` package (the reader maintained with llama.cpp: `pip install gguf`) are needed. The
weights are dequantised once with `gguf.quants.dequantize`; the forward pass is the Llama decoder:

    x_0 = E[token]
    h   = x + W_o · Attention(RoPE(W_q · n_1(x)), RoPE(W_k · n_1(x)), W_v · n_1(x))      (causal, grouped-query)
    x'  = h + W_down · (silu(W_gate · n_2(h)) ⊙ W_up · n_2(h))
    logits = W_out · n_f(x_L)                      (W_out = E when the file has no output.weight: tied embeddings)

with n(x) = x / sqrt(mean(x²) + eps) ⊙ w (RMSNorm) and rotary embeddings on adjacent pairs (2i, 2i+1) at frequency
base^(-2i/d): GGUF stores W_q and W_k permuted so that this is llama.cpp's "normal" rope and equals the Hugging Face
rotate-half convention on the original weights.

Draft models are derived from the same weights (so they share the tokenizer by construction):
- `skip:A-B` (also `skip:A-B,C,...`): the decoder with those layers removed (self-speculative drafting as in
  Draft & Verify, Zhang et al. 2023, arXiv 2309.08168, and SWIFT, Xia et al. 2024, arXiv 2410.06916);
- `rtn:BITS[:GROUP]`: every decoder-layer matrix re-quantised by round-to-nearest to BITS bits in groups of GROUP
  consecutive input weights (asymmetric: w' = min + round((w − min)/s)·s, s = (max − min)/(2^BITS − 1));
- `exit:K`: early exit (the first K layers, then the final norm and head);
- `gguf:PATH`: another GGUF model; its vocabulary must equal the target's token for token.

The tokenizer is GPT-2 byte-level BPE from the file's metadata (`tokenizer.ggml.tokens`, `tokenizer.ggml.merges`),
with the pre-tokenizer named by `tokenizer.ggml.pre` (`smollm`, `gpt2` and `default` are known).
"""
import os
import re as _re_std

import numpy as np


class ExportError(Exception):
    """A refusal with a one-line message (the exporter prints `error: MESSAGE` and exits with status 2)."""


def require_gguf():
    try:
        import gguf  # noqa: F401
    except ImportError:
        raise ExportError("the Python package gguf is not installed (pip install gguf)")
    import gguf
    return gguf


# ---------------------------------------------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------------------------------------------

def _field(reader, name, default=None):
    field = reader.fields.get(name)
    if field is None:
        return default
    value = field.contents()
    return value


class GGUFModel:
    """Weights and hyper-parameters of a Llama GGUF file, dequantised to float32."""

    def __init__(self, path):
        gguf = require_gguf()
        if not os.path.isfile(path):
            raise ExportError(f"{path}: no such model file")
        try:
            reader = gguf.GGUFReader(path)
        except Exception as error:  # the reader raises ValueError / struct errors on a non-GGUF file
            raise ExportError(f"{path}: not a readable GGUF file ({str(error).splitlines()[0] if str(error) else type(error).__name__})")
        self.path = path
        arch = _field(reader, "general.architecture")
        if arch != "llama":
            raise ExportError(f"{path}: architecture {arch!r} is not supported (llama only)")
        self.name = _field(reader, "general.name", os.path.basename(path))
        for key in ("llama.block_count", "llama.embedding_length", "llama.attention.head_count"):
            if _field(reader, key) is None:
                raise ExportError(f"{path}: the GGUF metadata has no {key}")
        self.n_layers = int(_field(reader, "llama.block_count"))
        self.dim = int(_field(reader, "llama.embedding_length"))
        self.n_heads = int(_field(reader, "llama.attention.head_count"))
        self.n_kv_heads = int(_field(reader, "llama.attention.head_count_kv", self.n_heads))
        self.eps = float(_field(reader, "llama.attention.layer_norm_rms_epsilon", 1e-5))
        self.rope_base = float(_field(reader, "llama.rope.freq_base", 10000.0))
        self.head_dim = self.dim // self.n_heads
        self.rope_dim = int(_field(reader, "llama.rope.dimension_count", self.head_dim))
        key_length = _field(reader, "llama.attention.key_length", self.head_dim)
        if self.n_heads < 1 or self.n_kv_heads < 1 or self.n_heads % self.n_kv_heads or self.dim % self.n_heads \
                or int(key_length) != self.head_dim or self.rope_dim != self.head_dim:
            raise ExportError(f"{path}: head layout not supported (heads {self.n_heads}, KV heads {self.n_kv_heads}, "
                              f"width {self.dim}, key length {key_length}, rope dimensions {self.rope_dim})")
        if _field(reader, "llama.rope.scaling.type") not in (None, "none"):
            raise ExportError(f"{path}: rope scaling is not supported")
        self.tokens = [str(t) for t in _field(reader, "tokenizer.ggml.tokens", [])]
        self.token_types = list(_field(reader, "tokenizer.ggml.token_type", []))
        self.merges = [str(m) for m in _field(reader, "tokenizer.ggml.merges", [])]
        self.tokenizer_model = _field(reader, "tokenizer.ggml.model", "gpt2")
        self.pre_tokenizer = _field(reader, "tokenizer.ggml.pre", "default")
        self.bos = _field(reader, "tokenizer.ggml.bos_token_id")
        self.eos = _field(reader, "tokenizer.ggml.eos_token_id")
        self.chat_template = _field(reader, "tokenizer.chat_template", "")
        weights = {}
        for tensor in reader.tensors:
            try:
                array = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
            except Exception as error:   # an unsupported or corrupt quantisation type
                raise ExportError(f"{path}: cannot dequantise tensor {tensor.name} ({type(error).__name__})")
            weights[tensor.name] = np.ascontiguousarray(np.asarray(array, dtype=np.float32))
        self.weights = weights
        needed = ["token_embd.weight", "output_norm.weight"] + [
            f"blk.{i}.{n}.weight" for i in range(self.n_layers) for n in
            ("attn_norm", "ffn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")]
        missing = [n for n in needed if n not in weights]
        if missing:
            raise ExportError(f"{path}: missing tensor {missing[0]}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
        self.embedding = weights["token_embd.weight"]
        self.vocab_size = self.embedding.shape[0]
        self.output = weights.get("output.weight", self.embedding)
        self.output_norm = weights["output_norm.weight"]
        if self.tokens and len(self.tokens) != self.vocab_size:
            raise ExportError(f"{path}: {len(self.tokens)} tokenizer tokens but {self.vocab_size} embedding rows")
        self.layers = [self._layer(i) for i in range(self.n_layers)]

    def _layer(self, i):
        w = self.weights
        p = f"blk.{i}."
        return {"attn_norm": w[p + "attn_norm.weight"], "ffn_norm": w[p + "ffn_norm.weight"],
                "q": w[p + "attn_q.weight"], "k": w[p + "attn_k.weight"], "v": w[p + "attn_v.weight"],
                "o": w[p + "attn_output.weight"], "gate": w[p + "ffn_gate.weight"], "up": w[p + "ffn_up.weight"],
                "down": w[p + "ffn_down.weight"]}


# ---------------------------------------------------------------------------------------------------------------
# Forward pass with a key/value cache
# ---------------------------------------------------------------------------------------------------------------

def _rms_norm(x, weight, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * weight


class Decoder:
    """A decoder over some of a model's layers (possibly with replaced weights). `name` labels it in every table."""

    def __init__(self, model, name, layers=None, layer_indices=None):
        self.model = model
        self.name = name
        self.layers = layers if layers is not None else model.layers
        self.layer_indices = layer_indices if layer_indices is not None else list(range(len(self.layers)))
        half = model.rope_dim // 2
        self.inv_freq = model.rope_base ** (-np.arange(half, dtype=np.float64) * 2.0 / model.rope_dim)

    def new_cache(self):
        return {"k": [None] * len(self.layers), "v": [None] * len(self.layers), "length": 0}

    @staticmethod
    def copy_cache(cache):
        return {"k": list(cache["k"]), "v": list(cache["v"]), "length": cache["length"]}

    def _rope(self, x, positions):
        # x: [T, heads, head_dim]; rotate adjacent pairs (2i, 2i+1) of the first rope_dim dimensions
        angles = np.outer(positions, self.inv_freq)                   # [T, half]
        cos = np.cos(angles)[:, None, :].astype(np.float32)
        sin = np.sin(angles)[:, None, :].astype(np.float32)
        d = self.model.rope_dim
        even, odd = x[..., 0:d:2], x[..., 1:d:2]
        out = x.copy()
        out[..., 0:d:2] = even * cos - odd * sin
        out[..., 1:d:2] = even * sin + odd * cos
        return out

    def forward(self, tokens, cache):
        """Next-token logits [len(tokens), V] (float32) after each of `tokens`, appended to `cache` (updated)."""
        m = self.model
        tokens = np.asarray(tokens, dtype=np.int64)
        t = len(tokens)
        start = cache["length"]
        positions = np.arange(start, start + t, dtype=np.float64)
        x = m.embedding[tokens]
        group = m.n_heads // m.n_kv_heads
        scale = float(1.0 / np.sqrt(m.head_dim))   # a Python float: a numpy float64 scalar would promote to float64
        mask = np.triu(np.full((t, start + t), -np.inf, dtype=np.float32), k=start + 1)
        for slot, layer in enumerate(self.layers):
            h = _rms_norm(x, layer["attn_norm"], m.eps)
            q = (h @ layer["q"].T).reshape(t, m.n_heads, m.head_dim)
            k = (h @ layer["k"].T).reshape(t, m.n_kv_heads, m.head_dim)
            v = (h @ layer["v"].T).reshape(t, m.n_kv_heads, m.head_dim)
            q = self._rope(q, positions)
            k = self._rope(k, positions)
            if cache["k"][slot] is not None:
                k = np.concatenate([cache["k"][slot], k], axis=0)
                v = np.concatenate([cache["v"][slot], v], axis=0)
            cache["k"][slot], cache["v"][slot] = k, v
            kk = np.repeat(k, group, axis=1)                               # [S, heads, head_dim]
            vv = np.repeat(v, group, axis=1)
            scores = np.einsum("thd,shd->hts", q, kk) * scale + mask        # [heads, T, S]
            scores -= scores.max(axis=-1, keepdims=True)
            weights = np.exp(scores)
            weights /= weights.sum(axis=-1, keepdims=True)
            attended = np.einsum("hts,shd->thd", weights, vv).reshape(t, m.n_heads * m.head_dim)
            x = x + attended @ layer["o"].T
            h = _rms_norm(x, layer["ffn_norm"], m.eps)
            gate = h @ layer["gate"].T
            x = x + ((gate / (1.0 + np.exp(-gate))) * (h @ layer["up"].T)) @ layer["down"].T
        cache["length"] = start + t
        assert x.dtype == np.float32
        return _rms_norm(x, m.output_norm, m.eps) @ m.output.T


def requantise(matrix, bits, group):
    """Round-to-nearest asymmetric quantisation of each row in groups of `group` consecutive entries."""
    rows, cols = matrix.shape
    if cols % group:
        raise ExportError(f"rtn group {group} does not divide the matrix width {cols}")
    g = matrix.reshape(rows, cols // group, group).astype(np.float64)
    low = g.min(axis=2, keepdims=True)
    high = g.max(axis=2, keepdims=True)
    levels = 2 ** bits - 1
    step = np.where(high > low, (high - low) / levels, 1.0)
    q = np.clip(np.round((g - low) / step), 0, levels)
    return (low + q * step).reshape(rows, cols).astype(np.float32)


def parse_layer_list(text, n_layers, spec):
    layers = set()
    for part in text.split(","):
        m = _re_std.fullmatch(r"([0-9]+)(?:-([0-9]+))?", part.strip())
        if not m:
            raise ExportError(f"draft {spec!r}: {part!r} is not a layer or a range A-B")
        a = int(m.group(1))
        b = int(m.group(2)) if m.group(2) else a
        if a > b or b >= n_layers:
            raise ExportError(f"draft {spec!r}: layers {a}-{b} are out of range 0-{n_layers - 1}")
        layers.update(range(a, b + 1))
    return sorted(layers)


def make_draft(model, spec):
    """A draft decoder from its specification (see the module doc)."""
    kind, _, rest = spec.partition(":")
    if kind == "skip":
        skipped = parse_layer_list(rest, model.n_layers, spec)
        if len(skipped) >= model.n_layers:
            raise ExportError(f"draft {spec!r} skips every layer")
        kept = [i for i in range(model.n_layers) if i not in skipped]
        return Decoder(model, spec, [model.layers[i] for i in kept], kept)
    if kind == "exit":
        if not _re_std.fullmatch(r"[0-9]+", rest) or not 1 <= int(rest) <= model.n_layers:
            raise ExportError(f"draft {spec!r}: early-exit layer must be in 1-{model.n_layers}")
        k = int(rest)
        return Decoder(model, spec, model.layers[:k], list(range(k)))
    if kind == "rtn":
        parts = rest.split(":")
        digits = [bool(_re_std.fullmatch(r"[0-9]+", x)) for x in parts]
        if not all(digits) or len(parts) > 2 or not 1 <= int(parts[0]) <= 8:
            raise ExportError(f"draft {spec!r}: expected rtn:BITS[:GROUP] with BITS in 1-8")
        bits = int(parts[0])
        group = int(parts[1]) if len(parts) > 1 else 32
        if group < 2:
            raise ExportError(f"draft {spec!r}: the group must hold at least 2 weights")
        layers = [{key: (requantise(w, bits, group) if w.ndim == 2 else w) for key, w in layer.items()}
                  for layer in model.layers]
        return Decoder(model, spec, layers)
    if kind == "gguf":
        other = GGUFModel(rest)
        if other.tokens != model.tokens:
            raise ExportError(f"draft {spec!r}: its vocabulary differs from the target's "
                              f"({other.vocab_size} vs {model.vocab_size} tokens or different token strings)")
        return Decoder(other, spec)
    raise ExportError(f"draft {spec!r}: unknown kind {kind!r} (skip:A-B, rtn:BITS[:GROUP], exit:K, gguf:PATH)")


# ---------------------------------------------------------------------------------------------------------------
# Tokenizer: GPT-2 byte-level BPE
# ---------------------------------------------------------------------------------------------------------------

def _byte_alphabet():
    """GPT-2's reversible map from bytes to printable characters."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    n = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


_PRE_PATTERNS = {
    # digits one at a time, then the GPT-2 split (llama.cpp's pre-tokenizer for `smollm`, `starcoder`, `refact`)
    "smollm": [r"\p{N}", r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"],
    "gpt2": [r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"],
}
_PRE_PATTERNS["default"] = _PRE_PATTERNS["gpt2"]


class Tokenizer:
    def __init__(self, model):
        try:
            import regex
        except ImportError:
            raise ExportError("the Python package regex is not installed (pip install regex)")
        if not model.tokens or not model.merges:
            raise ExportError(f"{model.path}: the GGUF metadata has no BPE tokenizer (tokenizer.ggml.tokens and "
                              f"tokenizer.ggml.merges)")
        if model.tokenizer_model != "gpt2":
            raise ExportError(f"{model.path}: tokenizer {model.tokenizer_model!r} is not supported (gpt2 BPE only)")
        if model.pre_tokenizer not in _PRE_PATTERNS:
            raise ExportError(f"{model.path}: pre-tokenizer {model.pre_tokenizer!r} is not supported")
        self.patterns = [regex.compile(p) for p in _PRE_PATTERNS[model.pre_tokenizer]]
        self.ids = {t: i for i, t in enumerate(model.tokens)}
        self.tokens = model.tokens
        self.ranks = {tuple(m.split(" ", 1)): r for r, m in enumerate(model.merges)}
        self.byte_chars = _byte_alphabet()
        self.char_bytes = {c: b for b, c in self.byte_chars.items()}
        self.cache = {}

    def _split(self, text):
        pieces = [text]
        for pattern in self.patterns:
            out = []
            for piece in pieces:
                last = 0
                for m in pattern.finditer(piece):
                    if m.start() > last:
                        out.append(piece[last:m.start()])
                    out.append(m.group(0))
                    last = m.end()
                if last < len(piece):
                    out.append(piece[last:])
            pieces = out
        return pieces

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            best, best_rank = None, None
            for i in range(len(parts) - 1):
                r = self.ranks.get((parts[i], parts[i + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = i, r
            if best is None:
                break
            parts[best:best + 2] = [parts[best] + parts[best + 1]]
        ids = []
        for p in parts:
            if p in self.ids:
                ids.append(self.ids[p])
            else:   # a symbol without a token: fall back to its bytes' tokens
                ids.extend(self.ids[c] for c in p if c in self.ids)
        self.cache[word] = ids
        return ids

    def encode(self, text):
        ids = []
        for piece in self._split(text):
            ids.extend(self._bpe("".join(self.byte_chars[b] for b in piece.encode("utf-8"))))
        return ids

    def token_id(self, text):
        if text not in self.ids:
            raise ExportError(f"the vocabulary has no token {text!r}")
        return self.ids[text]

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            token = self.tokens[i]
            if all(c in self.char_bytes for c in token):
                out.extend(self.char_bytes[c] for c in token)
            else:
                out.extend(token.encode("utf-8"))
        return out.decode("utf-8", errors="replace")
