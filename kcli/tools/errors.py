"""ToolError: a failure a tool reports to the user, worded as Kafka's tools word it."""

from __future__ import annotations


class ToolError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    @classmethod
    def unreachable(cls, bootstrap: str) -> "ToolError":
        """A server that accepts connections but never answered as a Kafka broker within the tool's timeout."""
        return cls(f"Timed out waiting for the broker at {bootstrap} to answer")


def reason(exc: BaseException) -> str:
    """A client exception as one line: its class name, then its text unless the text already names it."""
    name = type(exc).__name__
    text = str(exc)
    return f"{name}: {text}" if text and name not in text else (text or name)
