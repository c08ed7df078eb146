"""archive: a searchable archive of news articles with full-text indexing."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Archive", "Article", "Paragraph", "Hit", "SearchResult", "SearchOptions", "Metadata", "__version__"]


def __getattr__(name: str):  # lazy, so that `import archive` stays cheap for the CLI
    if name in ("Archive", "SearchOptions", "Metadata"):
        from . import archive as _a

        return getattr(_a, name)
    if name in ("Article", "Paragraph", "Hit", "SearchResult"):
        from . import model

        return getattr(model, name)
    raise AttributeError(name)
