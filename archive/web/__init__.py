"""The archive's web page: a reading room in the browser, on the same library as the command
line (``archive serve``).

``create_app(archive)`` gives the WSGI application (Flask, Jinja2 templates, the page's own
CSS and JavaScript shipped in the package: nothing is loaded from another host);
``server.serve`` runs it on waitress. The pages: search (``/``, ``/search``), an article
(``/a/ID``), the archive at a glance (``/about``), adding articles (``/add``), and a JSON API
beside them (``/api/search``, ``/api/articles/ID``) that answers exactly what
``archive search --format json`` and ``archive show --format json`` print.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
