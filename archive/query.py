"""The archive's query language, parsed into a small engine-neutral tree.

    superalignment            a word (all words must match by default)
    "Jan Leike"               a phrase ("..."~2 lets words stand up to 2 apart)
    openai OR anthropic       either
    NOT board, -board         without
    (a OR b) c                grouping
    title:leike  source:wired  author:kim  kind:caption  tag:ai  lang:en
    date:2024-05  date:[2024-05-01 TO 2024-05-31]  date:[2024-05-01 TO *]
    Yan~  Yan~2               fuzzy (edit distance 1, or as given)
    superalign*               wildcard (at least two letters before the *)

Only that is syntax. Other punctuation in pasted text (``?``, ``:`` after an unknown word,
apostrophes, hyphens, percent signs) is just text. Engines turn the tree into their own
queries (see ``archive.engine``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator, Union

from .dates import date_bound
from .errors import QueryError
from .model import KINDS

TEXT_FIELDS = ("title", "source", "author")
KEYWORD_FIELDS = ("kind", "tag", "lang", "article")
FIELDS = TEXT_FIELDS + KEYWORD_FIELDS + ("date", "text")


@dataclass(frozen=True)
class Term:
    """One word (or, in a keyword field, one whole value)."""

    field: str | None  # None: the paragraph text (with a lift from the article's title)
    text: str


@dataclass(frozen=True)
class Phrase:
    """Words in this order, at most ``slop`` words apart."""

    field: str | None
    text: str
    slop: int = 0


@dataclass(frozen=True)
class Fuzzy:
    """A word and the words within ``distance`` edits of it."""

    field: str | None
    text: str
    distance: int = 1


@dataclass(frozen=True)
class Wildcard:
    """The words a pattern with ``*`` and ``?`` stands for."""

    field: str | None
    pattern: str  # lower-case, with * for any run of letters


@dataclass(frozen=True)
class Range:
    """A range of dates (either end open)."""

    field: str
    lo: str | None
    hi: str | None


@dataclass(frozen=True)
class And:
    """Every part must match (a NOT part must not)."""

    items: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    """Any part may match; ``coord`` scales the score by how many did."""

    items: tuple["Node", ...]
    coord: float | None = None  # a coordination bonus: documents matching more items rank higher


@dataclass(frozen=True)
class Not:
    """What must not match."""

    item: "Node"


Node = Union[Term, Phrase, Fuzzy, Wildcard, Range, And, Or, Not]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<lparen>\()
    | (?P<rparen>\))
    | (?P<phrase>"[^"]*"?)(?:~(?P<pslop>\d{1,2}))?
    | (?P<word>[^\s()"]+)
    )""",
    re.X,
)
_FIELD = re.compile(r"^(?P<field>[A-Za-z]+):(?P<rest>.*)$", re.S)
_FUZZY = re.compile(r"^(?P<word>.*\w)~(?P<dist>\d?)$")
_RANGE = re.compile(r"^\[\s*(?P<lo>\S+)\s+(?:TO|to)\s+(?P<hi>\S+?)\s*\]$")
_TRAILING_PUNCT = "?!.,;:'’\"”)]}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = self._lex(text)
        self.i = 0

    def _lex(self, text: str) -> list[tuple[str, str, str | None]]:
        out: list[tuple[str, str, str | None]] = []
        pos = 0
        while pos < len(text):
            # a field with a bracketed range or a phrase: title:"jan leike", date:[a TO b]
            m = re.compile(r"\s*([A-Za-z]+):(\[[^\]]*\]?|\"[^\"]*\"?)").match(text, pos)
            if m and m.group(1).lower() in FIELDS:
                out.append(("field", m.group(1).lower(), m.group(2)))
                pos = m.end()
                continue
            # a field over a group, as in Lucene: title:(leike OR sutskever)
            m = re.compile(r"\s*([A-Za-z]+):\(").match(text, pos)
            if m and m.group(1).lower() in FIELDS:
                out.append(("fieldgroup", m.group(1).lower(), None))
                pos = m.end()
                continue
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                break
            pos = m.end()
            if m.group("lparen"):
                out.append(("lparen", "(", None))
            elif m.group("rparen"):
                out.append(("rparen", ")", None))
            elif m.group("phrase") is not None:
                out.append(("phrase", m.group("phrase").strip('"'), m.group("pslop")))
            elif m.group("word"):
                out.append(("word", m.group("word"), None))
        return out

    def peek(self) -> tuple[str, str, str | None] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def parse(self) -> Node | None:
        node = self.or_expr()
        while self.peek() is not None:  # stray ")" and the like: skip and go on
            self.i += 1
            more = self.or_expr()
            if more is not None:
                node = more if node is None else And((node, more))
        return node

    def or_expr(self) -> Node | None:
        items = [self.and_expr()]
        while (tok := self.peek()) and tok[0] == "word" and tok[1] in ("OR", "|"):
            self.i += 1
            items.append(self.and_expr())
        items = [x for x in items if x is not None]
        if not items:
            return None
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node | None:
        items: list[Node] = []
        while (tok := self.peek()) and tok[0] != "rparen" and not (tok[0] == "word" and tok[1] in ("OR", "|")):
            if tok[0] == "word" and tok[1] in ("AND", "&&"):
                self.i += 1
                continue
            node = self.unary()
            if node is not None:
                items.append(node)
        if not items:
            return None
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node | None:
        tok = self.peek()
        assert tok is not None
        if tok[0] == "word" and tok[1] == "NOT":
            self.i += 1
            if self.peek() is None or self.peek()[0] == "rparen":  # type: ignore[index]
                return None
            inner = self.unary()
            return Not(inner) if inner is not None else None
        if tok[0] == "word" and tok[1].startswith("-") and len(tok[1]) > 1 and (tok[1][1].isalnum() or tok[1][1] in "\"("):
            self.tokens[self.i] = ("word", tok[1][1:], None)
            inner = self.unary()
            return Not(inner) if inner is not None else None
        return self.atom()

    def atom(self) -> Node | None:
        kind, value, extra = self.tokens[self.i]
        self.i += 1
        if kind == "lparen":
            node = self.or_expr()
            if (tok := self.peek()) and tok[0] == "rparen":
                self.i += 1
            return node
        if kind == "rparen":
            return None
        if kind == "fieldgroup":
            node = self.or_expr()
            if (tok := self.peek()) and tok[0] == "rparen":
                self.i += 1
            if node is None:
                raise QueryError(f"{value}: needs a value in its parentheses, e.g. {value}:(leike OR sutskever)")
            return _in_field(node, value)
        if kind == "phrase":
            return _phrase(None, value, extra)
        if kind == "field":
            return _field_value(value, extra or "")
        word = value.lstrip("+")
        m = _FIELD.match(word)
        if m and m.group("field").lower() in FIELDS:
            rest = m.group("rest")
            if not rest.strip(_TRAILING_PUNCT):
                example = "2024-05" if m.group("field").lower() == "date" else "openai"
                raise QueryError(f"{m.group('field')}: needs a value, e.g. {m.group('field').lower()}:{example}")
            return _field_value(m.group("field").lower(), rest)
        return _word(None, word)


def _in_field(node: Node, field: str) -> Node | None:
    """``node`` with every part that names no field searching ``field`` (a group's field),
    each value read as that field reads it (``kind:(body OR caption)``, ``date:(2024-05 OR 2024-07)``)."""
    if isinstance(node, (And, Or)):
        items = tuple(x for x in (_in_field(i, field) for i in node.items) if x is not None)
        return type(node)(items) if isinstance(node, And) else Or(items, node.coord)
    if isinstance(node, Not):
        inner = _in_field(node.item, field)
        return Not(inner) if inner is not None else None
    if getattr(node, "field", "x") is not None:  # a part with its own field keeps it
        return node
    if isinstance(node, Term):
        return _field_value(field, node.text)
    if isinstance(node, Phrase):
        return _field_value(field, f'"{node.text}"')
    if isinstance(node, Fuzzy):
        return _field_value(field, f"{node.text}~{node.distance}")
    if isinstance(node, Wildcard):
        return _field_value(field, node.pattern)
    return node


def _phrase(field: str | None, text: str, slop: str | None) -> Node | None:
    text = text.strip()
    if not text:
        return None
    return Phrase(field, text, int(slop) if slop else 0)


def _word(field: str | None, word: str) -> Node | None:
    m = _FUZZY.match(word)
    if m:
        core = m.group("word").strip(_TRAILING_PUNCT)
        dist = int(m.group("dist") or 1)
        if not 1 <= dist <= 2:
            raise QueryError(f"fuzzy distance in {word!r} must be 1 or 2")
        return Fuzzy(field, core, dist) if core else None
    word = word.rstrip(_TRAILING_PUNCT).lstrip("'‘\"“([{")
    if not word:
        return None
    if "*" in word:
        core = word.strip("*")
        letters = re.sub(r"\W", "", word.split("*")[0])
        if not core:
            raise QueryError("a wildcard needs letters: write at least two before the * (e.g. superalign*)")
        if len(letters) < 2:
            raise QueryError(f"wildcard {word!r} is too broad: write at least two letters before the *")
        return Wildcard(field, word.lower())
    return Term(field, word)


def _field_value(field: str, raw: str) -> Node | None:
    raw = raw.strip()
    if field == "date":
        return _date_value(raw)
    if raw.startswith('"') and field in KEYWORD_FIELDS:  # an exact value, spaces and all: tag:"AI safety"
        raw = " ".join(raw.strip('"').split())
        if not raw:
            raise QueryError(f'{field}: needs a value, e.g. {field}:"AI safety"')
    elif raw.startswith('"'):
        return _phrase(field, raw.strip('"'), None)
    if raw.startswith("["):
        raise QueryError(f"{field}: does not take a range; only date: does")
    if field == "kind":
        value = raw.rstrip(_TRAILING_PUNCT).lower()
        if value not in KINDS:
            raise QueryError(f"kind:{value} is not a paragraph kind (use one of: {', '.join(KINDS)})")
        return Term("kind", value)
    if field in ("tag", "lang", "article"):
        value = raw.rstrip(_TRAILING_PUNCT)
        if "*" in value:
            return Wildcard(field, value.lower())
        return Term(field, value.lower() if field != "article" else value)
    return _word(None if field == "text" else field, raw)


def _date_value(raw: str) -> Node:
    m = _RANGE.match(raw)
    try:
        if m:
            lo = None if m.group("lo") == "*" else date_bound(m.group("lo"), end=False)
            hi = None if m.group("hi") == "*" else date_bound(m.group("hi"), end=True)
        elif raw.startswith("["):
            raise QueryError(f"date range {raw!r} should look like date:[2024-05-01 TO 2024-05-31]")
        elif ".." in raw:  # 2024-05-14..2024-05-20, 2024-05.., ..2024-06 (either end open)
            a, b = (part.strip().rstrip(_TRAILING_PUNCT) for part in raw.split("..", 1))
            if not a and not b:
                raise QueryError("date range '..' needs a start or an end, e.g. date:2024-05-14..2024-05-20")
            lo = date_bound(a, end=False) if a and a != "*" else None
            hi = date_bound(b, end=True) if b and b != "*" else None
        else:
            value = raw.rstrip(_TRAILING_PUNCT)
            lo, hi = date_bound(value, end=False), date_bound(value, end=True)
    except ValueError as e:
        raise QueryError(f"date: {e}") from None
    if lo and hi and lo > hi:
        raise QueryError(f"date range starts after it ends ({lo} > {hi})")
    return Range("date", lo, hi)


def parse(text: str) -> Node:
    """Parse a query. Raises QueryError with a message for the user when it cannot."""
    from .settings import settings

    max_chars, max_terms = settings().max_query_chars, settings().max_query_terms
    if len(text) > max_chars:
        raise QueryError(f"query is {len(text):,} characters long; the limit is {max_chars:,} (ARCHIVE_MAX_QUERY_CHARS)")
    if not text.strip():
        raise QueryError("empty query: give some words to look for")
    parser = _Parser(text)
    if len(parser.tokens) > max_terms:
        raise QueryError(f"query has {len(parser.tokens):,} terms; the limit is {max_terms:,} (ARCHIVE_MAX_QUERY_TERMS)")
    node = parser.parse()
    if node is None:
        raise QueryError(f"nothing to search for in {text!r}")
    if not has_positive(node):
        raise QueryError("a query needs something to look for besides NOT terms")
    return node


def has_positive(node: Node) -> bool:
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(has_positive(x) for x in node.items)
    if isinstance(node, Or):
        return all(has_positive(x) for x in node.items)
    return True


def leaves(node: Node) -> Iterator[Node]:
    """Every leaf, under a NOT or not."""
    if isinstance(node, (And, Or)):
        for x in node.items:
            yield from leaves(x)
    elif isinstance(node, Not):
        yield from leaves(node.item)
    else:
        yield node


def positive_leaves(node: Node) -> Iterator[Node]:
    """Every leaf that adds to a match (not under a NOT)."""
    if isinstance(node, (And, Or)):
        for x in node.items:
            yield from positive_leaves(x)
    elif not isinstance(node, Not):
        yield node


def plain_words(node: Node) -> list[Term] | None:
    """The words of a query that is nothing but words (no operators, fields, phrases), else None."""
    if isinstance(node, Term) and node.field is None:
        return [node]
    if isinstance(node, And) and all(isinstance(x, Term) and x.field is None for x in node.items):
        return list(node.items)  # type: ignore[arg-type]
    return None


def any_of(words: list[Term]) -> Node:
    """Documents with any of the words, ranked by how well they match (for sentence queries)."""
    return words[0] if len(words) == 1 else Or(tuple(words))


def expand_synonyms(node: Node, groups: list[list[str]]) -> Node:
    """The tree with each word or phrase that has synonyms replaced by (it OR each synonym).

    Multi-word synonyms are found as phrases and as runs of plain words (``Open AI``)."""
    if not groups:
        return node
    lookup = {term: [t for t in g if t != term] for g in groups for term in g}
    longest = max(len(t.split()) for t in lookup)

    def alternatives(text: str) -> list[str] | None:
        return lookup.get(" ".join(text.casefold().split()))

    def either(leaf: Node, text: str) -> Node:
        others = alternatives(text)
        if not others:
            return leaf
        alts = [Phrase(None, o) if " " in o else Term(None, o) for o in others]
        return Or((leaf, *alts))

    def walk(n: Node) -> Node:
        if isinstance(n, And):
            items = list(n.items)
            out: list[Node] = []
            i = 0
            while i < len(items):
                done = False
                for k in range(min(longest, len(items) - i), 1, -1):  # runs of plain words first
                    run = items[i : i + k]
                    if all(isinstance(x, Term) and x.field is None for x in run):
                        text = " ".join(x.text for x in run)  # type: ignore[union-attr]
                        if alternatives(text):
                            out.append(either(Phrase(None, text), text))
                            i += k
                            done = True
                            break
                if not done:
                    out.append(walk(items[i]))
                    i += 1
            return out[0] if len(out) == 1 else And(tuple(out))
        if isinstance(n, Or):
            return Or(tuple(walk(x) for x in n.items), n.coord)
        if isinstance(n, Not):
            return Not(walk(n.item))
        if isinstance(n, (Term, Phrase)) and n.field is None:
            return either(n, n.text)
        return n

    return walk(node)


def replace_words(node: Node, mapping: dict[str, str]) -> Node:
    """The same tree with default-field words replaced (for did-you-mean)."""
    if isinstance(node, And):
        return And(tuple(replace_words(x, mapping) for x in node.items))
    if isinstance(node, Or):
        return Or(tuple(replace_words(x, mapping) for x in node.items), node.coord)
    if isinstance(node, Not):
        return Not(replace_words(node.item, mapping))
    if isinstance(node, Term) and node.field is None and node.text.lower() in mapping:
        return Term(None, mapping[node.text.lower()])
    return node
