"""Fetching an article or a feed from a URL: a timeout, a size limit, redirects followed,
the page's charset honoured, and one clear message for whatever goes wrong."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from ..errors import ReadError

USER_AGENT = "archive/0.1 (+https://pypi.org/project/archive/; a personal news archive)"
DEFAULT_TIMEOUT = 20.0


@dataclass
class Fetched:
    url: str  # after redirects
    data: bytes
    content_type: str
    charset: str | None


def fetch(url: str, max_bytes: int, timeout: float = DEFAULT_TIMEOUT) -> Fetched:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,application/xml;q=0.9,*/*;q=0.5"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ReadError(url, f"page is {int(length):,} bytes, over the {max_bytes:,}-byte limit")
            data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise ReadError(url, f"page is over the {max_bytes:,}-byte limit")
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            final = response.geturl()
    except urllib.error.HTTPError as e:
        raise ReadError(url, f"HTTP {e.code} {e.reason}") from None
    except urllib.error.URLError as e:
        reason = e.reason
        if isinstance(reason, socket.gaierror):
            raise ReadError(url, "cannot resolve the host name (DNS)") from None
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise ReadError(url, f"timed out after {timeout:g} s") from None
        if isinstance(reason, ConnectionRefusedError):
            raise ReadError(url, "connection refused") from None
        raise ReadError(url, f"cannot fetch ({reason})") from None
    except (socket.timeout, TimeoutError):
        raise ReadError(url, f"timed out after {timeout:g} s") from None
    except ValueError as e:
        raise ReadError(url, f"not a valid URL ({e})") from None
    except OSError as e:
        raise ReadError(url, f"cannot fetch ({e.strerror or e})") from None
    if not data.strip():
        raise ReadError(url, "the page is empty")
    return Fetched(final, data, content_type, charset)
