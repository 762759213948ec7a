"""Helpers shared by the tools: config checks and launch set-up."""
from .config_checks import ConfigError, check_config

__all__ = ['ConfigError', 'check_config']
