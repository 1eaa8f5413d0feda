"""kafka-console-producer: Kafka's LineMessageReader and a producer that reports failures per record.

A line becomes one record. With ``parse.headers`` it starts with
``h1:v1,h2:v2<headers.delimiter>``; with ``parse.key`` the key comes before
``key.separator``; a field equal to ``null.marker`` is null. A
``key.serializer``/``value.serializer`` (Kafka's built-in classes, see
serialization.py) turns the key's or value's text into that type's bytes.
With ``format=json`` a line is a record as ``console-consumer --formatter json``
prints it (record_json.py).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Callable

from kcli.tools import record_json
from kcli.tools.bootstrap import wait_for_broker
from kcli.tools.client_config import separator, to_kafka_python
from kcli.tools import authentication
from kcli.tools.errors import ToolError, reason
from kcli.tools.serialization import Serde
from kcli.tools.serialization import find as find_serde

CODECS = ("none", "gzip", "snappy", "lz4", "zstd")
FORMATS = ("line", "json")
BOOTSTRAP_TIMEOUT_MS = 15_000


@dataclass(frozen=True)
class ProducerRecord:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]
    timestamp: int | None = None  # milliseconds; None: the producer's clock


@dataclass(frozen=True)
class LineReader:
    parse_key: bool = False
    key_separator: str = "\t"
    parse_headers: bool = False
    headers_delimiter: str = "\t"
    headers_separator: str = ","
    headers_key_separator: str = ":"
    null_marker: str | None = None
    ignore_error: bool = False
    key_serializer: Serde | None = None
    value_serializer: Serde | None = None
    format: str = "line"

    @classmethod
    def from_properties(cls, props: dict[str, str], format: str = "line") -> "LineReader":
        """The reader ``--property`` configures; ``format`` is ``line`` (Kafka's LineMessageReader) or ``json``."""
        flag = lambda k: props.get(k, "false").strip().lower() == "true"  # noqa: E731
        serde = lambda k: find_serde(props[k], "Serializer") if props.get(k) else None  # noqa: E731
        if format not in FORMATS:
            raise ToolError(f"Unknown format '{format}': use {' or '.join(FORMATS)}")
        reader = cls(
            parse_key=flag("parse.key"),
            key_separator=separator(props.get("key.separator", "\t")),
            parse_headers=flag("parse.headers"),
            headers_delimiter=separator(props.get("headers.delimiter", "\t")),
            headers_separator=separator(props.get("headers.separator", ",")),
            headers_key_separator=separator(props.get("headers.key.separator", ":")),
            null_marker=props.get("null.marker") or None,
            ignore_error=flag("ignore.error"),
            key_serializer=serde("key.serializer"),
            value_serializer=serde("value.serializer"),
            format=format,
        )
        reader._check()
        return reader

    def _check(self) -> None:
        pairs = [
            ("headers.delimiter", self.headers_delimiter, "headers.separator", self.headers_separator),
            ("headers.delimiter", self.headers_delimiter, "headers.key.separator", self.headers_key_separator),
            ("headers.separator", self.headers_separator, "headers.key.separator", self.headers_key_separator),
            ("null.marker", self.null_marker, "key.separator", self.key_separator),
            ("null.marker", self.null_marker, "headers.delimiter", self.headers_delimiter),
            ("null.marker", self.null_marker, "headers.separator", self.headers_separator),
            ("null.marker", self.null_marker, "headers.key.separator", self.headers_key_separator),
        ]
        for a, av, b, bv in pairs:
            if av is not None and av == bv and (self.parse_headers or "headers" not in a + b):
                raise ToolError(f"{a} and {b} may not be equal")
        used = [("key.separator", self.key_separator)] if self.parse_key else []
        if self.parse_headers:
            used += [("headers.delimiter", self.headers_delimiter), ("headers.separator", self.headers_separator),
                     ("headers.key.separator", self.headers_key_separator)]
        for name, value in used:
            if not value:
                raise ToolError(f"{name} may not be empty")
        if self.parse_headers:  # a regular expression, as Kafka's Pattern.compile reads it
            try:
                re.compile(self.headers_separator)
            except re.error as exc:
                raise ToolError(f"Invalid regular expression '{self.headers_separator}' in headers.separator: {exc}") from None

    def read(self, line: str, number: int) -> ProducerRecord:
        if self.format == "json":
            json_record = record_json.read(line, number, self.key_serializer, self.value_serializer)
            return ProducerRecord(json_record.key, json_record.value, json_record.headers, json_record.timestamp)
        headers: list[tuple[str, bytes | None]] = []
        rest = line
        if self.parse_headers:
            block, sep, after = rest.partition(self.headers_delimiter)
            if not sep:
                if not self.ignore_error:
                    raise ToolError(f"No headers delimiter found on line number {number}: '{line}'")
            else:
                headers = self._headers(block, number)
                rest = after
        key = None
        if self.parse_key:
            k, sep, after = rest.partition(self.key_separator)
            if not sep:
                if not self.ignore_error:
                    raise ToolError(f"No key separator found on line number {number}: '{line}'")
            else:
                key, rest = self._bytes(k, self.key_serializer), after
        return ProducerRecord(key, self._bytes(rest, self.value_serializer), headers)

    def _headers(self, block: str, number: int):
        out = []
        for pair in re.split(self.headers_separator, block) if block else []:
            name, sep, value = pair.partition(self.headers_key_separator)
            if not sep:
                if not self.ignore_error:
                    raise ToolError(f"No header key separator found in pair '{pair}' on line number {number}")
                name, value = pair, None
            if self.null_marker is not None and name == self.null_marker:
                raise ToolError(f"Header keys should not be equal to the null marker '{self.null_marker}' as they can't be null")
            out.append((name, self._bytes(value) if value is not None else None))
        return out

    def _bytes(self, text: str, serializer: Serde | None = None) -> bytes | None:
        if self.null_marker is not None and text == self.null_marker:
            return None
        return text.encode("utf-8") if serializer is None else serializer.serialize(text)


@dataclass(frozen=True)
class SendFailure:
    topic: str
    key: bytes | None
    value: bytes | None
    error: str

    def describe(self) -> str:
        key = "null" if self.key is None else f"{len(self.key)} bytes"
        value = "null" if self.value is None else f"{len(self.value)} bytes"
        return f"Error when sending message to topic {self.topic} with key: {key}, value: {value} with error: {self.error}"


class ConsoleProducer:
    """A kafka-python producer with Kafka's console-producer defaults (client.id console-producer, acks all).

    ``ignored`` lists the properties kafka-python has no use for, with why. A
    bootstrap server must accept a connection within ``bootstrap_timeout_ms``;
    ``on_refused``/``on_unresolved`` hear of the first refusal (tools/bootstrap.py).
    """

    def __init__(self, bootstrap: str, topic: str, props: dict[str, str], on_failure: Callable[[SendFailure], None],
                 sync: bool = False, bootstrap_timeout_ms: int = BOOTSTRAP_TIMEOUT_MS, on_refused=None, on_unresolved=None):
        from kafka import KafkaProducer

        logging.getLogger("kafka").setLevel(logging.CRITICAL)
        props = {"client.id": "console-producer", "acks": "-1", "linger.ms": "5", "max.block.ms": "60000", **props}
        props.pop("bootstrap.servers", None)
        settings = to_kafka_python(props, KafkaProducer)
        kwargs = {"bootstrap_timeout_ms": wait_for_broker(bootstrap, bootstrap_timeout_ms, on_refused, on_unresolved), **settings.kwargs}
        if kwargs.get("acks") != "all":
            kwargs.setdefault("enable_idempotence", False)  # Kafka: idempotence needs acks=all
        self.topic = topic
        self.sync = sync
        self.on_failure = on_failure
        self.ignored = settings.ignored
        self.failures = 0
        self.sent = 0
        self._producer = open_producer(bootstrap, kwargs)

    def send(self, record: ProducerRecord) -> None:
        if any(value is None for _, value in record.headers):
            self._fail(record, ToolError("kcli cannot send null header values yet; leave null.marker out of header values"))
            return
        try:
            future = self._producer.send(self.topic, key=record.key, value=record.value, headers=record.headers or None,
                                         timestamp_ms=record.timestamp)
        except Exception as exc:
            self._fail(record, exc)
            return
        future.add_errback(lambda exc: self._fail(record, exc))
        self.sent += 1
        if self.sync:
            try:
                future.get()
            except Exception:
                pass  # reported by the errback

    def _fail(self, record: ProducerRecord, exc: BaseException) -> None:
        self.failures += 1
        self.on_failure(SendFailure(self.topic, record.key, record.value, reason(exc)))

    def flush(self) -> None:
        self._producer.flush()

    def close(self) -> None:
        self._producer.close()


def open_producer(bootstrap: str, kwargs: dict):
    """A connected KafkaProducer; ToolError with an authentication failure in Kafka's words, or the reason."""
    from kafka import KafkaProducer
    from kafka.errors import KafkaConnectionError, KafkaTimeoutError

    with authentication.watch() as failures:
        try:
            return KafkaProducer(bootstrap_servers=bootstrap.split(","), **kwargs)
        except (KafkaTimeoutError, KafkaConnectionError):
            failed = failures.message(java_name=True)
            raise (ToolError(failed) if failed else ToolError.unreachable(bootstrap)) from None
        except Exception as exc:
            raise ToolError(reason(exc)) from None
