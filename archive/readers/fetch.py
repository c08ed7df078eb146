"""Fetching an article or a feed from a URL: a timeout, a size limit, redirects followed,
the page's charset honoured, and one clear message for whatever goes wrong."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from ..errors import ReadError

USER_AGENT = "archive/0.1 (+https://pypi.org/project/archive/; a personal news archive)"
DEFAULT_TIMEOUT = 20.0


@dataclass
class Fetched:
    """A page as fetched: its bytes, content type and final address."""

    url: str  # after redirects
    data: bytes
    content_type: str
    charset: str | None


def fetch(url: str, max_bytes: int, timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    """The page at ``url``, all of it within ``timeout`` seconds (connecting, redirects, headers
    and body together: a server that sends a byte now and then cannot hold the caller)."""
    import threading

    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises for a bad port)
    except ValueError as e:
        raise ReadError(url, f"not a valid URL ({e})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ReadError(url, f"unsupported URL scheme {parts.scheme.lower()!r} (use http or https)")
    if not parts.hostname:
        raise ReadError(url, "not a valid URL (no host name)")
    box: dict = {}
    deadline = time.monotonic() + timeout

    def work() -> None:
        try:
            box["page"] = _fetch(url, max_bytes, timeout, deadline)
        except BaseException as e:  # handed to the caller
            box["error"] = e

    worker = threading.Thread(target=work, name="archive-fetch", daemon=True)
    worker.start()
    worker.join(timeout + 0.5)
    if worker.is_alive():  # the daemon thread is abandoned; its socket times out on its own
        raise ReadError(url, f"timed out after {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return box["page"]


def _fetch(url: str, max_bytes: int, timeout: float, deadline: float) -> Fetched:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.5"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ReadError(url, f"page is {int(length):,} bytes, over the {max_bytes:,}-byte limit")
            chunks: list[bytes] = []
            size = 0
            while True:  # read1: what has arrived, so the deadline is checked as bytes trickle in
                if time.monotonic() > deadline:
                    raise ReadError(url, f"timed out after {timeout:g} s")
                chunk = response.read1(64 * 1024)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    raise ReadError(url, f"page is over the {max_bytes:,}-byte limit")
            data = b"".join(chunks)
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            final = response.geturl()
    except urllib.error.HTTPError as e:
        if e.code in (301, 302, 303, 307, 308):  # urllib gave up following them
            raise ReadError(url, f"too many redirects (HTTP {e.code}; a redirect loop?)") from None
        raise ReadError(url, f"HTTP {e.code} {' '.join(str(e.reason).split())}") from None
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, socket.gaierror):
            raise ReadError(url, "cannot resolve the host name (DNS)") from None
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise ReadError(url, f"timed out after {timeout:g} s") from None
        if isinstance(reason, ConnectionRefusedError):
            raise ReadError(url, "connection refused") from None
        raise ReadError(url, f"cannot fetch ({' '.join(str(reason).split())})") from None
    except (socket.timeout, TimeoutError):
        raise ReadError(url, f"timed out after {timeout:g} s") from None
    except ValueError as e:
        raise ReadError(url, f"not a valid URL ({e})") from None
    except OSError as e:
        raise ReadError(url, f"cannot fetch ({e.strerror or e})") from None
    if not data.strip():
        raise ReadError(url, "the page is empty")
    return Fetched(final, data, content_type, charset)
