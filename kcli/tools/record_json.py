"""kcli's JSON record format: ``console-consumer --formatter json`` writes it, ``console-producer --format json`` reads it.

One JSON object per line::

    {"topic": "coffee", "partition": 0, "offset": 3, "timestamp": 1700000000000,
     "key": "k", "value": "hello", "headers": [["origin", "ethiopia"]]}

``timestamp`` is the record's (CreateTime or LogAppendTime), null when it has
none. ``headers`` is a list of ``[name, value]`` pairs, in the record's order,
names repeating as they may in Kafka. A key, value or header value is:

* a string — its bytes were UTF-8 (or a String/UUID deserializer read them);
* ``{"base64": "..."}`` — bytes that are not UTF-8, base64-encoded;
* a number — what a Long/Integer/Short/Double/Float deserializer read
  (a double that is not finite is the string Java prints: ``NaN``, ``Infinity``);
* null — a null key, value or header value.

Reading a line back gives the record's key, value, headers and timestamp with
the same bytes: a string is written in UTF-8, ``{"base64": ...}`` decoded, a
number through the given serializer (else as its JSON text); ``topic``,
``partition`` and ``offset`` are left to the producer's topic and partitioner.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from dataclasses import dataclass

from kcli.tools.errors import ToolError
from kcli.tools.serialization import Serde


@dataclass(frozen=True)
class JsonFormatter:
    """A consumed record as one JSON line; deserializers as Kafka's formatter properties name them."""

    key_deserializer: Serde | None = None
    value_deserializer: Serde | None = None
    headers_deserializer: Serde | None = None

    def format(self, record) -> bytes:
        document = {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "timestamp": record.timestamp if record.timestamp is not None and record.timestamp >= 0 else None,
            "key": _json_value(self.key_deserializer, record.key),
            "value": _json_value(self.value_deserializer, record.value),
            "headers": [[name, _json_value(self.headers_deserializer, value)] for name, value in record.headers or ()],
        }
        return json.dumps(document, ensure_ascii=False).encode("utf-8") + b"\n"


def _json_value(deserializer: Serde | None, data: bytes | None):
    value = data if deserializer is None else deserializer.deserialize(data)
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):  # only a Double or Float deserializer reads one
        text = deserializer.text(value).decode()  # type: ignore[union-attr]
        return float(text) if math.isfinite(value) else text  # a float's shortest digits, not its double's
    if isinstance(value, uuid.UUID):
        return str(value)
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(value).decode("ascii")}


@dataclass(frozen=True)
class JsonRecord:
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]
    timestamp: int | None


def read(line: str, number: int, key_serializer: Serde | None = None, value_serializer: Serde | None = None) -> JsonRecord:
    """The record a line of ``--formatter json`` output stands for; ToolError naming the line when it is not one."""
    try:
        document = json.loads(line)
    except ValueError as exc:
        raise ToolError(f"Invalid JSON on line number {number}: {exc}") from None
    if not isinstance(document, dict):
        raise ToolError(f"Invalid JSON record on line number {number}: expected an object with key, value, headers")
    headers = document.get("headers") or []
    if isinstance(headers, dict):
        headers = list(headers.items())
    if not isinstance(headers, list) or not all(isinstance(h, list) and len(h) == 2 and isinstance(h[0], str) for h in headers):
        raise ToolError(f"Invalid JSON record on line number {number}: headers must be a list of [name, value] pairs")
    timestamp = document.get("timestamp")
    if timestamp is not None and (not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 0):
        raise ToolError(f"Invalid JSON record on line number {number}: timestamp must be a non-negative integer or null")
    return JsonRecord(
        key=_bytes(document.get("key"), key_serializer, "key", number),
        value=_bytes(document.get("value"), value_serializer, "value", number),
        headers=[(name, _bytes(value, None, f"header {name}", number)) for name, value in headers],
        timestamp=timestamp,
    )


def _bytes(value, serializer: Serde | None, what: str, number: int) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, dict) and set(value) == {"base64"} and isinstance(value["base64"], str):
        try:
            return base64.b64decode(value["base64"], validate=True)
        except binascii.Error:
            raise ToolError(f"Invalid JSON record on line number {number}: the {what} is not valid base64") from None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ToolError(f'Invalid JSON record on line number {number}: the {what} must be a string, a number, null or {{"base64": "..."}}')
    text = value if isinstance(value, str) else json.dumps(value)
    return text.encode("utf-8") if serializer is None else serializer.serialize(text)
