"""StreamRunner: every binding of an application, live — a thread per input binding × ``concurrency``
and per Source, over the binders its bindings name.

Start-up declares everything first (topics, exchanges, queues, DLQs) and only then starts the threads, so
no output is published before the queues that should receive it exist. An input thread polls a batch,
runs each message through its function (retries with back-off; then the binder's dead-letter destination,
or a logged drop), sends the outputs, waits until the outputs are acknowledged, and only then
acknowledges the batch — Kafka offsets committed, RabbitMQ deliveries acked: at-least-once on both. A
function that raises never stops the other bindings. ``stop()`` lets each thread finish the message in
hand (a back-off wait is cut short and that message is left to be delivered again), acknowledges what was
done, and closes the clients.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable

from kcli.stream.bindings import Binding, Resolution
from kcli.stream.errors import StreamError
from kcli.stream.functions import SOURCE
from kcli.stream.handler import BindingStatus, InputHandler, OutputPreparer, items, log_failure
from kcli.stream.retry import Stopping

log = logging.getLogger("kcli.stream")


def open_binder(binding: Binding):
    kind = binding.binder.type
    if kind == "kafka":
        from kcli.stream.kafka_binder import KafkaBinder

        return KafkaBinder(binding.binder)
    if kind == "rabbit":
        from kcli.stream.rabbit_binder import RabbitBinder

        return RabbitBinder(binding.binder)
    raise StreamError(f"binding {binding.name}: the '{kind}' binder exists only in kcli.stream.testing")


class StreamRunner:
    def __init__(self, resolution: Resolution, open_binder: Callable[[Binding], Any] = open_binder, poll_timeout_s: float = 0.5,
                 ack_interval_s: float = 1.0):
        self.resolution = resolution
        self.ack_interval_s = ack_interval_s
        self._open_binder = open_binder
        self.poll_timeout_s = poll_timeout_s
        self._binders: dict[str, Any] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.status = [BindingStatus(b.name, b.direction, b.binder.name, b.destination) for b in resolution.bindings]
        self._status = {s.binding: s for s in self.status}
        self.errors: list[BaseException] = []

    def binder(self, binding: Binding):
        if binding.binder.name not in self._binders:
            self._binders[binding.binder.name] = self._open_binder(binding)
        return self._binders[binding.binder.name]

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        """Declares every binding's destinations, then starts the threads; raises StreamError on a bad binding."""
        try:
            workers = []
            by_function: dict[str, list[Binding]] = {}
            for b in self.resolution.bindings:
                if b.function is not None:
                    by_function.setdefault(b.function.name, []).append(b)
            inputs = [(b, self.binder(b).consumer(b, i)) for b in self.resolution.bindings
                      if b.direction == "in" and b.consumer.auto_startup for i in range(b.consumer.concurrency)]
            outputs: dict[str, Any] = {}
            for b in self.resolution.bindings:
                if b.direction == "out":
                    outputs[b.name] = self.binder(b).producer(b)
            for binding, consumer in inputs:
                assert binding.function is not None  # an input binding always belongs to a function
                outs = [b for b in by_function[binding.function.name] if b.direction == "out"]
                handler = InputHandler(binding, [OutputPreparer(o, outputs[o.name].partition_count) for o in outs])
                workers.append(threading.Thread(target=self._consume, args=(binding, consumer, handler, outputs),
                                                name=f"stream-{binding.name}", daemon=True))
            for fn in self.resolution.functions:
                if fn.role == SOURCE:
                    outs = [b for b in by_function[fn.name] if b.direction == "out"]
                    workers.append(threading.Thread(target=self._poll_source, args=(fn, outs, outputs),
                                                    name=f"stream-{fn.name}", daemon=True))
        except BaseException:
            self.close()
            raise
        self._threads = workers
        for t in workers:
            t.start()

    def stop(self, timeout_s: float = 30) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout_s)
        self.close()

    def close(self) -> None:
        for binder in self._binders.values():
            try:
                binder.close()
            except Exception as exc:  # closing after a lost connection: worth a line, not a traceback
                log.warning("closing binder: %s", exc)
        self._binders.clear()

    def stop_requested(self) -> None:
        """Asks the threads to stop (safe from a signal handler); ``stop()`` then waits for them."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """True once stop() was asked for (or ``timeout_s`` passed: False)."""
        return self._stop.wait(timeout_s)

    def alive(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    # -- the threads -------------------------------------------------------------

    def _consume(self, binding: Binding, consumer, handler: InputHandler, outputs: dict[str, Any]) -> None:
        status = self._status[binding.name]
        try:
            while not self._stop.is_set():
                deliveries = consumer.poll(self.poll_timeout_s)
                if not deliveries:
                    continue
                done: list = []  # a prefix of deliveries: handled, outputs sent
                used: set[str] = set()
                acked, failed, since = 0, False, time.monotonic()
                for delivery in deliveries:
                    if done and time.monotonic() - since >= self.ack_interval_s:  # a slow batch is acknowledged as it goes
                        if not self._settle(binding, consumer, outputs, used, done[acked:]):
                            failed = True
                            break
                        acked, used, since = len(done), set(), time.monotonic()
                    status.add(received=1)
                    try:
                        outbound = handler.handle(delivery.body, delivery.headers, self._stop.wait)
                    except Stopping:
                        break
                    except Exception as exc:
                        status.add(failed=1)
                        target = consumer.dead_letter_target(delivery)
                        log_failure(binding, exc, binding.consumer.retry.max_attempts if binding.consumer.retry.retryable(exc) else 1,
                                    delivery.where, f"sending it to {target}" if target else "dropped (no dead-letter queue)")
                        if consumer.dead_letter(delivery, exc):
                            status.add(dead_lettered=1)
                        done.append(delivery)
                        continue
                    for out in outbound:
                        outputs[out.binding.name].send(out)
                        used.add(out.binding.name)
                        self._status[out.binding.name].add(sent=1)
                    done.append(delivery)
                if failed or not self._settle(binding, consumer, outputs, used, done[acked:]):
                    consumer.rewind(deliveries[acked:])
                    continue
                if len(done) < len(deliveries):
                    consumer.rewind(deliveries[len(done):])
        except Exception as exc:
            self.errors.append(exc)
            log.error("%s stopped: %s: %s", binding.name, type(exc).__name__, exc, exc_info=True)
        finally:
            consumer.close()

    def _settle(self, binding: Binding, consumer, outputs: dict[str, Any], used: set[str], done: list) -> bool:
        """Waits for the outputs' acknowledgements, then acknowledges ``done``; False (nothing acknowledged) when
        an output failed, so the caller delivers those messages again."""
        try:
            for name in used:
                outputs[name].flush()
        except Exception as exc:
            log.error("%s: outputs not acknowledged (%s); the messages will be delivered again", binding.name, exc)
            return False
        consumer.ack(done)
        return True

    def _poll_source(self, fn, outs: list[Binding], outputs: dict[str, Any]) -> None:
        from kcli.stream.handler import OutputPreparer

        preparers = [OutputPreparer(o, outputs[o.name].partition_count) for o in outs]
        delay_s = (outs[0].producer.fixed_delay_ms if outs else 1000) / 1000.0
        per_poll = outs[0].producer.max_messages_per_poll if outs else 1
        while not self._stop.is_set():
            sent = 0
            try:
                for _ in range(per_poll):
                    values = items(fn.call())
                    if not values:
                        break
                    for value in values:
                        for preparer in preparers:
                            outputs[preparer.binding.name].send(preparer.prepare(value, fn.output_type, {}))
                            self._status[preparer.binding.name].add(sent=1)
                        sent += 1
                for preparer in preparers:
                    outputs[preparer.binding.name].flush()
            except Exception as exc:
                for o in outs:
                    self._status[o.name].add(failed=1)
                log.error("%s: source failed: %s: %s", fn.name, type(exc).__name__, exc, exc_info=True)
            self._stop.wait(delay_s if sent or delay_s >= 0.01 else 0.01)  # an idle source with fixed-delay 0 does not spin
