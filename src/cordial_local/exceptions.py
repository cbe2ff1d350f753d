"""Errors of the command-line tools."""

from __future__ import annotations


class UsageError(Exception):
    """A problem with the command line or its files, shown without a traceback."""
