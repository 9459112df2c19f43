#!/usr/bin/python3
"""Stems of many words by NLTK's PorterStemmer() in its default mode (NLTK_EXTENSIONS), as LoCoMo's evaluation.py builds it.

Usage: nltk_porter_stems.py WORDS.json OUT.json
WORDS.json is a JSON array of lower-case words; OUT.json gets the JSON array of their stems, in the same order.
Used by NltkPorterOracleTests to check the answer metric's stemmer (PorterStemmerMode.NltkExtensions) against NLTK itself.
"""
import json
import sys

from nltk.stem.porter import PorterStemmer


def main(words_path, out_path):
    with open(words_path, encoding="utf-8") as f:
        words = json.load(f)
    stemmer = PorterStemmer()
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump([stemmer.stem(w) for w in words], f)


if __name__ == "__main__":
    main(*sys.argv[1:3])
