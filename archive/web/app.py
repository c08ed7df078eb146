"""The web application: routes, on the library (``Archive``), never on the command line.

One ``Archive`` serves every request (it is safe to search from several threads, and keeps
its searchers, store connections and the embedding model warm between requests); writes
from the page go through the same ingest as ``archive ingest``, one at a time, under the
archive's write lock. Every piece of article text is escaped by the templates; only the
archive's own ``<mark>`` in snippets is let through.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, Response, abort, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException, SecurityError

from ..errors import ArchiveError, NotFound, QueryError, ReadError
from ..render import dumps
from .params import BadParameter, SearchState
from ..timeline import timeline

if TYPE_CHECKING:
    from ..archive import Archive

HERE = Path(__file__).resolve().parent
PAGE_FACETS = ("source", "date", "kind", "tag", "lang")  # what the search page counts
FACET_LABELS = {"source": "Source", "date": "Month", "kind": "Kind", "tag": "Tag", "lang": "Language"}
FACET_SHOWN = 8  # values shown per facet before "more"
LIST_PAGE = 50  # articles per page of the overview
RELATED = 5
ADD_MAX_BYTES = 5 * 1024 * 1024  # what the add form may send
FETCH_TIMEOUT = 20.0  # seconds, for a URL given to the add form
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}  # fmt: skip

log = logging.getLogger("archive.web")


def create_app(archive: "Archive", *, read_only: bool = False, trusted_hosts: list[str] | None = None) -> Flask:
    """The web application for ``archive`` (kept open by the caller for as long as it serves).

    ``read_only``: no adding from the page. ``trusted_hosts``: the host names a request may
    address (the address the server listens on), so a page on another site cannot reach it
    through a name that resolves here (DNS rebinding); None accepts any."""
    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"),
                static_url_path="/static")  # fmt: skip
    app.config.update(TRUSTED_HOSTS=trusted_hosts, MAX_CONTENT_LENGTH=ADD_MAX_BYTES, JSON_AS_ASCII=False,
                      SEND_FILE_MAX_AGE_DEFAULT=3600)  # fmt: skip
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.jinja_env.filters.update(marked=marked, number=lambda n: f"{n:,}", web_address=web_address)
    token = secrets.token_urlsafe(32)  # the add form's: a page on another site cannot read it
    write_lock = threading.Lock()  # one write from the page at a time (the archive's lock guards other processes)
    room = Room(archive, read_only, token, write_lock)

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.context_processor
    def _globals() -> dict:
        return {"read_only": read_only, "csrf_token": token, "archive_name": archive.path.name or str(archive.path)}

    app.add_url_rule("/", "home", room.search)
    app.add_url_rule("/search", "search", room.search)
    app.add_url_rule("/a/<ref>", "article", room.article)
    app.add_url_rule("/about", "about", room.about)
    app.add_url_rule("/add", "add", room.add, methods=["GET", "POST"])
    app.add_url_rule("/api/search", "api_search", room.api_search)
    app.add_url_rule("/api/articles/<ref>", "api_article", room.api_article)

    @app.errorhandler(SecurityError)
    def _untrusted_host(e: SecurityError):  # (no page can be made for a host it does not serve)
        return Response(f"This server answers to {', '.join(trusted_hosts or [])} only.\n", status=400,
                        mimetype="text/plain")  # fmt: skip

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        return room.error(e.code or 500, e.description or e.name)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):  # a bug: the page says so, the server keeps serving
        log.exception("unexpected error on %s", request.path)
        try:
            return room.error(500, "something went wrong on the server (its log has the details)")
        except Exception:
            return Response("Something went wrong on the server.\n", status=500, mimetype="text/plain")

    return app


class Room:
    """The pages, as methods on one archive."""

    def __init__(self, archive: "Archive", read_only: bool, token: str, write_lock: threading.Lock) -> None:
        self.archive = archive
        self.read_only = read_only
        self.token = token
        self.write_lock = write_lock

    # -- search ---------------------------------------------------------------------------------

    def search(self):
        try:
            state = SearchState.from_args(request.args)
        except BadParameter as e:
            return self.error(400, str(e), state=SearchState(q=request.args.get("q", "")[:500]))
        partial = request.args.get("partial") == "1"  # the page's script asks for the results only
        if not state.q:
            if partial:
                return render_template("_results.html", state=state, result=None)
            return render_template("search.html", state=state, result=None, recent=self._recent(),
                                   stats=self.archive.stats())  # fmt: skip
        try:
            result = self.archive.search(state.q, state.options(PAGE_FACETS + ("day",)))
        except QueryError as e:
            return self.error(400, _problem(e), state=state, template="_results.html" if partial else None)
        facets = dict(result.facets or {})
        line = timeline(facets.pop("day", []))
        pages = max(1, math.ceil(result.total / state.n)) if result.total else 1
        context = {"state": state, "result": result, "facets": facets, "timeline": line, "pages": pages,
                   "labels": FACET_LABELS, "shown": FACET_SHOWN}  # fmt: skip
        return render_template("_results.html" if partial else "search.html", **context)

    def api_search(self):
        try:
            state = SearchState.from_args(request.args)
            if not state.q:
                raise BadParameter("q", "give a query, e.g. /api/search?q=superalignment")
            result = self.archive.search(state.q, state.options())
        except BadParameter as e:
            return _json_error(400, str(e))
        except QueryError as e:
            return _json_error(400, e.message, e.hint)
        return Response(dumps(result.to_dict(), pretty=False) + "\n", mimetype="application/json")

    # -- an article -----------------------------------------------------------------------------

    def article(self, ref: str):
        try:
            article = self.archive.get(ref)
        except NotFound as e:
            return self.error(404, _problem(e))
        if article.id != ref:  # a unique prefix: the page's own address is the full id
            return redirect(url_for("article", ref=article.id, **request.args), code=302)
        q = (request.args.get("q") or "").strip()
        marks = None
        if q:
            try:
                marks = self.archive.marks(article, q)
            except QueryError:
                marks = None  # a query that does not parse marks nothing here (the search said why)
        like = request.args.get("like", "")
        like_n = int(like) if like.isdigit() and any(p.n == int(like) for p in article.paragraphs) else None
        related = self._related(article.id, None)
        similar = self._related(article.id, like_n) if like_n else None
        return render_template("article.html", article=article, q=q, marks=marks, related=related,
                               similar=similar, like=like_n)  # fmt: skip

    def api_article(self, ref: str):
        try:
            article = self.archive.get(ref)
        except NotFound as e:
            return _json_error(404, e.message, e.hint)
        return Response(dumps(article.to_dict(), pretty=False) + "\n", mimetype="application/json")

    def _related(self, article_id: str, para: int | None):
        try:
            return self.archive.related(article_id, para, RELATED).hits
        except ArchiveError as e:  # the article is readable even when this is not
            log.warning("related to %s: %s", article_id, e.message)
            return []

    # -- the archive at a glance ---------------------------------------------------------------

    def about(self):
        try:
            state = SearchState.from_args({"page": request.args.get("page", "")})
        except BadParameter as e:
            return self.error(400, str(e))
        rows = self.archive.list("date")  # newest first, undated last
        pages = max(1, math.ceil(len(rows) / LIST_PAGE))
        if state.page > pages:
            return self.error(404, f"page: there are {pages} page{'s' if pages != 1 else ''} of articles")
        shown = rows[(state.page - 1) * LIST_PAGE : state.page * LIST_PAGE]
        return render_template("about.html", stats=self.archive.stats(), rows=shown, page=state.page,
                               pages=pages, total=len(rows))  # fmt: skip

    def _recent(self) -> list:
        return self.archive.list("date")[:8]

    # -- adding articles ------------------------------------------------------------------------

    def add(self):
        if request.method == "GET":
            return render_template("add.html", form={}, outcomes=None)
        if self.read_only:
            abort(403, description="this archive is served read-only: adding is turned off")
        self._check_same_origin()
        form = {k: (request.form.get(k) or "").strip() for k in ("url", "text", "title", "source", "date", "tags")}
        if not form["url"] and not form["text"]:
            return self.error(400, "give the address of an article, or paste its text", template="add.html",
                              form=form, outcomes=None)  # fmt: skip
        from ..ingest import Metadata

        tags = [t for t in form["tags"].replace(";", ",").split(",") if t.strip()]
        try:
            if form["text"]:
                meta = Metadata(title=form["title"] or None, source=form["source"] or None, date=form["date"] or None,
                                url=form["url"] or None, tags=tags)  # fmt: skip
                items = lambda: self.archive.ingest_inputs(["-"], meta, stdin=form["text"].encode("utf-8"), fmt="text")  # noqa: E731
            else:
                meta = Metadata(title=form["title"] or None, source=form["source"] or None, date=form["date"] or None,
                                tags=tags)  # fmt: skip
                items = lambda: self.archive.ingest_inputs([form["url"]], meta, timeout=FETCH_TIMEOUT)  # noqa: E731
            with self.write_lock:
                outcomes = list(items())
        except ArchiveError as e:
            code = 400 if isinstance(e, (QueryError, ReadError)) else 503
            return self.error(code, _problem(e), template="add.html", form=form, outcomes=None)
        failed = [o for o in outcomes if isinstance(o, ReadError)]
        status = 400 if failed and len(failed) == len(outcomes) else 200
        return render_template("add.html", form={} if status == 200 else form, outcomes=outcomes), status

    def _check_same_origin(self) -> None:
        """Only the page itself may write: the form's token, and (when the browser says where
        the request comes from) the same origin."""
        if not secrets.compare_digest(request.form.get("token", ""), self.token):
            abort(403, description="the form has expired or came from another site: reload the page and try again")
        origin = request.headers.get("Origin")
        if origin and origin != "null" and origin.rstrip("/") != request.host_url.rstrip("/"):
            abort(403, description="a page on another site cannot add to this archive")

    # -- errors -----------------------------------------------------------------------------------

    def error(self, status: int, message: str, state: SearchState | None = None, template: str | None = None,
              **context):  # fmt: skip
        if request.path.startswith("/api/"):
            return _json_error(status, message)
        return render_template(template or "error.html", status=status, message=message,
                               state=state or SearchState(), result=None, **context), status  # fmt: skip


def marked(segments) -> Markup:
    """A text as (text, matched) segments, escaped, with the matches in <mark>."""
    return Markup("".join(f"<mark>{escape(t)}</mark>" if m else str(escape(t)) for t, m in segments))


def web_address(url: str | None) -> str | None:
    """``url`` if it is a web address (http or https), else None: an article's own url is
    linked only when following it cannot run anything (``javascript:``, ``data:``)."""
    if not url:
        return None
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _problem(e: ArchiveError) -> str:
    return e.message + (f" ({e.hint})" if getattr(e, "hint", None) else "")


def _json_error(status: int, message: str, hint: str | None = None) -> Response:
    body = {"error": message}
    if hint:
        body["hint"] = hint
    return Response(dumps(body) + "\n", status=status, mimetype="application/json")
