"""mmlkd connectors (registered on import)."""
from .cam_connector import CAMConnector

__all__ = ['CAMConnector']
