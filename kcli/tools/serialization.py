"""Kafka's built-in serializers and deserializers, named by their Java classes, and the bytes they use.

Each class in ``org.apache.kafka.common.serialization`` writes and reads:

============  =============================================================
String        the text in UTF-8 (a malformed sequence reads as U+FFFD)
Long          8 bytes, big-endian two's complement
Integer       4 bytes, big-endian two's complement
Short         2 bytes, big-endian two's complement
Double        8 bytes, IEEE 754 binary64, big-endian
Float         4 bytes, IEEE 754 binary32, big-endian
UUID          the UUID's 36-character text in UTF-8 (not its 16 bytes)
ByteArray     the bytes as they are
Bytes         the bytes as they are
Void          nothing: the value is always null
============  =============================================================

A null stays null in every one. A deserializer given the wrong number of
bytes fails as Kafka's does (``Size of data received by LongDeserializer is
not 8``). The console consumer prints what Kafka's ``DefaultMessageFormatter``
prints: the deserialized value's Java ``toString()`` (``Bytes`` escapes what is
not printable ASCII as ``\\xNN``). The console producer reads text, so a
serializer here takes the text of a line: ``42`` becomes LongSerializer's 8 bytes.
``ByteArrayDeserializer`` prints the bytes themselves, as with no deserializer
(Java would print the array's identity, ``[B@1b6d3586``).
"""

from __future__ import annotations

import math
import struct
import uuid
from dataclasses import dataclass
from decimal import Decimal

from kcli.tools.errors import ToolError

PACKAGE = "org.apache.kafka.common.serialization."
_FIXED = {"Long": (">q", 8), "Integer": (">i", 4), "Short": (">h", 2), "Double": (">d", 8), "Float": (">f", 4)}
KINDS = ("String", "Long", "Integer", "Short", "Double", "Float", "ByteArray", "Bytes", "UUID", "Void")


class SerializationError(ToolError):
    """Data a (de)serializer cannot read or write: Kafka's SerializationException."""

    def __init__(self, message: str):
        super().__init__(f"org.apache.kafka.common.errors.SerializationException: {message}")


@dataclass(frozen=True)
class Serde:
    """One of Kafka's built-in types; ``kind`` is the class name without the package and suffix (``Long``)."""

    kind: str

    def serialize(self, text: str | None) -> bytes | None:
        """The bytes ``{kind}Serializer`` writes for the value a line of text spells."""
        if text is None or self.kind == "Void":
            return None
        if self.kind in ("String", "ByteArray", "Bytes"):
            return text.encode("utf-8")
        if self.kind == "UUID":
            try:
                return str(uuid.UUID(text.strip())).encode("ascii")
            except ValueError:
                raise SerializationError(f"Cannot serialize '{text}' with UUIDSerializer: not a UUID") from None
        fmt, _ = _FIXED[self.kind]
        try:
            number: int | float = float(text) if self.kind in ("Double", "Float") else int(text.strip())
            return struct.pack(fmt, number)
        except (ValueError, OverflowError, struct.error):
            raise SerializationError(f"Cannot serialize '{text}' with {self.kind}Serializer: not a number of type {self.kind}") from None

    def deserialize(self, data: bytes | None):
        """The value ``{kind}Deserializer`` reads: str, int, float, uuid.UUID, bytes, or None."""
        if self.kind == "Void":
            if data is not None:
                raise SerializationError("Data should be null for a VoidDeserializer.")
            return None
        if data is None or self.kind in ("ByteArray", "Bytes"):
            return data
        if self.kind == "String":
            return data.decode("utf-8", errors="replace")
        if self.kind == "UUID":
            try:
                return uuid.UUID(data.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise SerializationError("Error parsing data into UUID") from None
        fmt, size = _FIXED[self.kind]
        if len(data) != size:
            raise SerializationError(f"Size of data received by {self.kind}Deserializer is not {size}")
        return struct.unpack(fmt, data)[0]

    def text(self, value) -> bytes | None:
        """What Kafka's DefaultMessageFormatter prints for a deserialized value: its Java ``toString()``, UTF-8."""
        if value is None:
            return None
        if self.kind == "ByteArray":
            return value
        if self.kind == "Bytes":
            return "".join(chr(b) if 0x20 <= b <= 0x7E and b != 0x5C else f"\\x{b:02X}" for b in value).encode("ascii")
        if self.kind == "Double":
            return java_double_text(value).encode("ascii")
        if self.kind == "Float":
            return java_float_text(value).encode("ascii")
        return str(value).encode("utf-8")


def find(class_name: str, role: str) -> Serde:
    """The Serde for ``org.apache.kafka.common.serialization.<Kind><role>`` (role ``Serializer`` or ``Deserializer``)."""
    name = class_name.strip()
    if name.startswith(PACKAGE) and name.endswith(role):
        kind = name[len(PACKAGE):-len(role)]
        if kind in KINDS:
            return Serde(kind)
    raise ToolError(
        f"Unknown {role.lower()} class '{name}': kcli has Kafka's {PACKAGE}{{{','.join(KINDS)}}}{role}"
    )


def java_double_text(value: float) -> str:
    """``Double.toString``: plain decimals from 10^-3 to 10^7, else ``d.dddE±n``; shortest digits that read back."""
    return _java_text(value, repr(value))


def java_float_text(value: float) -> str:
    """``Float.toString``: as for a double, with the fewest digits that read back as the same float."""
    if math.isfinite(value):
        for digits in range(1, 10):
            shortest = f"{value:.{digits}g}"
            if struct.unpack(">f", struct.pack(">f", float(shortest)))[0] == value:
                return _java_text(value, repr(float(shortest)))
    return _java_text(value, repr(value))


def _java_text(value: float, shortest: str) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    _, digit_tuple, exponent = Decimal(shortest).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    point = len(digit_tuple) + int(exponent)  # where the decimal point falls after the first ``point`` digits
    sign = "-" if value < 0 else ""
    if 1e-3 <= abs(value) < 1e7:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        whole, fraction = digits[:point].ljust(point, "0"), digits[point:]
        return f"{sign}{whole}.{fraction or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{point - 1}"
