"""The query tree as query DSL: the builders (the walk is archive.engine.translate).
"""

from __future__ import annotations

from ..translate import Translator


class OpenSearchTranslator(Translator):
    """The query tree as query DSL (the walk: archive.engine.translate)."""

    def all_of(self, must, must_not):
        out: dict = {"bool": {"must": must}}
        if must_not:
            out["bool"]["must_not"] = must_not
        return out

    def any_of(self, parts, coord):
        ids = [p["term"]["article"] for p in parts if list(p) == ["term"] and list(p["term"]) == ["article"]]
        if len(ids) == len(parts):  # any of these articles (thousands, past the cluster's clause limit)
            return {"terms": {"article": ids}}
        return {"bool": {"should": parts, "minimum_should_match": 1}}

    def none_of(self, inner):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [inner]}}

    def exact(self, field, value):
        return {"term": {field: value}}

    def term(self, field, term):
        return {"term": {field: term}}

    def phrase(self, field, terms, text, slop):
        # The cluster's stop filter leaves a gap where a stopword was, Whoosh's closes it up:
        # one more position of slop finds what Whoosh finds.
        return {"match_phrase": {field: {"query": text, "slop": slop + 1}}}

    def syllable(self, field, term):
        return {"bool": {"should": [{"term": {field: term}}, _constant({"prefix": {field: term}}),
                                    _constant({"wildcard": {field: {"value": "?" + term}}})]}}  # fmt: skip

    def fuzzy(self, field, word, distance):
        # (transpositions: two neighbouring letters swapped are one edit, as Whoosh and the
        # marks count them: optimal string alignment, archive.spelling.edit_distance)
        return _constant({"fuzzy": {field: {"value": word, "fuzziness": min(2, distance), "prefix_length": 0,
                                            "transpositions": True}}})  # fmt: skip

    def prefixes(self, field, prefixes):
        return _constant({"bool": {"should": [{"prefix": {field: p}} for p in prefixes]}})

    def wildcard(self, field, pattern):
        return _constant({"wildcard": {field: {"value": pattern}}})

    def date_range(self, field, lo, hi):
        bounds = {}
        if lo:
            bounds["gte"] = lo
        if hi:
            bounds["lte"] = hi
        return {"range": {field: bounds}}


def _constant(query: dict) -> dict:
    """A query that expands to many terms (fuzzy, prefix, wildcard) scores 1 where it matches,
    as Whoosh's expanding queries do."""
    return {"constant_score": {"filter": query, "boost": 1.0}}
