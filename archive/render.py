"""Output rendering: text for people (colour only on a terminal), JSON and JSONL for scripts.

Every function returns a string (or yields lines) and never prints, so the CLI decides where
output goes and tests can compare it exactly.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from .analysis import UNSPACED, columns, is_wide
from .model import Article, Hit, Paragraph, SearchResult

if TYPE_CHECKING:
    from .reports import IngestOutcome

MARK_ON, MARK_OFF = "\ue000", "\ue001"  # placeholders, so wrapping never splits a mark


@dataclass
class Style:
    """How text output looks: colour (on a terminal only), the width to wrap text at, and
    whether (and how wide and tall) the output is a terminal: lines that would wrap there are
    fitted to it."""

    color: bool = False
    width: int = 100
    tty: bool = False
    columns: int = 100  # the terminal's own width (a table may use all of it)
    rows: int = 24

    @classmethod
    def detect(cls, color: bool, tty: bool = False) -> "Style":
        size = shutil.get_terminal_size((100, 24))
        return cls(color=color, width=min(100, max(40, size.columns)), tty=tty, columns=max(40, size.columns),
                   rows=max(5, size.lines))  # fmt: skip

    def _sgr(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color and text else text

    def bold(self, text: str) -> str:
        return self._sgr(text, "1")

    def dim(self, text: str) -> str:
        return self._sgr(text, "2")

    def green(self, text: str) -> str:
        return self._sgr(text, "32")

    def red(self, text: str) -> str:
        return self._sgr(text, "31")

    def marks(self, text: str) -> str:
        """Turn mark placeholders into colour on a terminal, or a visible ``**…**`` in a pipe."""
        if self.color:
            return text.replace(MARK_ON, "\x1b[1;33m").replace(MARK_OFF, "\x1b[0m")
        return text.replace(MARK_ON, "**").replace(MARK_OFF, "**")


def dumps(obj: Any, pretty: bool = True) -> str:
    if pretty:
        return json.dumps(obj, ensure_ascii=False, indent=2)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


_SECOND_CELL = "\ue002"  # a placeholder after each wide character while wrapping
cells = columns  # how many terminal columns a text takes


def pad(text: str, width: int) -> str:
    """``text`` and spaces after it to fill ``width`` columns."""
    return text + " " * (width - cells(text))


def clip(text: str, width: int) -> str:
    """The start of ``text`` that fits in ``width`` columns."""
    if cells(text) <= width:
        return text
    used = 0
    for i, c in enumerate(text):
        used += 2 if is_wide(c) else 1
        if used > width:
            return text[:i]
    return text


class _ColumnWrapper(textwrap.TextWrapper):
    """textwrap, with a line break allowed between two Chinese characters or kana (scripts
    written without spaces), as between words."""

    _unspaced = None

    def _split(self, text: str) -> list[str]:
        import re

        if _ColumnWrapper._unspaced is None:
            # (a closing mark stays with the character before it: no line starts with 、 or 」)
            _ColumnWrapper._unspaced = re.compile(
                f"[{UNSPACED}]{_SECOND_CELL}?(?:[{_CLOSING}]{_SECOND_CELL}?)*|[^{UNSPACED}]+")
        out: list[str] = []
        for chunk in super()._split(text):
            out.extend(self._unspaced.findall(chunk) if max(chunk) >= "\u3040" else (chunk,))
        return out


_CLOSING = "\u3001\u3002\u300d\u300f\u3011\u3015\uff09\uff0c\uff0e\uff01\uff1f"  # 、。」』】〕）,.!?


def wrap(text: str, style: Style, indent: str = "   ") -> str:
    """``text`` in lines of at most the style's width in columns (a wide character counts two),
    broken between words (and in Chinese and Japanese, between characters)."""
    wide = columns(text) > len(text)  # (a wide character; the marks' placeholders are not)
    if not wide:
        return "\n".join(
            textwrap.wrap(text, width=style.width, initial_indent=indent, subsequent_indent=indent,
                          break_long_words=False, break_on_hyphens=False)  # fmt: skip
        ) or indent.rstrip()
    # (textwrap counts characters: each wide one is given a second, removed after)
    text = "".join(c + _SECOND_CELL if is_wide(c) else c for c in text)
    wrapper = _ColumnWrapper(width=style.width, initial_indent=indent, subsequent_indent=indent,
                             break_long_words=False, break_on_hyphens=False)  # fmt: skip
    return "\n".join(wrapper.wrap(text)).replace(_SECOND_CELL, "") or indent.rstrip()


# -- search -----------------------------------------------------------------------------------


def search_text(result: SearchResult, style: Style) -> str:
    out: list[str] = []
    if result.suggestion and not result.hits:
        out.append(f"No hits for {result.query!r}. Did you mean: {style.bold(result.suggestion)}?")
        return "\n".join(out)
    if result.suggestion:
        out.append(f"Did you mean: {style.bold(result.suggestion)}?")
        out.append("")
    if result.match == "any" and result.hits and len(result.query.split()) <= 3:
        out.append(style.dim("No paragraph has all of the words; showing those with the most of them."))
        out.append("")
    if not result.hits:
        if result.total and result.page > 1:
            return f"No hits on page {result.page}: {result.total} in all for {result.query!r}."
        return f"No hits for {result.query!r}."
    for hit in result.hits:
        out.append(_hit_text(hit, style))
        out.append("")
    if result.facets:
        out.append(facets_text(result.facets, style))
        out.append("")
    noun = "article" if result.by_article else "hit"
    first, last = result.hits[0].rank, result.hits[-1].rank
    total = f"{result.total:,}" + ("" if result.total_exact else "+")
    folded = sum(len(h.copies) for h in result.hits)  # (paragraph totals count copies; by article, stories)
    everything = first == 1 and result.total_exact and last + (0 if result.by_article else folded) == result.total
    shown = f"{last:,}" if everything else f"{first}–{last} of {total}"
    plural = noun if (last if everything else result.total) == 1 else noun + "s"
    copies = f" (+{folded} cop{'y' if folded == 1 else 'ies'})" if folded else ""
    ranked = ", ranked by words and meaning" if result.ranking == "words+meaning" else ""
    out.append(style.dim(f"{shown} {plural}{copies} for {result.query!r}{ranked} in {result.took_ms:.0f} ms"))
    return "\n".join(out)


def facets_text(facets: dict[str, list[dict]], style: Style, top: int = 8) -> str:
    lines = [style.bold("Facets") + style.dim("  (articles / paragraphs)")]
    width = max(len(name) for name in facets) + 1
    for name, values in facets.items():
        shown = " · ".join(f"{v['value']} ({v['articles']}/{v['paragraphs']})" for v in values[:top])
        more = f" · … {len(values) - top} more" if len(values) > top else ""
        lines.append(wrap(f"{name + ':':<{width}} {shown or '—'}{more}", style, "  "))
    return "\n".join(lines)


def _hit_text(hit: Hit, style: Style) -> str:
    rank = f"{hit.rank:>2}. "
    title = textwrap.wrap(hit.title, width=style.width - len(rank), break_long_words=False, break_on_hyphens=False)
    head = rank + style.bold(title[0] if title else "") + "".join("\n    " + style.bold(x) for x in title[1:])
    meta = [f"¶{hit.paragraph} {hit.kind}"]
    if hit.matched == "meaning":
        meta.append("found by meaning: no word in common")
    if hit.matched_paragraphs is not None:
        n = hit.matched_paragraphs
        meta.append(f"{n} matching paragraph{'s' if n != 1 else ''}")
    meta += [x for x in (hit.date, hit.source) if x]
    meta.append(hit.article_id)
    lines = [head, style.dim(wrap(" · ".join(meta), style, "    "))]
    segments = hit.segments
    body = "".join(f"{MARK_ON}{t}{MARK_OFF}" if m else t for t, m in segments) if segments else _unhtml(hit.snippet)
    before = [p for p in hit.context if p.n < hit.paragraph]
    after = [p for p in hit.context if p.n > hit.paragraph]
    for p in before:
        lines.append(style.dim(wrap(f"¶{p.n} {_short(p.text)}", style, "      ")))
    lines.append(style.marks(wrap(body, style, "    ")))
    for p in after:
        lines.append(style.dim(wrap(f"¶{p.n} {_short(p.text)}", style, "      ")))
    for inner in hit.inner:
        segs = inner.segments
        text = "".join(f"{MARK_ON}{t}{MARK_OFF}" if m else t for t, m in segs) if segs else _unhtml(inner.snippet)
        lines.append("    " + style.dim(f"¶{inner.paragraph} {inner.kind}"))
        lines.append(style.marks(wrap(text, style, "    ")))
    if hit.copies:
        lines.append(style.dim(wrap(copies_line(hit.copies), style, "    ")))
    if hit.explain is not None:
        parts = ", ".join(f"{e['field']}:{e['term']} {e['score']:.2f}" for e in hit.explain if "score" in e) or "—"
        factors = "".join(f"; {e['field']} ×{e['factor']:.2f} ({e['term']})" for e in hit.explain if "factor" in e)
        lines.append(style.dim(wrap(f"score {hit.score:.2f} = {parts}{factors}", style, "    ")))
    return "\n".join(lines)


def copies_text(groups, style: Style) -> str:
    """Each group of copies: its headline, then a line per article, earliest first (the
    original marked ``first``): date, source, id, how much is the same, the article's headline."""
    out: list[str] = []
    for g in groups:
        members = [g.original] + g.copies
        n = len(g.copies)
        out.append(style.bold(g.original.title) + style.dim(f"  ({n} cop{'ies' if n != 1 else 'y'})"))
        srcw = min(24, max(cells(m.source or "—") for m in members))
        idw = min(40, max(cells(m.article_id) for m in members))
        for m in members:
            label = "first" if m.similarity is None else f"{int(m.similarity * 100):>4}%"
            title = "" if m is g.original or m.title == g.original.title else "  " + m.title
            out.append(f"  {label:<5}  {m.date or '—':<10}  {pad(clip(m.source or '—', srcw), srcw)}  "
                       f"{pad(m.article_id, idw)}{style.dim(title)}".rstrip())  # fmt: skip
        out.append("")
    copies = sum(len(g.copies) for g in groups)
    out.append(style.dim(f"{len(groups)} group{'s' if len(groups) != 1 else ''}, {copies} "
                         f"cop{'ies' if copies != 1 else 'y'}"))  # fmt: skip
    return "\n".join(out)


def copies_line(copies: list[dict]) -> str:
    """``+3 copies: Yahoo News, MSN, Seoul Economic Daily`` (each source once, in order)."""
    names = list(dict.fromkeys(c.get("source") or c["article_id"] for c in copies))
    n = len(copies)
    return f"+{n} cop{'ies' if n != 1 else 'y'}: {', '.join(names)}"


def _short(text: str, n: int = 160) -> str:
    return text if len(text) <= n else text[: text.rfind(" ", 0, n)] + " …"


def _unhtml(snippet: str) -> str:
    import html

    return html.unescape(snippet.replace("<mark>", MARK_ON).replace("</mark>", MARK_OFF))


def unmarked(snippet: str) -> str:
    """A snippet as plain text (its marks and HTML escapes undone)."""
    import html

    return html.unescape(snippet.replace("<mark>", "").replace("</mark>", ""))


def table(rows: list[dict], columns: tuple[str, ...], fmt: str = "csv") -> str:
    """Rows as CSV (RFC 4180, a header first) or TSV (tabs and newlines in a value become spaces)."""
    import csv
    import io

    buf = io.StringIO()
    if fmt == "tsv":
        buf.write("\t".join(columns) + "\n")
        for row in rows:
            buf.write("\t".join(" ".join(str(row.get(c) if row.get(c) is not None else "").split()) for c in columns) + "\n")
        return buf.getvalue()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return buf.getvalue()


def search_json(result: SearchResult) -> str:
    return dumps(result.to_dict())


def search_jsonl(result: SearchResult) -> str:
    return "\n".join(dumps(h.to_dict(), pretty=False) for h in result.hits)


# -- watches ----------------------------------------------------------------------------------


def watch_text(news, style: Style) -> str:
    """Each watch's new hits under a line saying what it is and since when."""
    out: list[str] = []
    for n in news:
        since = f"since {n.since}" if n.since else "(all of them)"
        total = f"{n.result.total:,}{'' if n.result.total_exact else '+'}"
        if n.result.hits:
            out.append(style.bold(f"{n.watch.name}: {total} new {since}") + style.dim(f"  {n.watch.query}"))
            out.append("")
            for h in n.result.hits:
                out.extend([_hit_text(h, style), ""])
            if n.result.total > len(n.result.hits):
                out.append(style.dim(f"   … and {n.result.total - len(n.result.hits):,} more (--limit, or search for them)"))
        else:
            out.append(style.bold(f"{n.watch.name}: nothing new {since}") + style.dim(f"  {n.watch.query}"))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


# -- timeline ---------------------------------------------------------------------------------

BAR = "█"


def timeline_text(story, style: Style) -> str:
    """A story's timeline as a bar chart: a line per period, the bars scaled to the width, the
    peak marked; then the first and the latest article."""
    line = story.timeline
    if not story.articles:
        return f"No articles match {story.query!r}."
    undated = f", {story.undated:,} undated" if story.undated else ""
    total = f"{story.articles:,}{'' if story.articles_exact else '+'}"
    if line is None:
        one = story.articles == 1
        return f"{total} article{'' if one else 's'} match{'es' if one else ''} {story.query!r}, {'not' if one else 'none of them'} dated."
    out = [f"Articles matching {story.query!r} per {line.unit if line.years == 1 else f'{line.years} years'} "
           f"({total} article{'s' if story.articles != 1 else ''}{undated}):", ""]  # fmt: skip
    label_w = max(len(b.label) for b in line.bars)
    count_w = len(f"{line.most:,}")
    room = max(10, style.width - label_w - count_w - 12)
    peak = line.peak
    for b in line.bars:
        n = round(b.articles / line.most * room) if line.most else 0
        bar = BAR * max(n, 1 if b.articles else 0)
        mark = style.dim("  ◀ peak") if b is peak and line.most > 0 and len(line.bars) > 1 else ""
        out.append(f"{b.label:<{label_w}}  {style.green(bar)}{' ' * (room - len(bar))}  {b.articles:>{count_w},}{mark}".rstrip())
    out.append("")
    for name, hit in (("first", story.first), ("latest", story.latest)):
        if hit is not None:
            where = " · ".join(x for x in (hit.date, hit.source) if x)
            out.append(f"{name:<7}{where}  {style.bold(hit.title)}  ({hit.article_id}, ¶{hit.paragraph})")
    return "\n".join(out).rstrip() + "\n"


def timeline_csv(story) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["start", "end", "label", "articles", "paragraphs"])
    for b in story.timeline.bars if story.timeline else []:
        w.writerow([b.start, b.end, b.label, b.articles, b.paragraphs])
    return buf.getvalue()


# -- show -------------------------------------------------------------------------------------


def article_text(article: Article, style: Style, only: Iterable[int] | None = None,
                 focus: int | None = None, version: tuple[int, int] | None = None) -> str:  # fmt: skip
    out = [style.bold(article.title)]
    if version is not None and version[0] != version[1]:
        out.insert(0, style.dim(f"(version {version[0]} of {version[1]}: not the current text)"))
    for sub in article.subtitles:
        out.append(wrap(sub, style, "  "))
    out.append("")
    meta = [("id", article.id), ("date", article.date), ("source", article.source), ("author", article.author),
            ("url", article.url), ("lang", article.lang), ("tags", ", ".join(article.tags) or None),
            ("added", article.ingested_at), ("from", article.origin)]  # fmt: skip
    if article.copy_of:
        meta.append(("copy of", f"{article.copy_of} ({int((article.similarity or 0) * 100)}% the same)"))
    if article.copies:
        n = len(article.copies)
        meta.append(("copies", f"{n} (archive copies {article.id})"))
    for k, v in meta:
        if v:
            out.append(style.dim(f"{k:<7}") + (" " if len(k) >= 7 else "") + v)
    out.append("")
    wanted = set(only) if only is not None else None
    for p in article.paragraphs:
        if wanted is not None and p.n not in wanted:
            continue
        out.append(paragraph_text(p, style, focus=p.n == focus))
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def paragraph_text(p: Paragraph, style: Style, focus: bool = False) -> str:
    label = f"{'>' if focus else ' '}{p.n:>3}  "
    text = p.text
    if p.kind == "caption":
        text = f"[Caption] {text}" + (f" (Credit: {p.credit})" if p.credit else "")
    elif p.kind in ("title", "subtitle"):
        text = f"[{p.kind.capitalize()}] {text}"
    body = wrap(text, style, " " * len(label))
    body = label + body[len(label):]
    return style.bold(body) if focus else body


def article_json(article: Article, only: Iterable[int] | None = None, version: tuple[int, int] | None = None) -> str:
    """``version``: (this version's number, how many there are), for an earlier version."""
    d = article.to_dict()
    if version is not None:
        d["version"], d["versions"] = version
    if only is not None:
        wanted = set(only)
        d["paragraphs"] = [p for p in d["paragraphs"] if p["n"] in wanted]
    return dumps(d)


# -- list, stats, ingest -----------------------------------------------------------------------


def list_text(rows, style: Style, wide: bool = False) -> str:
    """A line per article; on a terminal each line fits its width unless ``wide``: the paragraph
    count and then the source make room for the title first, then the title is cut with …
    (ids are never cut: they are what the other commands take)."""
    if not rows:
        return "The archive is empty."
    idw = min(40, max(cells(r.id) for r in rows))
    srcw = min(20, max([cells(r.source or "—") for r in rows] + [6]))
    fit = style.columns if style.tty and not wide else None
    cols = ["id", "date", "source", "paras"]
    if fit is not None:
        for drop in ("paras", "source"):
            fixed = idw + 12 + (srcw + 2 if "source" in cols else 0) + (7 if "paras" in cols else 0) + 2
            if fit - fixed >= 24:
                break
            cols.remove(drop)

    def line(id_: str, date: str, src: str, paras: str, title: str) -> str:
        parts = [pad(id_, idw), f"{date:<10}"]
        if "source" in cols:
            parts.append(pad(clip(src, srcw), srcw))
        if "paras" in cols:
            parts.append(f"{paras:>5}")
        text = "  ".join(parts + [title])
        return clip(text, fit - 1).rstrip() + "…" if fit is not None and cells(text) > fit else text

    lines = [style.dim(line("ID", "DATE", "SOURCE", "PARAS", "TITLE"))]
    for r in rows:
        lines.append(line(r.id, r.date or "—", r.source or "—", str(r.paragraphs), r.title))
    lines.append(style.dim(f"{len(rows)} article{'s' if len(rows) != 1 else ''}"))
    return "\n".join(lines)


def stats_text(s: dict, style: Style) -> str:
    def size(n: int) -> str:
        for unit in ("bytes", "KiB", "MiB", "GiB"):
            if n < 1024 or unit == "GiB":
                return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
            n /= 1024  # type: ignore[assignment]
        return str(n)

    dates = f"{s['first_date']} to {s['last_date']}" if s["first_date"] else "—"
    where = f"{s['path']} ({s['engine']})"
    if s.get("cluster"):
        c = s["cluster"]
        where = (f"{s['path']} (opensearch: {s['name']!r} at {s['url']}; {c['nodes']} node{'s' if c['nodes'] != 1 else ''}, "
                 f"{c['shards']} shard{'s' if c['shards'] != 1 else ''}, {c['replicas']} replica{'s' if c['replicas'] != 1 else ''}, "
                 f"{c['status']})")  # fmt: skip
    lines = [
        f"{'archive':<12}{where}",
        f"{'articles':<12}{s['articles']:,}",
        f"{'paragraphs':<12}{s['paragraphs']:,}" + (
            " (" + ", ".join(f"{k} {v:,}" for k, v in s["kinds"].items()) + ")" if s["kinds"] else ""),
        f"{'dates':<12}{dates}",
        f"{'index':<12}" + (f"damaged: {s['index_problem']} (archive rebuild)" if s.get("index_problem") else
                            f"{size(s['index_bytes'])} in {s['segments']} segment{'s' if s['segments'] != 1 else ''}"),
        f"{'store':<12}{size(s['store_bytes'])}",
        f"{'sources':<12}" + (", ".join(f"{k} ({v:,})" for k, v in s["sources"].items()) or "—"),
        f"{'languages':<12}" + (", ".join(f"{k} ({v:,})" for k, v in s["languages"].items()) or "—"),
    ]  # fmt: skip
    if s.get("semantic"):
        sem = s["semantic"]
        n = sem["embedded"]
        from .semantic import RUNTIMES

        on = f"{sem['model']} on {RUNTIMES.get(sem.get('runtime'), sem.get('runtime'))}"
        lines.append(f"{'semantic':<12}" + (f"on ({on}, {n:,} article{'s' if n != 1 else ''} embedded)"
                                            if sem["active"] else f"off: {sem['reason']}"))  # fmt: skip
    return "\n".join(lines)


def outcome_text(o: IngestOutcome, style: Style) -> str:
    action = {"added": style.green, "updated": style.bold}.get(o.action, style.dim)(f"{o.action:<9}")
    n = o.paragraphs
    line = f"{action} {o.article_id}  {o.title} ({n} paragraph{'s' if n != 1 else ''})"
    if o.change == "metadata":
        line += " (metadata)"
    if o.note:
        line += f" ({o.note})"
    if o.copy_of:
        line += f" ({copy_phrase(o.copy_of, o.similarity)})"
    return line


def copy_phrase(original: str, similarity: float | None) -> str:
    """``copy of ID, 93% the same`` (the share rounded down: 100% only for the very same text)."""
    return f"copy of {original}" + (f", {int(similarity * 100)}% the same" if similarity is not None else "")


# -- versions ---------------------------------------------------------------------------------


def versions_list(article: Article) -> list[dict]:
    """Each version of ``article``: its number, when it was current, what made it, its size."""
    from .identity import version_article, version_times

    out = []
    total = len(article.versions) + 1
    for n, (start, until) in enumerate(version_times(article), start=1):
        v = version_article(article, n)
        change = "added" if n == 1 else article.versions[n - 2].get("change", "text")
        out.append({"version": n, "current": n == total, "from": start, "until": until, "change": change,
                    "title": v.title, "paragraphs": len(v.paragraphs), "origin": v.origin,
                    "source_hash": v.source_hash})  # fmt: skip
    return out


def versions_text(article: Article, style: Style) -> str:
    rows = versions_list(article)
    out = [style.bold(f"{article.id}: {len(rows)} version{'s' if len(rows) != 1 else ''}")]
    what = {"added": "first read", "text": "text changed", "metadata": "metadata changed"}
    for r in rows:
        until = "current" if r["current"] else f"until {r['until']}"
        n = r["paragraphs"]
        line = (f"  v{r['version']:<3} {r['from']}  {until:<28} {what.get(r['change'], r['change']):<17}"
                f" {n} paragraph{'s' if n != 1 else ''}")
        if r["origin"]:
            line += style.dim(f"  {r['origin']}")
        out.append(line)
    if len(rows) > 1:
        out.append(style.dim(f"(what changed: archive diff {article.id} V1 V2; an old one: archive show "
                             f"{article.id} --version N)"))  # fmt: skip
    return "\n".join(out) + "\n"


def diff_text(d, style: Style) -> str:
    """A version diff as people read it: metadata field by field, then each changed paragraph,
    with removed words as [-…-] and added ones as {+…+} (coloured instead on a terminal)."""
    out = [style.bold(f"{d.article_id}: version {d.old_version} → version {d.new_version}")]
    if d.empty:
        out.append("no differences")
        return "\n".join(out) + "\n"
    for name, old, new in d.metadata:
        show = (lambda v: ", ".join(v) if isinstance(v, list) else (v if v else "(none)"))
        out.append(f"{name:<8}{style.red(show(old))} → {style.green(show(new))}")
    for c in d.paragraphs:
        if c.change == "changed":
            where = f"¶{c.old.n}" if c.old.n == c.new.n else f"¶{c.old.n} → ¶{c.new.n}"
            out.append("")
            out.append(style.bold(f"{where} changed ({c.new.kind})"))
            text = "".join(_word(op, t, style) for op, t in c.words)
            out.append(_wrap_marked(text, style))
        elif c.change == "removed":
            out.append("")
            out.append(style.bold(f"¶{c.old.n} removed ({c.old.kind})"))
            out.append(_wrap_marked(_word("-", c.old.text, style), style))
        else:
            out.append("")
            out.append(style.bold(f"¶{c.new.n} added ({c.new.kind})"))
            out.append(_wrap_marked(_word("+", c.new.text, style), style))
    counts = {k: sum(1 for c in d.paragraphs if c.change == k) for k in ("changed", "added", "removed")}
    out.append("")
    out.append(style.dim(", ".join(f"{n} paragraph{'s' if n != 1 else ''} {k}" for k, n in counts.items())
                         + f"; {d.unchanged} unchanged"))  # fmt: skip
    return "\n".join(out) + "\n"


def _word(op: str, text: str, style: Style) -> str:
    if op == "=":
        return text
    if style.color:
        return (style.red if op == "-" else style.green)(text)
    return f"[-{text}-]" if op == "-" else f"{{+{text}+}}"


def _wrap_marked(text: str, style: Style) -> str:
    if style.color:  # escape codes would count toward the width
        return "   " + " ".join(text.split())
    return wrap(text, style)


def ingest_total(counts: dict[str, int], paragraphs: int, seconds: float) -> str:
    parts = [f"{counts.get(k, 0):,} {k}" for k in ("added", "updated", "unchanged")]
    if counts.get("failed"):
        parts.append(f"{counts['failed']:,} failed")
    return f"{', '.join(parts)} ({paragraphs:,} paragraphs) in {seconds:.1f} s"
