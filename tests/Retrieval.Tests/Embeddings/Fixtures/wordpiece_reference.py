#!/usr/bin/env python3
"""A plain-Python BERT tokenizer (basic tokenizer + WordPiece) for the reference scripts beside it.

Written for this project from the BERT paper's description: lower-casing and accent stripping for uncased models,
punctuation and CJK splitting, then greedy longest-match-first WordPiece with '##' continuations. It shares no code
with Microsoft.ML.Tokenizers, which the C# embedder uses.
"""
import unicodedata


# ---------------------------------------------------------------- tokenizer
def is_whitespace(ch):
    # Line and paragraph separators too: Hugging Face's BERT splits words at them (str.split, Rust's is_whitespace).
    return ch in " \t\n\r" or unicodedata.category(ch) in ("Zs", "Zl", "Zp")


def is_control(ch):
    # Every other-category character (control, format, private use, unassigned, surrogate) is dropped, as Hugging Face's
    # BERT tokenizers drop them; tab, CR and LF are whitespace.
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


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


