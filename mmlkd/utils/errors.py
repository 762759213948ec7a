"""The errors mmlkd raises for a wrong config, checkpoint or file.

One home for them, so every module can raise them without importing the
module that checks something else (which would make import circles).
"""


class ConfigError(ValueError):
    """A config field is wrong; the message names the field."""


class CheckpointError(ConfigError):
    """A checkpoint cannot be used; the message names the file and why."""


__all__ = ['CheckpointError', 'ConfigError']
