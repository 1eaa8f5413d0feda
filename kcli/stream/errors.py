"""StreamError: a configuration or connection problem ``kcli stream`` reports in one line."""

from __future__ import annotations


class StreamError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
