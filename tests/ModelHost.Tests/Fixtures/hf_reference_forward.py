#!/usr/bin/env python3
"""Independent numpy reference of a Hugging Face LLaMA / Qwen2 causal LM forward pass (float64).

Reads a transformers-style folder (config.json + model.safetensors or sharded index), runs the whole token sequence at once
the way transformers' LlamaForCausalLM / Qwen2ForCausalLM do (RMSNorm, q/k/v projections with optional biases, rotate_half
RoPE with rope_theta and Llama 3.1's rope_scaling, repeat_kv for grouped-query attention, causal softmax attention, SwiGLU MLP, tied or separate lm_head)
and writes the logits of every position as JSON: {"logits": [[...], ...]}.

Usage: hf_reference_forward.py MODEL_DIR TOKENS(comma-separated) OUT.json
Written for AgentMem's ModelHost tests; shares no code with the C# runtime.
"""
import json
import os
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        buf = data[begin:end]
        dtype = info["dtype"]
        if dtype == "F32":
            a = np.frombuffer(buf, dtype="<f4")
        elif dtype == "F16":
            a = np.frombuffer(buf, dtype="<f2").astype(np.float32)
        elif dtype == "BF16":
            a = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise SystemExit(f"unsupported dtype {dtype}")
        out[name] = a.astype(np.float64).reshape(info["shape"])
    return out


def load(folder):
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    single = os.path.join(folder, "model.safetensors")
    if os.path.exists(single):
        t = read_safetensors(single)
    else:
        with open(os.path.join(folder, "model.safetensors.index.json")) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
        t = {}
        for name in files:
            t.update(read_safetensors(os.path.join(folder, name)))
    return cfg, t


def rms_norm(x, w, eps):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def llama3_scaled(inv_freq, scaling):
    """transformers' 'llama3' rope_scaling (Llama 3.1): fast pairs kept, slow ones divided by factor, the rest blended."""
    if not scaling or scaling.get("rope_type", scaling.get("type")) == "default":
        return inv_freq
    if scaling.get("rope_type", scaling.get("type")) != "llama3":
        raise SystemExit(f"unsupported rope_scaling {scaling}")
    factor = scaling["factor"]
    low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
    old = scaling["original_max_position_embeddings"]
    wavelen = 2 * np.pi / inv_freq
    scaled = np.where(wavelen > old / low, inv_freq / factor, inv_freq)
    smooth = (old / wavelen - low) / (high - low)
    blended = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < old / high) & ~(wavelen > old / low)
    return np.where(medium, blended, scaled)


def forward(cfg, t, tokens):
    d = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads", nh)
    hs = d // nh
    eps = cfg.get("rms_norm_eps", 1e-6)
    theta = cfg.get("rope_theta", 10000.0)
    n = len(tokens)
    x = t["model.embed_tokens.weight"][tokens]  # [n, d]
    inv_freq = llama3_scaled(1.0 / (theta ** (np.arange(0, hs, 2, dtype=np.float64) / hs)), cfg.get("rope_scaling"))
    freqs = np.outer(np.arange(n, dtype=np.float64), inv_freq)  # [n, hs/2]
    emb = np.concatenate([freqs, freqs], axis=-1)  # [n, hs]
    cos, sin = np.cos(emb)[:, None, :], np.sin(emb)[:, None, :]
    mask = np.triu(np.full((n, n), -np.inf), k=1)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        h = rms_norm(x, t[p + "input_layernorm.weight"], eps)

        def proj(name):
            y = h @ t[p + f"self_attn.{name}.weight"].T
            b = t.get(p + f"self_attn.{name}.bias")
            return y if b is None else y + b

        q = proj("q_proj").reshape(n, nh, hs)
        k = proj("k_proj").reshape(n, nkv, hs)
        v = proj("v_proj").reshape(n, nkv, hs)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = np.repeat(k, nh // nkv, axis=1)
        v = np.repeat(v, nh // nkv, axis=1)
        scores = np.einsum("qhd,khd->hqk", q, k) / np.sqrt(hs) + mask
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        att = np.einsum("hqk,khd->qhd", scores, v).reshape(n, d)
        x = x + att @ t[p + "self_attn.o_proj.weight"].T
        h = rms_norm(x, t[p + "post_attention_layernorm.weight"], eps)
        gate = h @ t[p + "mlp.gate_proj.weight"].T
        up = h @ t[p + "mlp.up_proj.weight"].T
        x = x + ((gate / (1.0 + np.exp(-gate))) * up) @ t[p + "mlp.down_proj.weight"].T
    x = rms_norm(x, t["model.norm.weight"], eps)
    head = t.get("lm_head.weight", t["model.embed_tokens.weight"]) if cfg.get("tie_word_embeddings") else t["lm_head.weight"]
    return x @ head.T


def main():
    folder, tokens, out = sys.argv[1], [int(s) for s in sys.argv[2].split(",")], sys.argv[3]
    cfg, t = load(folder)
    logits = forward(cfg, t, tokens)
    with open(out, "w") as f:
        json.dump({"tokens": tokens, "logits": [[float(v) for v in row] for row in logits]}, f)


if __name__ == "__main__":
    main()
