"""ToolError: a failure a tool reports to the user, worded as Kafka's tools word it."""

from __future__ import annotations


class ToolError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    @classmethod
    def unreachable(cls, bootstrap: str) -> "ToolError":
        """No broker answered: Kafka's NetworkClient warning, said once instead of every second."""
        return cls(f"Connection to node -1 ({bootstrap}) could not be established. Node may not be available.")
