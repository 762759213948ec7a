__all__ = [
    '__version__', 'compat', 'datasets', 'engine', 'evaluation', 'models'
]
