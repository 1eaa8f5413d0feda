"""One message through one function: conversion in, the function with retries, conversion and partition out.

Shared by the runner (real binders, worker threads) and the test binder (in memory, synchronous). The
incoming headers go on to the outputs, less the ones that describe the incoming message itself
(``contentType``, ``scst_partition``, dead-letter headers); a function returning a ``Message`` adds its own.
"""

from __future__ import annotations

import inspect
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kcli.stream import conversion
from kcli.stream.bindings import Binding
from kcli.stream.partitioning import PARTITION_HEADER, KeyExpression, select_partition

log = logging.getLogger("kcli.stream")

_NOT_PROPAGATED = (conversion.CONTENT_TYPE, PARTITION_HEADER, conversion.JSON_HEADER_TYPES, "id", "timestamp")
_NOT_PROPAGATED_PREFIXES = ("x-original-", "x-exception-", "kafka_", "amqp_", "x-death")


@dataclass
class Outbound:
    """A message ready for an output binding's producer."""

    binding: Binding
    body: bytes
    headers: dict[str, Any]
    content_type: str
    partition: int | None = None


@dataclass
class BindingStatus:
    """Counts for ``kcli stream run``'s live status."""

    binding: str
    direction: str
    binder: str
    destination: str
    received: int = 0
    sent: int = 0
    failed: int = 0
    dead_lettered: int = 0

    def __post_init__(self):
        self._lock = threading.Lock()

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


def exception_headers(exc: BaseException) -> dict[str, str]:
    """Spring's ``x-exception-*`` dead-letter headers for ``exc``."""
    cls = type(exc)
    return {
        "x-exception-fqcn": f"{cls.__module__}.{cls.__qualname__}",
        "x-exception-message": str(exc),
        "x-exception-stacktrace": "".join(traceback.format_exception(cls, exc, exc.__traceback__)),
    }


def propagated(headers: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in headers.items() if k not in _NOT_PROPAGATED and not k.startswith(_NOT_PROPAGATED_PREFIXES)}


class OutputPreparer:
    """Turns a function's results into Outbound messages for one output binding (conversion, partition)."""

    def __init__(self, binding: Binding, partition_count: Callable[[], int]):
        self.binding = binding
        self._partition_count = partition_count
        expression = binding.producer.partition_key_expression
        self.key_expression = KeyExpression(expression) if expression else None

    def prepare(self, value: Any, hint: Any, incoming: dict[str, Any]) -> Outbound:
        from kcli.stream.message import Message

        payload = value.payload if isinstance(value, Message) else value
        body, content_type, own = conversion.to_body(value, hint, self.binding.content_type)
        headers = {**propagated(incoming), **own, conversion.CONTENT_TYPE: content_type}
        partition = None
        if self.key_expression is not None or PARTITION_HEADER + "Override" in own:
            count = max(self.binding.producer.partition_count, self._partition_count())
            override = headers.pop(PARTITION_HEADER + "Override", None)
            if override is not None:
                partition = int(override) % count
            else:
                assert self.key_expression is not None
                key = self.key_expression.key(payload, headers)
                if key is None:
                    raise ValueError(f"partition-key-expression '{self.key_expression.text}' gave null for a message "
                                     f"on {self.binding.name}")
                partition = select_partition(key, count)
            headers[PARTITION_HEADER] = partition
        return Outbound(self.binding, body, headers, content_type, partition)


def items(value: Any) -> list[Any]:
    """A function's result as messages: None is none, a generator yields several, anything else (a list
    included, sent as one JSON array) is one."""
    if value is None:
        return []
    if inspect.isgenerator(value):
        return [v for v in value if v is not None]
    return [value]


class InputHandler:
    """One input binding's processing: ``handle(body, headers, wait)`` returns the Outbound messages to send,
    or raises the last exception when retries are exhausted (the caller dead-letters it)."""

    def __init__(self, binding: Binding, outputs: list[OutputPreparer]):
        self.binding = binding
        self.outputs = outputs
        assert binding.function is not None
        self.function = binding.function

    def handle(self, body: bytes, headers: dict[str, Any], wait: Callable[[float], bool]) -> list[Outbound]:
        def attempt() -> list[Outbound]:
            argument = conversion.to_argument(body, headers, self.function.input_type)
            value = self.function.call(argument)
            if not self.outputs:
                return []
            out: list[Outbound] = []
            for item in items(value):
                for output in self.outputs:
                    out.append(output.prepare(item, self.function.output_type, headers))
            return out

        return self.binding.consumer.retry.run(attempt, wait)


def log_failure(binding: Binding, exc: BaseException, attempts: int, where: str, fate: str) -> None:
    """Each failure logged once, with the exception, before it is dead-lettered or dropped."""
    log.error("%s: message from %s failed after %d attempt(s): %s: %s; %s", binding.name, where, attempts,
              type(exc).__name__, exc, fate, exc_info=(type(exc), exc, exc.__traceback__))
