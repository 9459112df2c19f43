#!/usr/bin/env python3
"""Independent numpy reference for AgentMem's BERT sentence embedder.

Reads a Hugging Face BERT folder (config.json, model.safetensors, vocab.txt), tokenizes each sentence with a
plain-Python BERT basic tokenizer + WordPiece, runs the encoder in float64 numpy (post-LN, absolute
positions, exact erf GELU), mean-pools over the attention mask and L2-normalises.

    /usr/bin/python3 bert_reference.py MODEL_DIR SENTENCES_JSON OUT_JSON [--max-length N]

SENTENCES_JSON is a JSON array of strings. OUT_JSON gets {"sentences", "token_ids", "embeddings"}.
Needs only numpy (Debian: apt-get install -y python3-numpy). Written for this project.
"""
import json
import math
import struct
import sys
import unicodedata

import numpy as np


# ---------------------------------------------------------------- tokenizer
def is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf")


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_cjk(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokenize(text, lowercase=True):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        if is_whitespace(ch):
            out.append(" ")
        elif is_cjk(cp):
            out.append(" " + ch + " ")
        else:
            out.append(ch)
    text = "".join(out)
    if lowercase:
        text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
        text = text.lower()
    words, cur = [], []
    for ch in text:
        if is_whitespace(ch):
            if cur:
                words.append("".join(cur))
                cur = []
        elif is_punctuation(ch):
            if cur:
                words.append("".join(cur))
                cur = []
            words.append(ch)
        else:
            cur.append(ch)
    if cur:
        words.append("".join(cur))
    return words


def wordpiece(word, vocab, unk="[UNK]", max_chars=100):
    if len(word) > max_chars:
        return [vocab[unk]]
    ids, start = [], 0
    while start < len(word):
        end, found = len(word), None
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                found = vocab[piece]
                break
            end -= 1
        if found is None:
            return [vocab[unk]]
        ids.append(found)
        start = end
    return ids


def encode(text, vocab, max_length):
    ids = [vocab["[CLS]"]]
    for w in basic_tokenize(text):
        ids.extend(wordpiece(w, vocab))
    ids = ids[: max_length - 1]
    ids.append(vocab["[SEP]"])
    return ids


# ---------------------------------------------------------------- weights
DTYPES = {"F32": np.float32, "F16": np.float16}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        if info["dtype"] == "BF16":
            raw = np.frombuffer(data[base + begin:base + end], dtype="<u2").astype(np.uint32) << 16
            arr = raw.view(np.float32)
        elif info["dtype"] in DTYPES:
            arr = np.frombuffer(data[base + begin:base + end], dtype=np.dtype(DTYPES[info["dtype"]]).newbyteorder("<"))
        else:
            continue
        tensors[name] = arr.astype(np.float64).reshape(info["shape"])
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in tensors else ""
    return lambda key: tensors[prefix + key]


# ---------------------------------------------------------------- model
_erf = np.vectorize(math.erf)


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


def linear(x, W, b):
    return x @ W.T + b  # PyTorch Linear weight is [out, in]


def forward(ids, W, cfg):
    H, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    d = H // nh
    eps = cfg.get("layer_norm_eps", 1e-12)
    T = len(ids)
    x = W("embeddings.word_embeddings.weight")[ids] + W("embeddings.position_embeddings.weight")[:T] \
        + W("embeddings.token_type_embeddings.weight")[0]
    x = layer_norm(x, W("embeddings.LayerNorm.weight"), W("embeddings.LayerNorm.bias"), eps)
    for i in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        q = linear(x, W(p + "attention.self.query.weight"), W(p + "attention.self.query.bias"))
        k = linear(x, W(p + "attention.self.key.weight"), W(p + "attention.self.key.bias"))
        v = linear(x, W(p + "attention.self.value.weight"), W(p + "attention.self.value.bias"))
        q, k, v = (a.reshape(T, nh, d).transpose(1, 0, 2) for a in (q, k, v))
        s = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(T, H)
        a = linear(ctx, W(p + "attention.output.dense.weight"), W(p + "attention.output.dense.bias"))
        x = layer_norm(x + a, W(p + "attention.output.LayerNorm.weight"), W(p + "attention.output.LayerNorm.bias"), eps)
        f = linear(x, W(p + "intermediate.dense.weight"), W(p + "intermediate.dense.bias"))
        f = 0.5 * f * (1.0 + _erf(f / math.sqrt(2.0)))
        f = linear(f, W(p + "output.dense.weight"), W(p + "output.dense.bias"))
        x = layer_norm(x + f, W(p + "output.LayerNorm.weight"), W(p + "output.LayerNorm.bias"), eps)
    return x


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    model_dir, sentences_path, out_path = argv[1:4]
    max_length = int(argv[argv.index("--max-length") + 1]) if "--max-length" in argv else None
    with open(model_dir + "/config.json", encoding="utf-8") as f:
        cfg = json.load(f)
    with open(model_dir + "/vocab.txt", encoding="utf-8") as f:
        vocab = {}
        for i, line in enumerate(f):
            vocab.setdefault(line.rstrip("\r\n "), i)
    with open(sentences_path, encoding="utf-8") as f:
        sentences = json.load(f)
    W = load_safetensors(model_dir + "/model.safetensors")
    max_length = max_length or cfg["max_position_embeddings"]
    all_ids, embeddings = [], []
    for s in sentences:
        ids = encode(s, vocab, max_length)
        h = forward(np.array(ids), W, cfg)
        mask = np.ones(len(ids))  # one unpadded sequence: every token is attended
        pooled = (h * mask[:, None]).sum(0) / mask.sum()
        pooled /= np.linalg.norm(pooled)
        all_ids.append(ids)
        embeddings.append([float(v) for v in pooled])
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"sentences": sentences, "token_ids": all_ids, "embeddings": embeddings}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
