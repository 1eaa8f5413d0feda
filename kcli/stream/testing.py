"""The test binder: an application's functions bound in memory, for the user's own unit tests — Spring's
test binder (``InputDestination`` / ``OutputDestination``) in Python, no broker at all.

    from kcli.stream import testing

    with testing.run("orders.py", {"spring.cloud.function.definition": "brew"}) as stream:
        stream.input.send({"id": 1, "coffee": "latte"}, "brew-in-0")
        cup = stream.output.receive("brew-out-0")      # a Message: payload bytes, headers
        assert json.loads(cup.payload)["coffee"] == "latte"

Every binding is bound to the test binder, whatever its configured binder (as Spring's test binder
replaces the others). ``send`` takes a binding name or a destination and runs the consuming function
at once, in the caller's thread, with the binding's retries (``sleep`` is injectable: pass one that
records the back-off instead of waiting). Outputs are queued per destination; ``receive`` takes a
binding name or a destination. A message whose retries run out is queued on ``error.<destination>.<group>``
(and counted in ``failed``). Sources are polled by ``poll(name)``, once per call, taking up to
``max-messages-per-poll`` messages. Destinations are not chained: each function is tested on its own.
"""

from __future__ import annotations

import collections
import contextlib
import json
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from kcli.stream import conversion
from kcli.stream.application import load
from kcli.stream.bindings import Binding, Resolution
from kcli.stream.errors import StreamError
from kcli.stream.functions import SOURCE
from kcli.stream.handler import InputHandler, Outbound, OutputPreparer, exception_headers, items
from kcli.stream.message import Message


class InputDestination:
    def __init__(self, stream: StreamTest):
        self._stream = stream

    def send(self, payload: Any, name: str, headers: dict[str, Any] | None = None) -> None:
        """``payload`` (bytes, str or anything JSON) into the input binding or destination ``name``."""
        self._stream._deliver(payload, name, dict(headers or {}))


class OutputDestination:
    def __init__(self, stream: StreamTest):
        self._stream = stream

    def receive(self, name: str, timeout: float = 0) -> Message[bytes] | None:
        """The oldest message sent to the output binding or destination ``name``, or None."""
        queue = self._stream._queue(name)
        deadline = time.monotonic() + timeout
        while not queue and time.monotonic() < deadline:
            time.sleep(0.005)
        return queue.popleft() if queue else None

    def clear(self) -> None:
        self._stream._queues.clear()


def _count(binding: Binding) -> Callable[[], int]:
    """In memory a destination has the partitions its producer says."""
    return lambda: binding.producer.partition_count


class StreamTest:
    def __init__(self, resolution: Resolution, sleep: Callable[[float], None] = time.sleep):
        self.resolution = resolution
        self._sleep = sleep
        self._queues: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.input = InputDestination(self)
        self.output = OutputDestination(self)
        self.failed = 0
        self._preparers = {b.name: OutputPreparer(b, _count(b)) for b in resolution.bindings if b.direction == "out"}
        self._handlers = {}
        for b in resolution.bindings:
            if b.direction == "in" and b.function is not None:
                outs = [self._preparers[o.name] for o in resolution.bindings
                        if o.direction == "out" and o.function is b.function]
                self._handlers[b.name] = InputHandler(b, outs)

    def _queue(self, name: str) -> collections.deque:
        binding = self.resolution.binding(name)
        return self._queues[binding.destination if binding is not None and binding.direction == "out" else name]

    def _wait(self, seconds: float) -> bool:
        self._sleep(seconds)
        return False

    def _deliver(self, payload: Any, name: str, headers: dict[str, Any]) -> None:
        targets = [b for b in self.resolution.bindings if b.direction == "in" and (b.name == name or name in b.destinations)]
        if not targets:
            raise StreamError(f"no input binding or destination named '{name}' "
                              f"(inputs: {', '.join(b.name for b in self.resolution.bindings if b.direction == 'in')})")
        if isinstance(payload, Message):
            headers = {**payload.headers, **headers}
            payload = payload.payload
        body, content_type, _ = conversion.to_body(payload, None, headers.get(conversion.CONTENT_TYPE))
        headers.setdefault(conversion.CONTENT_TYPE, content_type)
        for binding in targets:
            try:
                outbound = self._handlers[binding.name].handle(body, headers, self._wait)
            except Exception as exc:
                self.failed += 1
                dead = {**headers, **exception_headers(exc)}
                self._queues[f"error.{binding.destinations[0]}.{binding.group or 'anonymous'}"].append(Message(body, dead))
                continue
            self._emit(outbound)

    def _emit(self, outbound: list[Outbound]) -> None:
        for out in outbound:
            self._queues[out.binding.destination].append(Message(out.body, dict(out.headers)))

    def poll(self, name: str) -> int:
        """Polls the Source ``name`` once; the number of messages it sent."""
        fn = next((f for f in self.resolution.functions if f.name == name and f.role == SOURCE), None)
        if fn is None:
            raise StreamError(f"no Source named '{name}'")
        outs = [self._preparers[b.name] for b in self.resolution.bindings if b.direction == "out" and b.function is fn]
        per_poll = outs[0].binding.producer.max_messages_per_poll if outs else 1
        sent = 0
        for _ in range(per_poll):
            values = items(fn.call())
            if not values:
                break
            for value in values:
                self._emit([o.prepare(value, fn.output_type, {}) for o in outs])
                sent += 1
        return sent

    def bindings(self) -> list[Binding]:
        return list(self.resolution.bindings)


@contextlib.contextmanager
def run(app: str, properties: dict[str, str] | None = None, config: str | Path | None = None,
        sleep: Callable[[float], None] = time.sleep) -> Iterator[StreamTest]:
    """The application ``app`` (a .py file or module) bound to the test binder."""
    overrides = dict(properties or {})
    resolution = load(app, Path(config) if config else None, overrides)
    yield StreamTest(resolution, sleep)


def json_payload(message: Message[bytes] | None) -> Any:
    """A received message's JSON payload (None for no message)."""
    return None if message is None else json.loads(message.payload)
