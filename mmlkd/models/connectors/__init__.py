"""mmlkd connectors (registered on import)."""
