"""Jute, ZooKeeper's binary record format: one generic reader and writer.

Everything is big-endian: ``int`` 4 bytes, ``long`` 8, ``boolean`` 1 (0/1),
``ustring`` = int length + UTF-8, ``buffer`` = int length + bytes,
``vector<T>`` = int count + elements. A length or count of -1 means null,
which is distinct from empty (ZooKeeper's BinaryOutputArchive does the same).
A record is the plain concatenation of its fields, declared here as a schema
string in zookeeper.jute's own syntax, e.g. ``record("Id", "ustring scheme; ustring id")``.
"""

from __future__ import annotations

import builtins
import struct
from typing import TYPE_CHECKING, Any, Callable, ClassVar

_INT = struct.Struct(">i")
_LONG = struct.Struct(">q")
_FIXED = {"int": "i", "long": "q", "boolean": "?"}


class JuteError(ValueError):
    """Bytes that do not hold the record they should."""


class Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0):
        self.data = data
        self.pos = pos

    def remaining(self) -> int:
        return len(self.data) - self.pos

    def int(self) -> int:
        pos = self.pos
        if pos + 4 > len(self.data):
            raise JuteError("truncated int")
        self.pos = pos + 4
        return _INT.unpack_from(self.data, pos)[0]

    def long(self) -> builtins.int:  # ``int`` here is the method above
        pos = self.pos
        if pos + 8 > len(self.data):
            raise JuteError("truncated long")
        self.pos = pos + 8
        return _LONG.unpack_from(self.data, pos)[0]

    def boolean(self) -> bool:
        pos = self.pos
        if pos >= len(self.data):
            raise JuteError("truncated boolean")
        self.pos = pos + 1
        return self.data[pos] != 0

    def buffer(self) -> bytes | None:
        size = self.int()
        if size < 0:
            return None
        pos = self.pos
        if pos + size > len(self.data):
            raise JuteError("truncated buffer")
        self.pos = pos + size
        return bytes(self.data[pos : pos + size])

    def ustring(self) -> str | None:
        raw = self.buffer()
        if raw is None:
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise JuteError("ustring is not UTF-8") from None


def write_int(out: bytearray, value: int) -> None:
    out += _INT.pack(value)


def write_long(out: bytearray, value: int) -> None:
    out += _LONG.pack(value)


def write_boolean(out: bytearray, value: bool) -> None:
    out.append(1 if value else 0)


def write_buffer(out: bytearray, value: bytes | None) -> None:
    if value is None:
        out += b"\xff\xff\xff\xff"
    else:
        out += _INT.pack(len(value))
        out += value


def write_ustring(out: bytearray, value: str | None) -> None:
    write_buffer(out, None if value is None else value.encode("utf-8"))


_READ = {"int": Reader.int, "long": Reader.long, "boolean": Reader.boolean, "buffer": Reader.buffer, "ustring": Reader.ustring}
_WRITE = {"int": write_int, "long": write_long, "boolean": write_boolean, "buffer": write_buffer, "ustring": write_ustring}
_RECORDS: dict[str, type[Record]] = {}


def _codec(kind: str):
    """(read, write) functions for a field type: a primitive, a record name or ``vector<T>``."""
    if kind in _READ:
        return _READ[kind], _WRITE[kind]
    if kind.startswith("vector<") and kind.endswith(">"):
        read_one, write_one = _codec(kind[7:-1])

        def read_vector(reader: Reader):
            count = reader.int()
            if count < 0:
                return None
            if count > reader.remaining():
                raise JuteError("vector longer than its frame")
            return [read_one(reader) for _ in range(count)]

        def write_vector(out: bytearray, items) -> None:
            if items is None:
                out += b"\xff\xff\xff\xff"
                return
            out += _INT.pack(len(items))
            for item in items:
                write_one(out, item)

        return read_vector, write_vector
    cls = _RECORDS[kind]
    return cls.read, cls.write


class Record:
    """Base of every jute record; subclasses come from :func:`record`."""

    __slots__: tuple[str, ...] = ()
    FIELDS: tuple[tuple[str, str], ...] = ()
    read: ClassVar[Callable[[Reader], Any]]  # set by record(), per record
    write: ClassVar[Callable[[bytearray, Any], None]]

    if TYPE_CHECKING:  # the fields are the schema's: typed by it, not by mypy
        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, *args, **kwargs):
        names = self.__slots__
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes {len(names)} fields")
        for name, value in zip(names, args):
            object.__setattr__(self, name, value)
        for name in names[len(args):]:
            object.__setattr__(self, name, kwargs.pop(name))
        if kwargs:
            raise TypeError(f"unknown fields {sorted(kwargs)}")

    def __eq__(self, other):
        return type(self) is type(other) and all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __hash__(self):
        return hash((type(self).__name__, *(getattr(self, n) for n in self.__slots__)))

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{n}={getattr(self, n)!r}' for n in self.__slots__)})"

    def to_bytes(self) -> bytes:
        out = bytearray()
        type(self).write(out, self)
        return bytes(out)

    @classmethod
    def from_bytes(cls, data: bytes):
        reader = Reader(data)
        value = cls.read(reader)
        return value


def record(name: str, schema: str) -> type[Record]:
    """A record class from zookeeper.jute syntax: ``"ustring path; int version"``."""
    fields = tuple(tuple(part.split()) for part in schema.split(";") if part.strip())
    names = tuple(f[1] for f in fields)
    kinds = [f[0] for f in fields]
    cls: type[Record] = type(name, (Record,), {"__slots__": names, "FIELDS": tuple((n, k) for k, n in fields)})
    if all(k in _FIXED for k in kinds):  # e.g. Stat: one struct call
        packer = struct.Struct(">" + "".join(_FIXED[k] for k in kinds))

        def read(reader: Reader, _cls=cls):
            pos = reader.pos
            if pos + packer.size > len(reader.data):
                raise JuteError(f"truncated {name}")
            reader.pos = pos + packer.size
            return _cls(*packer.unpack_from(reader.data, pos))

        def write(out: bytearray, value) -> None:
            out += packer.pack(*[getattr(value, n) for n in names])
    else:
        codecs = [(n, *_codec(k)) for k, n in fields]

        def read(reader: Reader, _cls=cls):
            return _cls(*[r(reader) for _, r, _ in codecs])

        def write(out: bytearray, value) -> None:
            for n, _, w in codecs:
                w(out, getattr(value, n))

    cls.read = staticmethod(read)  # type: ignore[assignment, misc]  # a ClassVar set once per record class
    cls.write = staticmethod(write)  # type: ignore[assignment, misc]
    _RECORDS[name] = cls
    return cls
