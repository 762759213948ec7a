"""mmlkd algorithms (registered on import)."""
