"""Spelling distances: the edit distance behind did-you-mean and fuzzy words, and the
SymSpell-style deletions the store keeps to find near words fast."""

from __future__ import annotations


def deletes(word: str, distance: int) -> set[str]:
    """SymSpell-style deletions of ``word`` up to ``distance`` (1 or 2).

    The store keeps distance-1 deletions of each known word; a query word's deletions up to
    distance 2 are looked up among them (and among the words), which finds most words within
    two edits at a fifth of the storage of keeping distance-2 deletions."""
    first = {word[:i] + word[i + 1 :] for i in range(len(word))}
    if distance < 2 or len(word) < 5:
        return first
    return first | {w[:i] + w[i + 1 :] for w in first for i in range(len(w))}


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance (Levenshtein plus adjacent transpositions)."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]
