"""mmlkd heads (registered on import)."""
