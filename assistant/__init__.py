"""Composition root: settings, the service factory and the command line."""

__version__ = "0.1.0"
