from . import algorithms, connectors, heads, losses  # noqa: F401
