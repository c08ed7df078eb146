"""What a hit's score is made of, read from Lucene's explanation tree.
"""

from __future__ import annotations

import re


_WEIGHT = re.compile(r"^weight\((\w+):(.*) in \d+\)")


def score_parts(tree: dict, factor: float = 1.0):
    """(field, term, share of the score) of each term or phrase that added to a score; a
    function score's factor (the paragraph kind's weight) is carried down to its terms."""
    desc = tree.get("description", "")
    details = tree.get("details", [])
    m = _WEIGHT.match(desc)
    if m:
        term = m.group(2)
        if term.startswith('"'):
            term = term.split('"')[1]
        yield m.group(1), term, float(tree.get("value", 0.0)) * factor
        return
    if desc.startswith("ConstantScore(") and desc.endswith(")"):  # fuzzy, prefix, wildcard: what they matched
        parts = [p.split(":", 1) for p in desc[len("ConstantScore(") : -1].split() if ":" in p]
        if parts:
            yield parts[0][0], " ".join(dict.fromkeys(t for _, t in parts)), float(tree.get("value", 0.0)) * factor
        return
    if desc.startswith("function score") and len(details) > 1:
        try:
            inner = float(details[1].get("value", 1.0))
        except (TypeError, ValueError):
            inner = 1.0
        yield from score_parts(details[0], factor * inner)
        return
    if desc.startswith(("match on required clause", "match filter")) or "must_not" in desc:
        return
    for d in details:
        yield from score_parts(d, factor)
