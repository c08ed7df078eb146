"""Search engines behind the archive. ``base`` is the interface; each engine is one module."""
