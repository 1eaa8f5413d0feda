"""kafka-console-consumer: read records and format them as Kafka's DefaultMessageFormatter.

As Kafka's tool does, it reads in a consumer group when given a topic or an
``--include`` pattern: the ``--group`` given (auto-commit on, unless the
properties say otherwise), or else a random ``console-consumer-NNNNN`` group
with auto-commit off. ``--from-beginning`` means ``auto.offset.reset=earliest``,
so a group's committed offsets win over it. With ``--partition`` it assigns
that partition itself and seeks: to the start, to ``--offset``, or to the end.
On close, a group that commits commits exactly what was handed out.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Iterator

from kcli.tools.bootstrap import wait_for_broker
from kcli.tools.client_config import separator, to_kafka_python
from kcli.tools import authentication
from kcli.tools.errors import ToolError
from kcli.tools.group_subscription import subscribe
from kcli.tools.serialization import Serde
from kcli.tools.serialization import find as find_serde
from kcli.tools.topics import INTERNAL_TOPICS

BOOTSTRAP_TIMEOUT_MS = 15_000
_METADATA_RETRY_S = 0.5

_TIMESTAMP_TYPES = {0: "CreateTime", 1: "LogAppendTime"}


FORMATTERS = {
    "org.apache.kafka.tools.consumer.DefaultMessageFormatter": "default",
    "kafka.tools.DefaultMessageFormatter": "default",  # its name before Kafka 3.7 (removed in 4.0)
    "json": "json",  # kcli's: one JSON object per record, read back by console-producer --format json
}


@dataclass(frozen=True)
class MessageFormatter:
    """Kafka's DefaultMessageFormatter: columns timestamp, partition, offset, headers, key, value.

    A key, value or header deserializer turns the bytes into the value's text,
    as Kafka's formatter prints ``deserializer.deserialize(...).toString()``.
    """

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
    key_deserializer: Serde | None = None
    value_deserializer: Serde | None = None
    headers_deserializer: Serde | None = None

    @classmethod
    def from_properties(cls, props: dict[str, str]) -> "MessageFormatter":
        flag = lambda k, d="false": props.get(k, d).strip().lower() == "true"  # noqa: E731
        text = lambda k, d: separator(props.get(k, d)).encode("utf-8")  # noqa: E731
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
            **deserializers(props),
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
                    k.encode("utf-8") + b":" + self._text(self.headers_deserializer, v) for k, v in record.headers
                ))
            else:
                columns.append(b"NO_HEADERS")
        if self.print_key:
            columns.append(self._text(self.key_deserializer, record.key))
        if self.print_value:
            columns.append(self._text(self.value_deserializer, record.value))
        return self.key_separator.join(columns) + self.line_separator

    def _text(self, deserializer: Serde | None, data: bytes | None) -> bytes:
        if deserializer is not None:
            data = deserializer.text(deserializer.deserialize(data))
        return self.null_literal if data is None else data


def deserializers(props: dict[str, str]) -> dict[str, Serde | None]:
    """The formatter's ``key.deserializer``, ``value.deserializer`` and ``headers.deserializer`` properties."""
    return {f"{part}_deserializer": find_serde(props[f"{part}.deserializer"], "Deserializer") if props.get(f"{part}.deserializer") else None
            for part in ("key", "value", "headers")}


def formatter(name: str | None, props: dict[str, str]):
    """The formatter ``--formatter`` names (Kafka's DefaultMessageFormatter when None), configured by ``--property``."""
    kind = FORMATTERS.get((name or "kafka.tools.DefaultMessageFormatter").strip())
    if kind is None:
        raise ToolError(f"Unknown formatter class '{name}': kcli has {', '.join(FORMATTERS)}")
    if kind == "json":
        from kcli.tools.record_json import JsonFormatter

        return JsonFormatter(**deserializers(props))
    return MessageFormatter.from_properties(props)


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


def start_position(offset: str | None, from_beginning: bool, props: dict[str, str]) -> StartPosition:
    """Where to start, by Kafka's rules: ``--offset``, else ``--from-beginning`` or ``auto.offset.reset``, else the end."""
    reset = props.get("auto.offset.reset")
    if offset is not None and from_beginning:
        raise ToolError("Options from-beginning and offset cannot be specified together.")
    if from_beginning and reset not in (None, "earliest"):
        raise ToolError(f"Can't simultaneously specify --from-beginning and 'auto.offset.reset={reset}', please remove one option")
    if offset is not None:
        return StartPosition.parse(offset)
    return StartPosition("earliest" if from_beginning or reset == "earliest" else "latest")


@dataclass(frozen=True)
class Selection:
    """What to read: one topic or the topics matching ``include`` (a regex), in a group, or one partition."""

    topic: str | None = None
    include: str | None = None
    partition: int | None = None


def group_id(group: str | None, props: dict[str, str], random=None) -> tuple[str, bool]:
    """The group to read in and whether it commits: ``--group`` and ``group.id`` must agree, as Kafka checks."""
    import random as _random

    given = {g for g in (group, props.get("group.id")) if g is not None}
    if len(given) > 1:
        detected = ", ".join(f"'{g}'" for g in (group, props.get("group.id")))
        raise ToolError(
            "The group ids provided in different places (directly using '--group', via '--consumer-property', "
            f"or via '--consumer.config') do not match. Detected group ids: {detected}"
        )
    if given:
        return given.pop(), props.get("enable.auto.commit", "true").strip().lower() == "true"
    number = (random or _random.randrange)(100_000)
    return f"console-consumer-{number}", props.get("enable.auto.commit", "false").strip().lower() == "true"


def client_failure(exc: BaseException) -> str:
    """A kafka-python failure in one line: Kafka's exception name where kafka-python's error has one."""
    from kafka.errors import BrokerResponseError

    from kcli.tools.consumer_groups import java_error

    if isinstance(exc, BrokerResponseError):
        return java_error(exc.errno)
    name, text = type(exc).__name__, str(exc)
    return f"{name}: {text}" if text and not text.startswith(name) else (text or name)


class ConsoleConsumer:
    """A kafka-python consumer in a group (subscribe) or without one (``--partition``: assign).

    ``ignored`` lists the properties kafka-python has no use for, with why. A
    bootstrap server must accept a connection within ``bootstrap_timeout_ms``;
    ``on_refused``/``on_unresolved`` hear of the first refusal (tools/bootstrap.py).
    """

    def __init__(self, bootstrap: str, props: dict[str, str], isolation_level: str | None = None,
                 group: str | None = None, start: StartPosition = StartPosition("latest"),
                 bootstrap_timeout_ms: int = BOOTSTRAP_TIMEOUT_MS, on_refused=None, on_unresolved=None):
        from kafka import KafkaConsumer
        from kafka.errors import KafkaConnectionError, KafkaTimeoutError

        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        self.group_id, self.commits = group_id(group, props)
        self.start = start
        props = {"client.id": "console-consumer", **props, "enable.auto.commit": str(self.commits).lower()}
        if start.kind != "offset":
            props["auto.offset.reset"] = start.kind
        props.pop("bootstrap.servers", None)
        props.pop("group.id", None)
        if isolation_level is not None:
            props["isolation.level"] = isolation_level
        settings = to_kafka_python(props, KafkaConsumer)
        self.ignored = settings.ignored
        self._handed_out: dict = {}  # TopicPartition → next offset, for the commit on close
        self._subscribed = False
        kwargs = {"bootstrap_timeout_ms": wait_for_broker(bootstrap, bootstrap_timeout_ms, on_refused, on_unresolved), **settings.kwargs}
        with authentication.watch() as failures:
            try:
                self._consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), group_id=self.group_id, **kwargs)
            except (KafkaTimeoutError, KafkaConnectionError):
                failed = failures.message(java_name=True)
                raise (ToolError(failed) if failed else ToolError.unreachable(bootstrap)) from None
            except Exception as exc:
                raise ToolError(client_failure(exc)) from None

    def topics(self) -> list[str]:
        return sorted(self._consumer.topics())

    def records(self, selection: Selection, timeout_ms: int | None = None, now=time.monotonic, sleep=time.sleep) -> Iterator:
        """Records as they arrive; stops after ``timeout_ms`` with none; ToolError when the client fails.

        A topic that does not exist yet is waited for, as Kafka's consumer waits
        for a subscribed topic; once it appears it is read from its beginning,
        since everything in it was written after the consumer started.
        """
        from kafka.errors import KafkaError

        try:
            yield from self._records(selection, timeout_ms, now, sleep)
        except (KafkaError, ValueError) as exc:  # e.g. a group id the broker refuses, a setting kafka-python checks late
            raise ToolError(client_failure(exc)) from None

    def _records(self, selection: Selection, timeout_ms: int | None, now, sleep) -> Iterator:
        from kafka import TopicPartition

        last = now()
        appeared = False
        if selection.partition is None:
            self._subscribe(selection)
        else:
            while not self._assign(selection, appeared):
                if timeout_ms is not None and (now() - last) * 1000 >= timeout_ms:
                    return
                sleep(_METADATA_RETRY_S)
                appeared = True
        while True:
            got = False
            for tp, records in self._consumer.poll(timeout_ms=200).items():
                for record in records:
                    got = True
                    self._handed_out[TopicPartition(tp.topic, tp.partition)] = record.offset + 1
                    yield record
            if got:
                last = now()
            elif timeout_ms is not None and (now() - last) * 1000 >= timeout_ms:
                return

    def _subscribe(self, selection: Selection) -> None:
        """Join the group; where a partition starts without a committed offset is auto.offset.reset's call."""
        if self.start.kind == "offset":
            raise ToolError("The partition is required when offset is specified.")
        subscribe(self._consumer, [selection.topic], pattern=selection.include)
        self._subscribed = True

    def _assign(self, selection: Selection, appeared: bool) -> bool:
        from kafka import TopicPartition

        if selection.include is not None:
            regex = re.compile(selection.include)
            topics = [t for t in self.topics() if regex.fullmatch(t) and t not in INTERNAL_TOPICS]
        else:
            topics = [selection.topic]
        assigned = []
        for topic in topics:
            partitions = self._consumer.partitions_for_topic(topic)
            if partitions and selection.partition is not None:
                if selection.partition not in partitions:
                    raise ToolError(f"Partition {selection.partition} of topic {topic} does not exist: it has {len(partitions)}")
                partitions = {selection.partition}
            assigned += [TopicPartition(topic, p) for p in sorted(partitions)]
        if not assigned:
            return False
        self._consumer.assign(assigned)
        start = self.start
        if start.kind == "earliest" or (start.kind == "latest" and appeared):
            self._consumer.seek_to_beginning(*assigned)
        elif start.kind == "latest":
            self._consumer.seek_to_end(*assigned)
        else:
            for tp in assigned:
                self._consumer.seek(tp, start.offset)
        return True

    def close(self) -> None:
        """Commit what was handed out when the group commits (not what was fetched beyond it), then leave."""
        from kafka import OffsetAndMetadata
        from kafka.errors import KafkaError

        if self._subscribed and self.commits and self._handed_out:
            try:
                self._consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in self._handed_out.items()})
            except KafkaError:
                pass  # a rebalance took the partitions: their new owner has them
        self._consumer.close(autocommit=False)
