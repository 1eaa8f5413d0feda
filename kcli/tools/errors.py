"""ToolError: a failure a tool reports to the user, worded as Kafka's tools word it."""


class ToolError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
