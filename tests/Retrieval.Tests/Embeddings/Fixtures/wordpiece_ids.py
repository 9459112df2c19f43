#!/usr/bin/python3
"""Token ids of many texts by the plain-Python BERT WordPiece of wordpiece_reference.py (beside this script).

Usage: wordpiece_ids.py VOCAB.txt TEXTS.json MAX_TOKENS OUT.json
TEXTS.json is a JSON array of strings; OUT.json gets a JSON array of id lists ([CLS] ... [SEP], cut at MAX_TOKENS).
Used by WordPieceLocomoEquivalenceTests to check the embedder's library tokenizer over every LoCoMo turn.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wordpiece_reference  # noqa: E402


def main(vocab_path, texts_path, max_tokens, out_path):
    with open(vocab_path, encoding="utf-8") as f:
        vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
    with open(texts_path, encoding="utf-8") as f:
        texts = json.load(f)
    ids = [wordpiece_reference.encode(t, vocab, int(max_tokens)) for t in texts]
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(ids, f)


if __name__ == "__main__":
    main(*sys.argv[1:5])
