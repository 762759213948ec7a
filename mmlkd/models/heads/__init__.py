"""mmlkd heads (registered on import)."""
from .ml_decoder_head import MLDecoderHead

__all__ = ['MLDecoderHead']
