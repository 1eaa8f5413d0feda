"""kafka-e2e-latency (Kafka's EndToEndLatency): send one record, wait for its acknowledgement, poll it back; repeat.

As Kafka does: the producer has ``linger.ms=0`` and the given acks (``1`` or ``all``);
the consumer is assigned every partition of the topic at its end (group
``test-group-<ms>``, no commits, ``fetch.max.wait.ms=0``); a record's value is
``message_size`` copies of one random capital letter (``Random(0)``); a round
trip is from before ``send()`` to after the ``poll()`` that returns it, and the
poll must return exactly that one record. Latencies are kept in whole
milliseconds for the percentiles (index ``int(n × p)`` of the sorted list).
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from typing import Callable

from kcli.tools import authentication
from kcli.tools.bootstrap import wait_for_broker
from kcli.tools.client_config import to_kafka_python
from kcli.tools.errors import ToolError

POLL_TIMEOUT_MS = 60_000
DEFAULT_PARTITIONS = 1
DEFAULT_REPLICATION_FACTOR = 1
BOOTSTRAP_TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class Latencies:
    total_ns: int
    ms: list[int]  # each round trip, whole milliseconds

    @property
    def average_ms(self) -> float:
        return self.total_ns / len(self.ms) / 1e6

    def percentile(self, p: float) -> int:
        ordered = sorted(self.ms)
        return ordered[int(len(ordered) * p)]


def check_acks(acks: str) -> None:
    if acks not in ("1", "all"):
        raise ToolError("Latency testing requires synchronous acknowledgement. Please use 1 or all")


class EndToEndLatency:
    """A producer and a consumer of ``topic``; ``created`` says whether the topic had to be created first."""

    def __init__(self, bootstrap: str, topic: str, acks: str, props: dict[str, str], on_refused=None, on_unresolved=None,
                 on_create: Callable[[str, int, int], None] = lambda topic, partitions, replication: None):
        from kafka import KafkaConsumer, KafkaProducer
        from kafka.errors import KafkaConnectionError, KafkaTimeoutError

        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        check_acks(acks)
        props = {k: v for k, v in props.items() if k != "bootstrap.servers"}
        left = wait_for_broker(bootstrap, BOOTSTRAP_TIMEOUT_MS, on_refused, on_unresolved)
        consumer = to_kafka_python({**props, "group.id": f"test-group-{int(time.time() * 1000)}", "enable.auto.commit": "false",
                                    "auto.offset.reset": "latest", "fetch.max.wait.ms": "0"}, KafkaConsumer)
        producer = to_kafka_python({**props, "linger.ms": "0", "acks": acks}, KafkaProducer)
        self.ignored = tuple(dict.fromkeys(consumer.ignored + producer.ignored))
        self.topic = topic
        producer_kwargs = dict(producer.kwargs)
        if producer_kwargs.get("acks") != "all":
            producer_kwargs.setdefault("enable_idempotence", False)
        with authentication.watch() as failures:
            try:
                self._consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), bootstrap_timeout_ms=left, **consumer.kwargs)
                self._producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), bootstrap_timeout_ms=left, **producer_kwargs)
            except (KafkaTimeoutError, KafkaConnectionError):
                failed = failures.message(java_name=True)
                raise (ToolError(failed) if failed else ToolError.unreachable(bootstrap)) from None
        if topic not in self._consumer.topics():
            on_create(topic, DEFAULT_PARTITIONS, DEFAULT_REPLICATION_FACTOR)
            self._create_topic(bootstrap, props)
        self._assign_at_end()

    def _create_topic(self, bootstrap: str, props: dict[str, str]) -> None:
        from kafka import KafkaAdminClient
        from kafka.admin import NewTopic
        from kafka.errors import KafkaError

        admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), **to_kafka_python(props, KafkaAdminClient).kwargs)
        try:
            admin.create_topics([NewTopic(self.topic, DEFAULT_PARTITIONS, DEFAULT_REPLICATION_FACTOR)])
        except KafkaError as exc:
            raise ToolError(f"Creation of topic {self.topic} failed: {type(exc).__name__}: {exc}") from None
        finally:
            admin.close()

    def _assign_at_end(self) -> None:
        from kafka import TopicPartition

        deadline = time.monotonic() + 30
        partitions = self._consumer.partitions_for_topic(self.topic)
        while not partitions and time.monotonic() < deadline:
            time.sleep(0.05)
            self._consumer.topics()  # fresh metadata: the topic was just created
            partitions = self._consumer.partitions_for_topic(self.topic)
        if not partitions:
            raise ToolError(f"Topic {self.topic} has no partitions")
        assigned = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        self._consumer.seek_to_end(*assigned)
        for tp in assigned:
            self._consumer.position(tp)

    def run(self, num_messages: int, message_size: int, on_sample: Callable[[int, float], None],
            clock_ns: Callable[[], int] = time.perf_counter_ns) -> Latencies:
        """Every round trip; ``on_sample(i, ms)`` for every 1,000th, as Kafka prints them."""
        from kafka.errors import KafkaError

        rng = random.Random(0)
        total, ms = 0, []
        try:
            for i in range(num_messages):
                message = bytes([rng.randrange(26) + 65]) * message_size
                begin = clock_ns()
                self._producer.send(self.topic, message).get()
                polled = self._consumer.poll(timeout_ms=POLL_TIMEOUT_MS)
                elapsed = clock_ns() - begin
                self._validate(message, [r for records in polled.values() for r in records])
                if i % 1000 == 0:
                    on_sample(i, elapsed / 1e6)
                total += elapsed
                ms.append(elapsed // 1_000_000)
        except KafkaError as exc:
            raise ToolError(f"{type(exc).__name__}: {exc}") from None
        return Latencies(total, ms)

    @staticmethod
    def _validate(message: bytes, records: list) -> None:
        if not records:
            raise ToolError(f"poll() timed out before finding a result (timeout:[{POLL_TIMEOUT_MS}])")
        read = records[0].value.decode("utf-8", errors="replace")
        sent = message.decode("utf-8", errors="replace")
        if read != sent:
            raise ToolError(f"The message read [{read}] did not match the message sent [{sent}]")
        if len(records) != 1:
            raise ToolError(f"Only one result was expected during this test. We found [{len(records)}]")

    def close(self) -> None:
        self._producer.close()
        self._consumer.close(autocommit=False)
