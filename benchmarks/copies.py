"""A judged set for recognising copies (issue 17), made reproducibly from real news, and what
the archive makes of it: precision and recall of "is a copy", and what it costs an ingest.

    python benchmarks/copies.py                 # the judged set through the archive (Whoosh)
    python benchmarks/copies.py --tune          # the similarity of every judged pair, by rule
    python benchmarks/copies.py --cost 100000   # ingest time with and without copy detection

The set (seeded, so every run makes the same one):
- originals: BBC News articles (2004-2005, four paragraphs or more) and Reuters stories (1987,
  three paragraphs or more), each dated;
- copies, two of each original, as republishers make them: the headline rewritten, the last
  paragraphs cut or swapped, a site's boilerplate added before and after, sentences edited (a
  word changed, a sentence dropped), paragraphs rejoined;
- hard negatives: other stories of the same topic from the same day (Reuters: the same topic
  code and date, among them the formulaic earnings reports that share most of their words) and
  of the same section (BBC), which must not be called copies.

A copy is recognised when it is recorded as a copy in the original's group; a false alarm is
any article recorded as a copy of a group it does not belong to.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
CORPORA = ROOT.parent / "shared" / "corpora"

BOILERPLATE_BEFORE = [
    "Advertisement",
    "Sign up for our morning newsletter and get the day's top stories in your inbox.",
    "This article was first published by a news agency and is republished with permission.",
    "Listen to this article",
]
BOILERPLATE_AFTER = [
    "Copyright 2005 The Associated Press. All rights reserved. This material may not be published, broadcast, "
    "rewritten or redistributed.",
    "Read more: Follow us on social media for the latest updates.",
    "Have a news tip? Contact our newsroom.",
    "Related: More stories from our business desk",
]
HEADLINE_PREFIXES = ["UPDATE 1-", "WRAPUP: ", "Report: ", "", "BREAKING: "]
EDITS = [("said", "says"), ("percent", "%"), ("will", "would"), ("company", "firm"), ("US", "U.S."),
         ("government", "administration"), ("million", "mln")]  # fmt: skip


def _articles(name: str) -> list[dict]:
    with gzip.open(CORPORA / name / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _words(d: dict) -> int:
    return sum(len(p.split()) for p in d["paragraphs"])


def _unique(docs: list[dict]) -> list[dict]:
    """The corpus less its own duplicates (both corpora hold stories filed twice: the same
    headline, or the same first paragraph), which would be copies, not negatives."""
    seen: dict[str, int] = defaultdict(int)
    for d in docs:
        seen["t:" + _title(d)] += 1
        seen["p:" + " ".join(d["paragraphs"][0].casefold().split())] += 1
    return [d for d in docs if seen["t:" + _title(d)] == 1
            and seen["p:" + " ".join(d["paragraphs"][0].casefold().split())] == 1]


def _title(d: dict) -> str:
    return " ".join(re.sub(r"<[^>]*>", " ", d["title"]).casefold().split())


def _edit_sentences(paragraphs: list[str], rng: random.Random) -> list[str]:
    out = []
    for p in paragraphs:
        for a, b in rng.sample(EDITS, 2):
            p = re.sub(rf"\b{re.escape(a)}\b", b, p, count=1)
        sentences = re.split(r"(?<=[.!?])\s+", p)
        if len(sentences) > 3 and rng.random() < 0.3:  # drop one sentence
            del sentences[rng.randrange(1, len(sentences))]
        out.append(" ".join(sentences))
    return out


def make_copy(original: dict, rng: random.Random, variant: int) -> dict:
    """A republished copy of ``original``: each variant a different mix of what sites do."""
    paras = list(original["paragraphs"])
    title = original["title"]
    if variant % 2 == 0:
        title = rng.choice(HEADLINE_PREFIXES) + " ".join(reversed(title.split(" ", 1))) if " " in title else title
    else:
        title = title.upper() if original["source"] == "BBC News" else title.title()
    keep = len(paras) - (rng.randint(1, max(1, len(paras) // 3)) if len(paras) > 3 else 0)
    paras = paras[:keep]
    if len(paras) > 3 and rng.random() < 0.5:  # the last two swapped
        paras[-1], paras[-2] = paras[-2], paras[-1]
    paras = _edit_sentences(paras, rng)
    if rng.random() < 0.5 and len(paras) > 2:  # two paragraphs rejoined
        i = rng.randrange(0, len(paras) - 1)
        paras[i:i + 2] = [paras[i] + " " + paras[i + 1]]
    paras = rng.sample(BOILERPLATE_BEFORE, rng.randint(0, 2)) + paras + rng.sample(BOILERPLATE_AFTER, rng.randint(1, 2))
    date = original["date"]
    sites = ["Yahoo News", "MSN", "Seoul Economic Daily", "The Independent", "Daily Mail", "Business Insider"]
    return {"title": title, "paragraphs": paras, "date": date, "source": rng.choice(sites),
            "url": f"https://site{variant}.example/{original['id']}"}  # fmt: skip


def judged_set(n: int = 300, seed: int = 17) -> tuple[list[dict], dict[str, str], list[tuple[str, str]]]:
    """(records, copy -> its original, hard-negative pairs). Records are JSON article records
    with ids, in an order that puts copies before their original now and then."""
    rng = random.Random(seed)
    bbc = _unique([d for d in _articles("bbc-news") if len(d["paragraphs"]) >= 4 and _words(d) >= 150])
    reuters = _unique([d for d in _articles("reuters21578") if d.get("date") and len(d["paragraphs"]) >= 3
                       and _words(d) >= 80])  # fmt: skip
    # BBC has no dates: a day for each, so that "the same day" means something there too
    days = [f"2005-0{m}-{d:02d}" for m in (1, 2, 3) for d in range(1, 29)]
    for d in bbc:
        d["date"] = rng.choice(days)
    originals = rng.sample(bbc, n // 2) + rng.sample(reuters, n // 2)
    records: list[dict] = []
    copy_of: dict[str, str] = {}
    chosen = set()
    for i, d in enumerate(originals):
        oid = f"orig-{i}"
        chosen.add(d["_id"] + d["source"])
        rec = {"id": oid, "title": d["title"], "paragraphs": d["paragraphs"], "date": (d["date"] or "")[:10],
               "source": d["source"], "url": f"https://{d['source'].split()[0].lower()}.example/{d['_id']}"}
        records.append(rec)
        for v in range(2):
            c = make_copy({**rec, "date": rec["date"]}, rng, v)
            c["id"] = f"copy-{i}-{v}"
            records.append(c)
            copy_of[c["id"]] = oid
    # hard negatives: same topic and day (Reuters), same section (BBC), not chosen already
    by_day_topic: dict[tuple, list[dict]] = defaultdict(list)
    for d in reuters:
        for t in d.get("topics") or ["none"]:
            by_day_topic[(d["date"][:10], t)].append(d)
    by_section: dict[str, list[dict]] = defaultdict(list)
    for d in bbc:
        by_section[d["category"]].append(d)
    negatives: list[tuple[str, str]] = []
    seen_text = {" ".join(r["paragraphs"]) for r in records}
    for i, d in enumerate(originals):
        pool = ([x for t in (d.get("topics") or ["none"]) for x in by_day_topic[(d["date"][:10], t)]]
                if d["source"] == "Reuters" else by_section[d["category"]])  # fmt: skip
        pool = [x for x in pool if x["_id"] + x["source"] not in chosen and " ".join(x["paragraphs"]) not in seen_text
                and _title(x) != _title(d)]  # (the same headline on the same day: the wire refiled it, a copy)
        for x in rng.sample(pool, min(2, len(pool))):
            nid = f"neg-{i}-{x['_id']}".replace("/", "-")
            chosen.add(x["_id"] + x["source"])
            seen_text.add(" ".join(x["paragraphs"]))
            records.append({"id": nid, "title": x["title"], "paragraphs": x["paragraphs"],
                            "date": (x["date"] or d["date"])[:10], "source": x["source"],
                            "url": f"https://{x['source'].split()[0].lower()}.example/{x['_id']}"})  # fmt: skip
            negatives.append((nid, f"orig-{i}"))
    rng.shuffle(records)
    return records, copy_of, negatives


def _article(rec: dict):
    from archive.model import Article, Paragraph

    paras = [Paragraph(1, "title", rec["title"])] + [Paragraph(i, "body", t) for i, t in enumerate(rec["paragraphs"], 2)]
    return Article(rec["title"], paras, source=rec["source"], date=rec["date"], url=rec["url"], id=rec["id"])


def tune(records, copy_of, negatives) -> None:
    """The Jaccard similarity of every judged pair under each shingle size: where a threshold can go."""
    from archive import copies

    by_id = {r["id"]: r for r in records}
    for size in (3, 4, 5):
        copies.SHINGLE = size
        sh = {r["id"]: copies.shingles(copies.body_text(_article(r))) for r in records}
        pos = sorted(copies.jaccard(sh[c], sh[o]) for c, o in copy_of.items())
        neg = sorted(copies.jaccard(sh[a], sh[b]) for a, b in negatives)
        print(f"shingle {size}: copies min {pos[0]:.3f} p1 {pos[len(pos) // 100]:.3f} p5 {pos[len(pos) // 20]:.3f} "
              f"median {statistics.median(pos):.3f} | negatives max {neg[-1]:.3f} p99 {neg[-len(neg) // 100 - 1]:.3f} "
              f"median {statistics.median(neg):.3f}  ({len(pos)} copies, {len(neg)} negatives)")  # fmt: skip
        worst = sorted(((copies.jaccard(sh[a], sh[b]), a, b) for a, b in negatives), reverse=True)[:3]
        print("   most similar negatives:", [(round(j, 3), by_id[a]["title"][:40], by_id[b]["title"][:40]) for j, a, b in worst])


def evaluate(records, copy_of, negatives, engine: str = "whoosh") -> dict:
    """Ingest the set into a fresh archive and score what it recorded."""
    from archive.archive import Archive, ArchiveOptions

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        with Archive.open(Path(tmp) / "ix", create=True, options=ArchiveOptions(embed_on_ingest=False)) as ar:
            list(ar.ingest(_article(r) for r in records))
            took = time.perf_counter() - started
            groups = ar.copy_groups()
    found = {c.article_id: g.original.article_id for g in groups for c in g.copies}
    by_id = {r["id"]: r for r in records}
    truth = {r["id"]: copy_of.get(r["id"], r["id"]) for r in records}  # each article's true original

    def group_of(i: str) -> str:
        return found.get(i, i)

    # a copy is recognised when it shares a recorded group with its original; a recorded copy is
    # right when the group it was put in is its own story's
    recognised = sum(1 for c, o in copy_of.items() if group_of(c) == group_of(o) and (c in found or o in found))
    false = sorted(a for a, o in found.items() if truth[a] != truth[o])
    titles = {a: f"{by_id[a]['title'][:50]!r} under {by_id[found[a]]['title'][:50]!r}" for a in false}
    precision = (len(found) - len(false)) / len(found) if found else 1.0
    recall = recognised / len(copy_of)
    return {"articles": len(records), "copies": len(copy_of), "negatives": len(negatives),
            "recorded": len(found), "false": false, "titles": titles, "precision": precision, "recall": recall,
            "seconds": took}  # fmt: skip


INGEST = """
import sys, time
from archive.archive import Archive, ArchiveOptions
if sys.argv[3] == "without":  # the archive as it was before copies: nothing recorded, nothing compared
    import archive.copies as c
    c.Copies.place = lambda self, article, new=False: None
    c.Copies.forget = lambda self, article_id, keep_bands=False: None
t, cpu = time.perf_counter(), time.process_time()
with Archive.open(sys.argv[1], create=True, options=ArchiveOptions(embed_on_ingest=False)) as ar:
    list(ar.ingest_inputs([sys.argv[2]]))
print(time.perf_counter() - t, time.process_time() - cpu)
"""


def cost(size: int, rounds: int) -> None:
    """Ingest ``size`` Reuters paragraphs (perf.py's corpus) with and without recognising
    copies, alternating, each in a fresh process; then the same searches on both archives."""
    import subprocess

    from perf import all_queries, build_corpus, pct, timed

    env = {**__import__("os").environ, "ARCHIVE_SEMANTIC": "off"}
    took: dict[str, list[float]] = {"without": [], "with": []}
    cpu: dict[str, list[float]] = {"without": [], "with": []}  # (the process's own CPU time: less of the machine's noise)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        n_articles, _, docs = build_corpus(size, corpus)
        for r in range(rounds):
            for mode in took:
                ix = Path(tmp) / f"ix-{mode}-{r}"
                out = subprocess.run([sys.executable, "-c", INGEST, str(ix), str(corpus), mode], env=env,
                                     check=True, capture_output=True, text=True, cwd=ROOT).stdout  # fmt: skip
                wall, used = map(float, out.strip().splitlines()[-1].split())
                took[mode].append(wall)
                cpu[mode].append(used)
                print(f"round {r + 1}: {mode} copies: {wall:.1f} s ({used:.1f} s CPU)", flush=True)
        from archive.archive import Archive, SearchOptions

        lat: dict[str, list[float]] = {}
        groups = 0
        with Archive.open(Path(tmp) / "ix-without-0") as plain, Archive.open(Path(tmp) / "ix-with-0") as folded:
            groups = len(folded.copy_groups())
            copies = sum(len(g.copies) for g in folded.copy_groups())
            opts = SearchOptions(limit=10, suggest=False)
            for _ in range(2):  # alternating, twice
                lat.setdefault("before", []).extend(timed(lambda q: plain.search(q, opts), all_queries()))
                lat.setdefault("after", []).extend(timed(lambda q: folded.search(q, opts), all_queries()))
    w, wo = statistics.median(took["with"]), statistics.median(took["without"])
    b, a = lat["before"], lat["after"]
    print(f"\n{len(docs):,} paragraphs ({n_articles:,} articles), {rounds} ingests each, alternating:")
    print(f"ingest median: {wo:.1f} s without recognising copies, {w:.1f} s with ({w / wo:.3f}x)")
    cw, cwo = statistics.median(cpu["with"]), statistics.median(cpu["without"])
    print(f"ingest CPU time, median: {cwo:.1f} s without, {cw:.1f} s with ({cw / cwo:.3f}x); per round: "
          + ", ".join(f"{a / b:.2f}" for a, b in zip(took["with"], took["without"])) + " (wall)")
    print(f"copies found: {copies} in {groups} groups")
    print(f"search (10 hits with snippets, {len(all_queries())} queries x 3 x 2): median {statistics.median(b):.2f} ms "
          f"without copies, {statistics.median(a):.2f} ms with them folded ({statistics.median(a) / statistics.median(b):.3f}x);"
          f" p90 {pct(b, 0.9):.2f} / {pct(a, 0.9):.2f} ms")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--originals", type=int, default=300)
    ap.add_argument("--tune", action="store_true", help="print the similarity of the judged pairs by shingle size")
    ap.add_argument("--cost", type=int, metavar="PARAGRAPHS", help="ingest and search cost at this size")
    ap.add_argument("--rounds", type=int, default=2, help="--cost: ingests of each kind")
    args = ap.parse_args()
    if args.cost:
        sys.path.insert(0, str(HERE))
        cost(args.cost, args.rounds)
        return
    records, copy_of, negatives = judged_set(args.originals)
    if args.tune:
        tune(records, copy_of, negatives)
        return
    r = evaluate(records, copy_of, negatives)
    print(f"{r['articles']} articles ({args.originals} originals, {r['copies']} copies, {r['negatives']} hard negatives): "
          f"precision {r['precision']:.3f}, recall {r['recall']:.3f}; {r['recorded']} recorded as copies; "
          f"ingest {r['seconds']:.1f} s")  # fmt: skip
    for a in r["false"]:
        print("  recorded as a copy of another story:", a, "--", r["titles"][a])


if __name__ == "__main__":
    main()
