"""kafka-console-consumer: read records by partition assignment and format them as Kafka's DefaultMessageFormatter.

Without a consumer group the tool assigns every partition of the topics it
reads and seeks: to the start with ``--from-beginning`` or ``--offset
earliest``, to a given offset, or else to the end, as Kafka does.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Iterator

from kcli.tools.client_config import to_kafka_python
from kcli.tools.errors import ToolError

_TIMESTAMP_TYPES = {0: "CreateTime", 1: "LogAppendTime"}


@dataclass(frozen=True)
class MessageFormatter:
    """Kafka's DefaultMessageFormatter: columns timestamp, partition, offset, headers, key, value."""

    print_timestamp: bool = False
    print_partition: bool = False
    print_offset: bool = False
    print_headers: bool = False
    print_key: bool = False
    print_value: bool = True
    key_separator: bytes = b"\t"
    line_separator: bytes = b"\n"
    headers_separator: bytes = b","
    null_literal: bytes = b"null"

    @classmethod
    def from_properties(cls, props: dict[str, str]) -> "MessageFormatter":
        flag = lambda k, d="false": props.get(k, d).strip().lower() == "true"  # noqa: E731
        text = lambda k, d: _unescape(props.get(k, d)).encode("utf-8")  # noqa: E731
        return cls(
            print_timestamp=flag("print.timestamp"),
            print_partition=flag("print.partition"),
            print_offset=flag("print.offset"),
            print_headers=flag("print.headers"),
            print_key=flag("print.key"),
            print_value=flag("print.value", "true"),
            key_separator=text("key.separator", "\t"),
            line_separator=text("line.separator", "\n"),
            headers_separator=text("headers.separator", ","),
            null_literal=text("null.literal", "null"),
        )

    def format(self, record) -> bytes:
        columns = []
        if self.print_timestamp:
            if record.timestamp is None or record.timestamp < 0:
                columns.append(b"NO_TIMESTAMP")
            else:
                columns.append(f"{_TIMESTAMP_TYPES.get(record.timestamp_type, 'CreateTime')}:{record.timestamp}".encode())
        if self.print_partition:
            columns.append(b"Partition:%d" % record.partition)
        if self.print_offset:
            columns.append(b"Offset:%d" % record.offset)
        if self.print_headers:
            if record.headers:
                columns.append(self.headers_separator.join(
                    k.encode("utf-8") + b":" + (self.null_literal if v is None else v) for k, v in record.headers
                ))
            else:
                columns.append(b"NO_HEADERS")
        if self.print_key:
            columns.append(self.null_literal if record.key is None else record.key)
        if self.print_value:
            columns.append(self.null_literal if record.value is None else record.value)
        return self.key_separator.join(columns) + self.line_separator


def _unescape(text: str) -> str:
    return text.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")


@dataclass(frozen=True)
class StartPosition:
    kind: str  # "earliest", "latest" or "offset"
    offset: int = -1

    @classmethod
    def parse(cls, text: str) -> "StartPosition":
        if text in ("earliest", "latest"):
            return cls(text)
        if text.isdigit():
            return cls("offset", int(text))
        raise ToolError(f"The provided offset value '{text}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.")


class ConsoleConsumer:
    def __init__(self, bootstrap: str, props: dict[str, str], isolation_level: str = "read_uncommitted"):
        from kafka import KafkaConsumer

        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        settings = {"client.id": "console-consumer", "enable.auto.commit": "false", **props}
        settings.pop("group.id", None)
        kwargs = to_kafka_python(settings, set(KafkaConsumer.DEFAULT_CONFIG))
        kwargs["isolation_level"] = isolation_level
        try:
            self._consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=None, **kwargs)
        except Exception as exc:
            raise ToolError(f"{type(exc).__name__}: {exc}") from None

    def topics(self) -> list[str]:
        return sorted(self._consumer.topics())

    def assign(self, topics: list[str] | None, include: str | None, partition: int | None, start: StartPosition) -> None:
        from kafka import TopicPartition

        if include is not None:
            regex = re.compile(include)
            topics = [t for t in self.topics() if regex.fullmatch(t)]
        assigned = []
        for topic in topics or []:
            partitions = self._consumer.partitions_for_topic(topic)
            if partitions is None:
                raise ToolError(f"Topic {topic} not present in metadata")
            if partition is not None:
                if partition not in partitions:
                    raise ToolError(f"Partition {partition} of topic {topic} does not exist")
                partitions = {partition}
            assigned += [TopicPartition(topic, p) for p in sorted(partitions)]
        self._consumer.assign(assigned)
        if start.kind == "earliest":
            self._consumer.seek_to_beginning(*assigned)
        elif start.kind == "latest":
            self._consumer.seek_to_end(*assigned)
        else:
            for tp in assigned:
                self._consumer.seek(tp, start.offset)

    def records(self, timeout_ms: int | None, now=time.monotonic) -> Iterator:
        """Records as they arrive; stops after ``timeout_ms`` with none."""
        last = now()
        while True:
            batch = self._consumer.poll(timeout_ms=200)
            got = False
            for records in batch.values():
                for record in records:
                    got = True
                    yield record
            if got:
                last = now()
            elif timeout_ms is not None and (now() - last) * 1000 >= timeout_ms:
                return

    def close(self) -> None:
        self._consumer.close()
