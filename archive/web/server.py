"""Serving the page: waitress (a production WSGI server, threads, no C compiler needed) on the
address asked for, until interrupted."""

from __future__ import annotations

import errno
import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ..errors import ArchiveError

if TYPE_CHECKING:
    from ..archive import Archive

THREADS = 8  # requests served at once (searches run in parallel; the archive is thread-safe)
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]


@dataclass(frozen=True)
class Address:
    """Where the server listens."""

    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def trusted_hosts(host: str) -> list[str] | None:
    """The host names a request may address: this machine's names when serving on a loopback
    address (a page elsewhere cannot reach the server through a name of its own that resolves
    here); the address itself when serving on one; any when serving on every address."""
    if is_loopback(host):
        return sorted(set(LOOPBACK_NAMES + [host]))
    if host in ("0.0.0.0", "::", ""):
        return None
    return [host, f"[{host}]"] if ":" in host else [host]


def make_server(archive: "Archive", host: str = "127.0.0.1", port: int = 8000, read_only: bool = False,
                threads: int = THREADS):  # fmt: skip
    """A bound server for ``archive`` (``port`` 0: a free one), and its address."""
    import logging

    from waitress.server import create_server

    from .app import create_app

    # "Task queue depth is N" each time every thread is busy: routine with several tabs open.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)

    app = create_app(archive, read_only=read_only, trusted_hosts=trusted_hosts(host))
    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="archive",
                               clear_untrusted_proxy_headers=True)  # fmt: skip
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            raise ArchiveError(f"port {port} on {host} is in use by another program",
                               hint="pick another port, or 0 for any free one", setting="port") from None
        if e.errno in (errno.EADDRNOTAVAIL, errno.EACCES):
            raise ArchiveError(f"cannot listen on {host}:{port} ({e.strerror})", setting="host") from None
        raise ArchiveError(f"cannot listen on {host}:{port} ({e.strerror or e})", setting="host") from None
    bound_port = getattr(server, "effective_port", port)
    return server, Address(host, int(bound_port))


class Interrupted(KeyboardInterrupt):
    """Ctrl-C's or SIGTERM's signal, raised in the main thread by :func:`serve`'s handler."""


def _interrupt(signum, frame) -> None:
    # Raise, and take no lock: a handler runs between two bytecodes of the main thread, which
    # may be holding any lock at that moment (setting a threading.Event here deadlocked when
    # the signal came while the main thread was inside that event's wait).
    raise Interrupted()


def _ignore(signum, frame) -> None:
    pass


def serve(server, on_ready: Callable[[], None] | None = None, on_stop: Callable[[], None] | None = None,
          poll: float = 0.5) -> None:  # fmt: skip
    """Serve until interrupted (Ctrl-C or SIGTERM), then stop: the server's loop runs in a thread
    of its own, so the interrupt always reaches this one (waitress's request handling catches
    every exception, and one arriving there would be swallowed), and in-flight requests get a
    few seconds to finish. ``on_ready`` is called once an interrupt would stop it cleanly (say
    the address then), ``on_stop`` when it has stopped."""
    import signal
    import threading
    import time

    loop = threading.Thread(target=server.run, name="archive-serve", daemon=True)
    previous = {}
    try:
        if threading.current_thread() is threading.main_thread():
            # Both by hand: a process started in the background has SIGINT ignored, and then
            # Python never raises KeyboardInterrupt (the server would not stop on Ctrl-C's signal).
            for sig in (signal.SIGINT, signal.SIGTERM):
                previous[sig] = signal.signal(sig, _interrupt)
        loop.start()
        if on_ready is not None:
            on_ready()
        while loop.is_alive():
            time.sleep(poll)
    except KeyboardInterrupt:
        pass
    finally:
        for sig in previous:  # (a second signal while stopping does not cut the stopping short)
            signal.signal(sig, _ignore)
        server.close()
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        loop.join(timeout=2)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if on_stop is not None:
            on_stop()
