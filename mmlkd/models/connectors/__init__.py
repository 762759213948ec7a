"""mmlkd connectors (registered on import)."""
from .cam_connector import CAMConnector
from .embedding_projection_connector import EmbeddingProjectionConnector
from .label_embedding_connector import LabelEmbeddingConnector

__all__ = [
    'CAMConnector', 'EmbeddingProjectionConnector', 'LabelEmbeddingConnector'
]
