#!/usr/bin/python3
"""Independent reference for OnnxSentenceEmbedder: the same ONNX sentence model, run without ONNX Runtime.

The graph is read with the `onnx` package (Debian python3-onnx) and executed node by node in numpy; the text is
tokenised by the plain-Python BERT WordPiece of wordpiece_reference.py. Pooling and prefixes follow the model cards
(arctic-embed-xs: [CLS], query instruction; all-MiniLM-L6-v2: mean). Writes the token ids and unit vectors of fixed
sentences as JSON, the fixture tests/Retrieval.Tests/Embeddings/Fixtures/onnx-sentence-reference.json.

Usage: onnx_sentence_reference.py OUT.json NAME=FOLDER[:cls|mean[:QUERY_PREFIX]] ...
(FOLDER holds model.onnx and vocab.txt; OnnxSentenceEmbedder.ExportPackaged writes the packaged models' files out.)
The committed fixture was made with:
  /usr/bin/python3 onnx_sentence_reference.py onnx-sentence-reference.json \
    "arctic=ARCTIC:cls:Represent this sentence for searching relevant passages: " "minilm=MINILM:mean"

"""
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wordpiece_reference  # noqa: E402  (the shared tokenizer)

SENTENCES = [
    "The puppy is sleeping on the sofa.",
    "A young dog naps on the couch.",
    "Interest rates rose by half a point in March.",
    "Caroline went to the LGBTQ support group yesterday.",
    "What did Melanie paint last summer?",
    "I started learning to play the violin in January.",
    "We moved to Seattle after my husband got a new job.",
    "Melanie ran a marathon to raise money for cancer research.",
    "My dog Rex passed away last spring.",
    "When did the pet die?",
    "The pasta recipe needs fresh basil and garlic.",
    "Our flight to Tokyo was delayed by three hours.",
    "She's been feeling anxious about the exam, hasn't she?",
    "Numbers like 3.14159 and 2,718 appear in math.",
    "UPPER case and MiXeD case words.",
    "Café, naïve, résumé: accents are stripped.",
    "Unbelievably, the antidisestablishmentarianism debate continued.",
    "ok",
    "Hiking, camping & fishing (in that order) are her hobbies!",
    "How long has John been working as a software engineer at the startup?",
]


# --- tokeniser: the plain-Python BERT basic tokenizer + WordPiece of wordpiece_reference.py, beside this script ----------

def load_vocab(path):
    with open(path, encoding="utf-8") as f:
        return {line.rstrip("\n"): i for i, line in enumerate(f)}


def encode(text, vocab, max_tokens=512):
    return wordpiece_reference.encode(text, vocab, max_tokens)


# --- a numpy interpreter for the operators these graphs use (opset 11) -----------------------------------------------

def attr(node, name, default=None):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def run_graph(model, feeds):
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    values = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    values.update(feeds)
    erf = np.vectorize(math.erf, otypes=[np.float64])
    for node in model.graph.node:
        x = [values[n] if n else None for n in node.input]
        op = node.op_type
        if op == "Constant":
            out = numpy_helper.to_array(attr(node, "value"))
        elif op == "Add":
            out = x[0] + x[1]
        elif op == "Sub":
            out = x[0] - x[1]
        elif op == "Mul":
            out = x[0] * x[1]
        elif op == "Div":
            out = x[0] / x[1] if np.issubdtype(x[0].dtype, np.floating) else x[0] // x[1]
        elif op == "Pow":
            out = np.power(x[0], x[1])
        elif op == "Sqrt":
            out = np.sqrt(x[0])
        elif op == "Erf":
            out = erf(x[0]).astype(x[0].dtype)
        elif op == "MatMul":
            out = np.matmul(x[0], x[1])
        elif op == "Gather":
            out = np.take(x[0], x[1].astype(np.int64), axis=attr(node, "axis", 0))
        elif op == "Unsqueeze":
            out = x[0]
            axes = attr(node, "axes") if attr(node, "axes") is not None else [int(a) for a in x[1]]  # an input from opset 13
            for axis in sorted(a if a >= 0 else a + out.ndim + 1 for a in axes):
                out = np.expand_dims(out, axis)
        elif op == "Shape":
            out = np.array(x[0].shape, dtype=np.int64)
        elif op == "Concat":
            out = np.concatenate(x, axis=attr(node, "axis"))
        elif op == "Reshape":
            shape = [x[0].shape[i] if d == 0 else int(d) for i, d in enumerate(x[1])]
            out = x[0].reshape(shape)
        elif op == "Transpose":
            out = np.transpose(x[0], attr(node, "perm"))
        elif op == "ReduceMean":
            axes = attr(node, "axes") if attr(node, "axes") is not None else [int(a) for a in x[1]]  # an input from opset 18
            out = np.mean(x[0], axis=tuple(axes), keepdims=bool(attr(node, "keepdims", 1)))
        elif op == "Softmax":
            axis = attr(node, "axis", 1 if opset < 13 else -1)
            shifted = x[0] - np.max(x[0], axis=axis, keepdims=True)
            e = np.exp(shifted)
            out = e / np.sum(e, axis=axis, keepdims=True)
        elif op == "Cast":
            out = x[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[attr(node, "to")])
        elif op == "Slice":
            starts, ends = x[1], x[2]
            axes = x[3] if len(x) > 3 and x[3] is not None else range(len(starts))
            steps = x[4] if len(x) > 4 and x[4] is not None else [1] * len(starts)
            index = [slice(None)] * x[0].ndim
            for s, e, a, st in zip(starts, ends, axes, steps):
                index[int(a)] = slice(int(s), int(min(e, np.iinfo(np.int64).max)), int(st))
            out = x[0][tuple(index)]
        elif op == "Where":
            out = np.where(x[0], x[1], x[2])
        elif op == "Equal":
            out = np.equal(x[0], x[1])
        elif op == "Expand":
            out = x[0] * np.ones(tuple(int(d) for d in x[1]), dtype=x[0].dtype)
        elif op == "ConstantOfShape":
            value = attr(node, "value")
            fill = numpy_helper.to_array(value) if value is not None else np.zeros(1, np.float32)
            out = np.full(tuple(int(d) for d in x[0]), fill.reshape(-1)[0], dtype=fill.dtype)
        elif op == "Gemm":
            a = x[0].T if attr(node, "transA", 0) else x[0]
            b = x[1].T if attr(node, "transB", 0) else x[1]
            out = attr(node, "alpha", 1.0) * (a @ b) + (attr(node, "beta", 1.0) * x[2] if len(x) > 2 and x[2] is not None else 0)
        elif op == "Tanh":
            out = np.tanh(x[0])
        else:
            raise SystemExit(f"operator {op} is not implemented here")
        values[node.output[0]] = out
    return values[model.graph.output[0].name]


def embed(model, vocab, texts, pooling):
    vectors, ids = [], []
    for text in texts:
        tokens = encode(text, vocab)
        feeds = {"input_ids": np.array([tokens], dtype=np.int64),
                 "attention_mask": np.ones((1, len(tokens)), dtype=np.int64),
                 "token_type_ids": np.zeros((1, len(tokens)), dtype=np.int64)}
        names = {i.name for i in model.graph.input}
        hidden = run_graph(model, {k: v for k, v in feeds.items() if k in names})[0].astype(np.float64)
        v = hidden[0] if pooling == "cls" else hidden.mean(axis=0)
        v = v / np.linalg.norm(v)
        vectors.append([round(float(t), 7) for t in v])
        ids.append(tokens)
    return ids, vectors


def main():
    out, specs = sys.argv[1], sys.argv[2:]
    result = {"sentences": SENTENCES, "models": {}}
    for spec in specs:
        name, rest = spec.split("=", 1)
        parts = rest.split(":", 2)
        folder, pooling = parts[0], parts[1] if len(parts) > 1 else "mean"
        prefix = parts[2] if len(parts) > 2 else ""
        model = onnx.load(f"{folder}/model.onnx")
        vocab = load_vocab(f"{folder}/vocab.txt")
        ids, vectors = embed(model, vocab, SENTENCES, pooling)
        query_ids, query_vectors = embed(model, vocab, [prefix + s for s in SENTENCES[:3]], pooling)
        result["models"][name] = {"pooling": pooling, "token_ids": ids, "vectors": vectors,
                                  "query_prefix": prefix, "query_vectors": query_vectors}
        print(f"{name}: {len(vectors)} sentences, {len(vectors[0])} dimensions", file=sys.stderr)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(result, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
