"""Writers for the batch files `multidraft batch` reads, with numpy only (no safetensors or torch needed).

- dense: a 2-D array [positions, V] as .npy (numpy.save) or as a safetensors tensor;
- sparse: top-k rows as a safetensors file with tensors `indices` [N, k] (int32), `values` [N, k] and `rest` [N]
  (the mass of every token not listed) and the vocabulary size in the metadata (`vocab_size`).

The safetensors layout: 8-byte little-endian header length, a JSON header
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the raw little-endian
data of each tensor at its offsets.
"""
import json
import struct

import numpy as np

DTYPES = {np.dtype("float16"): "F16", np.dtype("float32"): "F32", np.dtype("float64"): "F64",
          np.dtype("int32"): "I32", np.dtype("int64"): "I64"}


def write_safetensors(path, tensors, metadata=None):
    """tensors: {name: numpy array (float16/32/64, int32/64)}; metadata: {str: str}."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array)
        if array.dtype not in DTYPES:
            raise ValueError(f"{name}: dtype {array.dtype} is not supported")
        blob = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": DTYPES[array.dtype], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as handle:
        handle.write(struct.pack("<Q", len(text)))
        handle.write(text)
        for blob in blobs:
            handle.write(blob)


def top_k(probabilities, k, dtype=np.float32):
    """Sparse top-k rows of a [N, V] probability array: (indices int32 [N, k], values [N, k], rest [N])."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    k = min(k, probabilities.shape[1])
    indices = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
    values = np.take_along_axis(probabilities, indices, axis=1)
    rest = np.clip(1.0 - values.sum(axis=1), 0.0, None)
    return indices.astype(np.int32), values.astype(dtype), rest.astype(dtype)


def write_sparse(path, probabilities, k, dtype=np.float32, name=None):
    """Writes the top-k rows of `probabilities` [N, V] as a sparse batch file."""
    indices, values, rest = top_k(probabilities, k, dtype)
    prefix = f"{name}." if name else ""
    write_safetensors(path, {prefix + "indices": indices, prefix + "values": values, prefix + "rest": rest},
                      {"vocab_size": probabilities.shape[1]})


def softmax(logits, temperature=1.0):
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)
