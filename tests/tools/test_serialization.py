"""Kafka's built-in (de)serializers by class name: the bytes each writes and reads, and what the formatter prints."""

import struct
import uuid

import pytest

from kcli.tools.errors import ToolError
from kcli.tools.serialization import KINDS, PACKAGE, SerializationError, find, java_double_text, java_float_text


def serde(kind, role="Deserializer"):
    return find(PACKAGE + kind + role, role)


@pytest.mark.parametrize(("kind", "text", "data", "printed"), [
    ("String", "caf\u00e9", "caf\u00e9".encode(), "caf\u00e9".encode()),
    ("Long", "-9000000000", struct.pack(">q", -9_000_000_000), b"-9000000000"),
    ("Integer", "2147483647", struct.pack(">i", 2**31 - 1), b"2147483647"),
    ("Short", "-2", b"\xff\xfe", b"-2"),
    ("Double", "0.1", struct.pack(">d", 0.1), b"0.1"),
    ("Float", "0.1", struct.pack(">f", 0.1), b"0.1"),
    ("UUID", "0F8FAD5B-D9CB-469F-A165-70867728950E", b"0f8fad5b-d9cb-469f-a165-70867728950e", b"0f8fad5b-d9cb-469f-a165-70867728950e"),
    ("ByteArray", "raw", b"raw", b"raw"),
    ("Bytes", "a\\b", b"a\\b", b"a\\x5Cb"),
])
def test_each_type_writes_reads_and_prints_as_kafka(kind, text, data, printed):
    assert serde(kind, "Serializer").serialize(text) == data
    reader = serde(kind)
    assert reader.text(reader.deserialize(data)) == printed


def test_null_stays_null_and_void_is_always_null():
    for kind in KINDS:
        assert serde(kind).deserialize(None) is None and serde(kind, "Serializer").serialize(None) is None
    assert serde("Void", "Serializer").serialize("anything") is None
    with pytest.raises(SerializationError, match="Data should be null for a VoidDeserializer."):
        serde("Void").deserialize(b"x")


def test_bytes_prints_what_is_not_printable_ascii_escaped():
    assert serde("Bytes").text(b"ok \x00\xff~") == b"ok \\x00\\xFF~"


@pytest.mark.parametrize(("kind", "size"), [("Long", 8), ("Integer", 4), ("Short", 2), ("Double", 8), ("Float", 4)])
def test_a_wrong_size_is_kafkas_serialization_exception(kind, size):
    with pytest.raises(SerializationError) as caught:
        serde(kind).deserialize(b"abc")
    assert caught.value.message == f"org.apache.kafka.common.errors.SerializationException: Size of data received by {kind}Deserializer is not {size}"


def test_text_that_is_not_the_type_is_refused():
    with pytest.raises(SerializationError, match="not a number of type Long"):
        serde("Long", "Serializer").serialize("12.5")
    with pytest.raises(SerializationError, match="not a number of type Short"):
        serde("Short", "Serializer").serialize("40000")
    with pytest.raises(SerializationError, match="not a UUID"):
        serde("UUID", "Serializer").serialize("nope")
    with pytest.raises(SerializationError, match="Error parsing data into UUID"):
        serde("UUID").deserialize(b"nope")


def test_unknown_classes_get_one_line_naming_the_known_ones():
    with pytest.raises(ToolError) as caught:
        find("com.example.AvroDeserializer", "Deserializer")
    assert caught.value.message.startswith("Unknown deserializer class 'com.example.AvroDeserializer': kcli has Kafka's ")
    with pytest.raises(ToolError):
        find(PACKAGE + "LongSerializer", "Deserializer")  # a serializer where a deserializer goes


@pytest.mark.parametrize(("value", "text"), [
    (1.0, "1.0"), (100.0, "100.0"), (0.001, "0.001"), (9.99e-4, "9.99E-4"), (1e7, "1.0E7"), (12345678.9, "1.23456789E7"),
    (1234567.0, "1234567.0"), (-2.5, "-2.5"), (0.0, "0.0"), (-0.0, "-0.0"), (1e-10, "1.0E-10"),
    (float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity"),
])
def test_doubles_print_as_javas_double_to_string(value, text):
    assert java_double_text(value) == text


def test_floats_print_their_shortest_digits():
    as_float = lambda v: struct.unpack(">f", struct.pack(">f", v))[0]  # noqa: E731
    assert [java_float_text(as_float(v)) for v in (0.1, 1.1, 3.4e38, 16777216.0)] == ["0.1", "1.1", "3.4E38", "1.6777216E7"]


def test_uuid_reads_as_a_uuid():
    value = serde("UUID").deserialize(b"7c9e6679-7425-40de-944b-e07fc1f90ae7")
    assert value == uuid.UUID("7c9e6679-7425-40de-944b-e07fc1f90ae7")
