"""The ranking constants both engines use, in one place (chosen on SciFact train; see
benchmarks/RESULTS.md for what each was worth).

Changing any of them changes every ranking: the relevance tests and the engine parity test
are the guard."""

from __future__ import annotations

# BM25 with Lucene's idf, log(1 + (N - n + 0.5) / (n + 0.5)).
BM25_K1 = 0.9
BM25_B = 0.4

# A match in a headline or a deck says more about what the article is about: every engine
# multiplies a paragraph's match score by its kind's weight, at query time (no reindex to
# change it). nDCG@10 on SciFact train with the headline at 1.0 / 1.2 / 1.6: 0.6750 / 0.6743 / 0.6631.
KIND_WEIGHTS = {"title": 1.2, "subtitle": 1.1, "caption": 1.0, "body": 1.0}

# How much a match in an article's headline lifts all its paragraphs (an all-words search only).
TITLE_WEIGHT = 0.3
