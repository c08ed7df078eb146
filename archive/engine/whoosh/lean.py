"""Importing Whoosh without what it pulls in and never uses here (measured, see
benchmarks/RESULTS.md). Importing this module does it; every module of this package that imports
Whoosh imports this first.
"""

from __future__ import annotations

import importlib
import sys
import types


def _stand_in(module: str, *names: str) -> types.ModuleType:
    """A module whose functions ``names`` import the real ``module`` when first called."""
    stub = types.ModuleType(module)

    def deferred(name: str):
        def call(*args, **kwargs):
            if sys.modules.get(module) is stub:
                del sys.modules[module]
            return getattr(importlib.import_module(module), name)(*args, **kwargs)

        call.__name__ = name
        return call

    for name in names:
        setattr(stub, name, deferred(name))
    return stub


def _lean_whoosh_import() -> None:
    """Import Whoosh without what it pulls in and never uses here (measured, see RESULTS.md):
    ``whoosh.compat`` imports ``urllib.request`` (http, email, ssl) for a download helper,
    ``whoosh.reading`` imports the ``cached_property`` package, which imports asyncio, and
    ``whoosh.query`` and ``whoosh.analysis`` import the English morphology tables and the
    Porter stemmer (30 ms of regular expressions to compile) for queries and filters the
    archive does not use. All are served by stand-ins during the import only (a stand-in's
    function imports the real module if it is ever called); later imports get the real ones."""
    if "whoosh.compat" in sys.modules:
        return
    import functools

    shim = types.ModuleType("cached_property")
    shim.cached_property = functools.cached_property  # type: ignore[attr-defined]
    stand_ins = {
        "cached_property": shim,
        "urllib.request": _stand_in("urllib.request", "urlretrieve"),
        "whoosh.lang.morph_en": _stand_in("whoosh.lang.morph_en", "variations"),
        "whoosh.lang.porter": _stand_in("whoosh.lang.porter", "stem"),
    }
    added = [name for name in stand_ins if name not in sys.modules]
    for name in added:
        sys.modules[name] = stand_ins[name]
    try:
        import whoosh.analysis  # noqa: F401
        import whoosh.compat  # noqa: F401
        import whoosh.query  # noqa: F401
        import whoosh.reading  # noqa: F401
    finally:
        for name in added:
            if sys.modules.get(name) is stand_ins[name]:
                del sys.modules[name]


_lean_whoosh_import()
