from . import algorithms, connectors, heads, losses, recorders  # noqa: F401
