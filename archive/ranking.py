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

# A passage's worth as evidence. In a passage search ranked by relevance, the best
# EVIDENCE_POOL matches are ranked again by
#     match score × min(1, words / EVIDENCE_WORDS) ** EVIDENCE_POWER
# BM25 rewards a short text for holding the query's words, so a three-word bullet, a caption
# or a headline outranked the paragraph that says what happened; a passage's worth as
# evidence grows with its length up to a point. Chosen on the judged news set's train half
# (benchmarks/RESULTS.md, "Evidence over fragments": 30 words, linear, of 5 × 2 × 2 settings;
# a caption weight of 0.8 on top changed nothing). Ranking by article (so SciFact) is untouched.
# A pool of 20 scored the same as 50 there and costs a warm search less (Reuters 100k, 54
# queries, median: 6.9 ms against 6.6 without weighing; with 50, 8.5 against 7.25).
EVIDENCE_WORDS = 30
EVIDENCE_POWER = 1.0
EVIDENCE_POOL = 20
