"""The Kafka binder, on kafka-python, with Spring Cloud Stream's Kafka binder's physical names.

destination → topic (created when missing if ``spring.cloud.stream.kafka.binder.auto-create-topics``, with
``max(partition-count, min-partition-count)`` partitions); group → consumer group id; no group →
``anonymous.<uuid>`` starting at the latest offset (a named group starts at the earliest); offsets are
committed only after the messages' outputs are flushed (at-least-once). ``enable-dlq`` sends a message
whose retries ran out to ``dlq-name`` (default ``error.<destination>.<group>``) on the same partition,
with ``x-original-topic``/``-partition`` (int32)/``-offset`` (int64)/``-timestamp`` (int64)/``-timestamp-type``
and ``x-exception-fqcn``/``-message``/``-stacktrace``. A partitioned output sends to the partition its key
selects and says so in ``scst_partition``; ``partition-count`` is a hint — the topic's partitions win when
there are more, as in Spring. With ``auto-rebalance-enabled=false`` a partitioned consumer takes the
partitions ``p % instance-count == instance-index`` itself instead of the group's rebalancing.

The clients' Kafka properties merge as Spring's binder merges them, later winning: Spring Boot's common
``spring.kafka.properties.*``, ``spring.kafka.security.protocol`` and ``spring.kafka.ssl.*``; Boot's
per-client ``spring.kafka.{consumer,producer,admin}.*`` of the same kinds; the binder's ``configuration.*``;
the binder's ``consumer-properties.*``/``producer-properties.*``.
"""

from __future__ import annotations

import logging
import struct
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from kcli.stream import conversion
from kcli.stream.bindings import BinderConfig, Binding
from kcli.stream.errors import StreamError
from kcli.stream.handler import Outbound, exception_headers
from kcli.stream.properties import StreamProperties
from kcli.tools.client_config import to_kafka_python
from kcli.tools.group_subscription import subscribe

BINDER = "spring.cloud.stream.kafka.binder"


def bootstrap_servers(props: StreamProperties) -> list[str]:
    brokers = props.first(f"{BINDER}.brokers", "spring.kafka.bootstrap-servers", default="localhost") or "localhost"
    port = props.get(f"{BINDER}.default-broker-port", "9092")
    return [b if ":" in b else f"{b}:{port}" for b in (x.strip() for x in brokers.split(",")) if b]


# Spring Boot's KafkaProperties.Ssl → Kafka's property (a location is a Spring resource: ``file:`` is dropped).
BOOT_SSL = {
    "key-password": "ssl.key.password", "key-store-certificate-chain": "ssl.keystore.certificate.chain",
    "key-store-key": "ssl.keystore.key", "key-store-location": "ssl.keystore.location",
    "key-store-password": "ssl.keystore.password", "key-store-type": "ssl.keystore.type",
    "trust-store-certificates": "ssl.truststore.certificates", "trust-store-location": "ssl.truststore.location",
    "trust-store-password": "ssl.truststore.password", "trust-store-type": "ssl.truststore.type",
    "protocol": "ssl.protocol",
}


def _boot_properties(props: StreamProperties, prefix: str) -> dict[str, str]:
    """Kafka properties from Spring Boot's ``<prefix>.properties.*``, ``.security.protocol`` and ``.ssl.*``."""
    out = dict(props.with_prefix(f"{prefix}.properties"))
    protocol = props.get(f"{prefix}.security.protocol")
    if protocol:
        out["security.protocol"] = protocol
    for key, value in props.with_prefix(f"{prefix}.ssl").items():
        if key in BOOT_SSL:
            out[BOOT_SSL[key]] = value.removeprefix("file:") if key.endswith("-location") else value
    return out


def client_properties(props: StreamProperties, client: str) -> dict[str, str]:
    """The Kafka properties of the binder's ``client`` (``consumer``, ``producer`` or ``admin``), merged as Spring does."""
    merged = {**_boot_properties(props, "spring.kafka"), **_boot_properties(props, f"spring.kafka.{client}"),
              **props.with_prefix(f"{BINDER}.configuration")}
    if client != "admin":
        merged.update(props.with_prefix(f"{BINDER}.{client}-properties"))
    return merged


def dlq_name(binding: Binding, group: str) -> str | None:
    ext = binding.consumer.extended
    if not StreamProperties.boolean("enable-dlq", ext.get("enable-dlq"), False):
        return None
    return ext.get("dlq-name") or f"error.{binding.destinations[0]}.{group}"


def topology(binding: Binding) -> dict[str, Any]:
    """What ``binding`` maps to on Kafka, without connecting (``kcli stream bindings``)."""
    if binding.direction == "out":
        count = binding.producer.partition_count
        return {"topic": binding.destination, "partitions": str(count) if count > 1 else "",
                "key": binding.producer.partition_key_expression or ""}
    group = binding.group or "anonymous.<uuid>"
    partitions = ""
    c = binding.consumer
    if c.partitioned and not _auto_rebalance(binding):
        partitions = f"p % {c.instance_count} == {c.instance_index}"
    return {"topic": binding.destination, "group": group, "dlq": dlq_name(binding, group) or "", "partitions": partitions}


def _auto_rebalance(binding: Binding) -> bool:
    return StreamProperties.boolean("auto-rebalance-enabled", binding.consumer.extended.get("auto-rebalance-enabled"), True)


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, Any]
    topic: str
    partition: int
    offset: int
    timestamp: int
    timestamp_type: int
    key: bytes | None = None
    settled: bool = False

    @property
    def where(self) -> str:
        return f"{self.topic}-{self.partition}@{self.offset}"


class KafkaBinder:
    def __init__(self, config: BinderConfig, client_id: str = "kcli-stream"):
        from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

        props = config.properties
        self.name = config.name
        self.bootstrap = bootstrap_servers(props)
        self.client_id = client_id
        self.auto_create = props.boolean(f"{BINDER}.auto-create-topics", props.get(f"{BINDER}.auto-create-topics"), True)
        self.auto_add = props.boolean(f"{BINDER}.auto-add-partitions", props.get(f"{BINDER}.auto-add-partitions"), False)
        self.min_partitions = props.integer(f"{BINDER}.min-partition-count", props.get(f"{BINDER}.min-partition-count"), 1)
        replication = props.integer(f"{BINDER}.replication-factor", props.get(f"{BINDER}.replication-factor"), -1)
        self.replication = max(replication, 1)
        self._consumer_kwargs = to_kafka_python(client_properties(props, "consumer"), KafkaConsumer).kwargs
        self._producer_kwargs = to_kafka_python(client_properties(props, "producer"), KafkaProducer).kwargs
        admin_kwargs = to_kafka_python(client_properties(props, "admin"), KafkaAdminClient).kwargs
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        self._lock = threading.Lock()
        self._producer: Any = None
        self._partitions: dict[str, int] = {}
        try:
            self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=client_id, request_timeout_ms=15000,
                                           bootstrap_timeout_ms=10000, **admin_kwargs)
        except Exception as exc:  # NoBrokersAvailable, timeouts: one line, not a traceback
            raise StreamError(f"Cannot connect to Kafka at {','.join(self.bootstrap)} (binder '{self.name}', "
                              f"{BINDER}.brokers): {type(exc).__name__}; start one with `kcli server-start`") from None

    # -- topics ------------------------------------------------------------------

    def partition_count(self, topic: str) -> int:
        with self._lock:
            if topic not in self._partitions:
                described = self._admin.describe_topics([topic])
                count = 0
                for entry in described:
                    if entry.get("error_code", 0) == 0 and entry.get("topic", entry.get("name")) == topic:
                        count = len(entry.get("partitions", []))
                if count:
                    self._partitions[topic] = count
                return count
            return self._partitions[topic]

    def provision(self, topic: str, partitions: int) -> int:
        """The topic's partition count, creating the topic (or adding partitions) as the binder's settings allow."""
        from kafka.admin import NewPartitions, NewTopic
        from kafka.errors import TopicAlreadyExistsError

        wanted = max(partitions, self.min_partitions)
        existing = self.partition_count(topic)
        if not existing:
            if not self.auto_create:
                raise StreamError(f"Topic {topic} does not exist and {BINDER}.auto-create-topics is false")
            try:
                self._admin.create_topics([NewTopic(topic, wanted, self.replication)])
            except TopicAlreadyExistsError:
                pass
            with self._lock:
                self._partitions.pop(topic, None)
            deadline = time.monotonic() + 10
            while not self.partition_count(topic) and time.monotonic() < deadline:
                time.sleep(0.05)
            if not self.partition_count(topic):
                raise StreamError(f"Topic {topic} was created but its metadata did not appear within 10 s")
            return self.partition_count(topic)
        if existing < wanted and self.auto_add:
            self._admin.create_partitions({topic: NewPartitions(wanted)})
            with self._lock:
                self._partitions[topic] = wanted
            return wanted
        return existing

    # -- producing ---------------------------------------------------------------

    def _shared_producer(self):
        from kafka import KafkaProducer

        with self._lock:
            if self._producer is None:
                kwargs = {"acks": "all", "linger_ms": 2, "client_id": self.client_id, **self._producer_kwargs}
                self._producer = KafkaProducer(bootstrap_servers=self.bootstrap, **kwargs)
            return self._producer

    def producer(self, binding: Binding) -> KafkaOutput:
        partitions = self.provision(binding.destination, binding.producer.partition_count)
        return KafkaOutput(self, binding, partitions)

    # -- consuming ---------------------------------------------------------------

    def consumer(self, binding: Binding, worker: int) -> KafkaInput:
        return KafkaInput(self, binding, worker)

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush()
            self._producer.close()
        self._admin.close()


class KafkaOutput:
    def __init__(self, binder: KafkaBinder, binding: Binding, partitions: int):
        self.binder = binder
        self.binding = binding
        self.partitions = partitions
        self._producer = binder._shared_producer()
        key = binding.producer.extended.get("message-key-expression")
        from kcli.stream.partitioning import KeyExpression

        self._key = KeyExpression(key) if key else None
        self._pending: list = []

    def partition_count(self) -> int:
        return self.partitions

    def send(self, out: Outbound) -> None:
        key = None
        if self._key is not None:
            value = self._key.key(None, out.headers)
            key = value if isinstance(value, bytes) else None if value is None else str(value).encode("utf-8")
        self._pending.append(self._producer.send(self.binding.destination, value=out.body, key=key,
                                                 headers=conversion.encode_headers(out.headers), partition=out.partition))

    def flush(self) -> None:
        """Waits until everything sent is acknowledged; raises the first failure."""
        pending, self._pending = self._pending, []
        if pending:
            self._producer.flush()
            for future in pending:
                future.get(timeout=0)


class KafkaInput:
    def __init__(self, binder: KafkaBinder, binding: Binding, worker: int):
        from kafka import KafkaConsumer, TopicPartition

        self.binder = binder
        self.binding = binding
        self.group = binding.group or f"anonymous.{uuid.uuid4()}"
        ext = binding.consumer.extended
        start = ext.get("start-offset") or ("earliest" if binding.group else "latest")
        topics = binding.destinations
        for topic in topics:
            binder.provision(topic, 1)
        self.dlq = dlq_name(binding, self.group)
        if self.dlq:
            binder.provision(self.dlq, binder.partition_count(topics[0]) or 1)
        kwargs = {"group_id": self.group, "enable_auto_commit": False, "auto_offset_reset": start,
                  "client_id": binder.client_id, "max_poll_records": 500, **binder._consumer_kwargs}
        c = binding.consumer
        if c.partitioned and not _auto_rebalance(binding):
            self.consumer = KafkaConsumer(bootstrap_servers=binder.bootstrap, **kwargs)
            mine = [TopicPartition(t, p) for t in topics for p in range(binder.partition_count(t))
                    if p % c.instance_count == c.instance_index]
            mine = [tp for i, tp in enumerate(mine) if i % c.concurrency == worker]
            self.consumer.assign(mine)
        else:
            self.consumer = KafkaConsumer(bootstrap_servers=binder.bootstrap, **kwargs)
            subscribe(self.consumer, topics)
        self._pending_dlq: list = []

    def poll(self, timeout_s: float) -> list[Delivery]:
        from kcli.stream.conversion import decode_headers

        batches = self.consumer.poll(timeout_ms=int(timeout_s * 1000))
        out = []
        for tp, records in batches.items():
            for r in records:
                headers = decode_headers(r.headers or [])
                headers.update(kafka_receivedTopic=tp.topic, kafka_receivedPartitionId=tp.partition, kafka_offset=r.offset)
                if r.key is not None:
                    headers["kafka_receivedMessageKey"] = r.key
                out.append(Delivery(r.value or b"", headers, tp.topic, tp.partition, r.offset, r.timestamp, r.timestamp_type, r.key))
        return out

    def dead_letter_target(self, delivery: Delivery) -> str | None:
        return self.dlq

    def dead_letter(self, delivery: Delivery, exc: BaseException) -> str | None:
        """Sends ``delivery`` to the DLQ (flushed with the batch); the DLQ's name, or None when there is none."""
        if not self.dlq:
            return None
        producer = self.binder._shared_producer()
        headers = [(k, v) for k, v in conversion.encode_headers(
            {k: v for k, v in delivery.headers.items() if not k.startswith("kafka_")}) if k != conversion.JSON_HEADER_TYPES]
        headers += [
            ("x-original-topic", delivery.topic.encode()),
            ("x-original-partition", struct.pack(">i", delivery.partition)),
            ("x-original-offset", struct.pack(">q", delivery.offset)),
            ("x-original-timestamp", struct.pack(">q", delivery.timestamp)),
            ("x-original-timestamp-type", b"CreateTime" if delivery.timestamp_type in (0, None) else b"LogAppendTime"),
        ]
        headers += [(k, v.encode("utf-8")) for k, v in exception_headers(exc).items()]
        partitions = self.binder.partition_count(self.dlq) or 1
        self._pending_dlq.append(producer.send(self.dlq, value=delivery.body, key=delivery.key, headers=headers,
                                               partition=delivery.partition if delivery.partition < partitions else None))
        return self.dlq

    def ack(self, deliveries: list[Delivery]) -> None:
        """Commits past ``deliveries`` (after their dead letters are acknowledged)."""
        from kafka import TopicPartition
        from kafka.structs import OffsetAndMetadata

        if self._pending_dlq:
            pending, self._pending_dlq = self._pending_dlq, []
            self.binder._shared_producer().flush()
            for future in pending:
                future.get(timeout=0)
        if not deliveries:
            return
        offsets: dict = {}
        for d in deliveries:
            tp = TopicPartition(d.topic, d.partition)
            offsets[tp] = max(offsets.get(tp, -1), d.offset + 1)
        self.consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})

    def rewind(self, deliveries: list[Delivery]) -> None:
        """Delivers ``deliveries`` again (their outputs could not be sent)."""
        from kafka import TopicPartition

        first: dict = {}
        for d in deliveries:
            tp = TopicPartition(d.topic, d.partition)
            first[tp] = min(first.get(tp, d.offset), d.offset)
        for tp, offset in first.items():
            self.consumer.seek(tp, offset)

    def close(self) -> None:
        self.consumer.close(autocommit=False)
