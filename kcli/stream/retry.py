"""Retry with back-off, Spring's RetryTemplate as the binder configures it from consumer properties.

``max-attempts`` counts the first attempt (1 turns retrying off); the wait before attempt ``n+1`` is
``back-off-initial-interval × back-off-multiplier^(n-1)`` ms, capped at ``back-off-max-interval``.
An exception is retried when ``retryable-exceptions.<name>`` says true for its class or the nearest
class it derives from (the name as Python prints it, ``ValueError``, or qualified, ``builtins.ValueError``),
else when ``default-retryable`` is true.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class RetryPolicy:
    max_attempts: int = 3
    initial_interval_ms: float = 1000
    multiplier: float = 2.0
    max_interval_ms: float = 10000
    default_retryable: bool = True
    retryable_exceptions: dict[str, bool] = field(default_factory=dict)

    def delay_ms(self, attempt: int) -> float:
        """The wait after failed attempt ``attempt`` (1-based) before the next one."""
        return min(self.initial_interval_ms * self.multiplier ** (attempt - 1), self.max_interval_ms)

    def retryable(self, exc: BaseException) -> bool:
        for cls in type(exc).__mro__:
            for name in (cls.__name__, f"{cls.__module__}.{cls.__qualname__}"):
                if name in self.retryable_exceptions:
                    return self.retryable_exceptions[name]
        return self.default_retryable

    def run(self, attempt_once: Callable[[], object], wait: Callable[[float], bool]):
        """``attempt_once()``'s result; the last exception when attempts run out or it is not retryable.
        ``wait(seconds)`` sleeps between attempts and returns True when the runner is stopping: the
        exception is then raised as is, and the message is left unacknowledged for redelivery."""
        attempt = 1
        while True:
            try:
                return attempt_once()
            except Exception as exc:
                if attempt >= self.max_attempts or not self.retryable(exc):
                    raise
                if wait(self.delay_ms(attempt) / 1000.0):
                    raise Stopping() from exc
                attempt += 1


class Stopping(Exception):
    """The runner stopped between attempts: the message stays unacknowledged and is delivered again."""
