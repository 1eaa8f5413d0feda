"""kafka-dump-log (DumpLogSegments): print a log segment's batches and records, or an index's entries, offline.

It reads Kafka's files as Kafka writes them, so it works on kcli's log
directories and on a real broker's:

    <base offset>.log        RecordBatch v2 frames back to back (kcli/protocol/kafka/record_batch.py)
    <base offset>.index      8-byte entries: relative offset int32, position int32 (big-endian)
    <base offset>.timeindex  12-byte entries: timestamp int64, relative offset int32 (big-endian)

The lines are Kafka 3.x's, field for field (``DumpLogSegments.dumpLog``,
``printBatchLevel``, ``dumpIndex``, ``dumpTimeIndex``); what Kafka prints on
stderr (mismatches, non-consecutive offsets, unknown files) comes back as
``DumpLine(text, error=True)``, in Kafka's order: after every file. Legacy
message formats (magic 0 and 1) are not read: kcli's broker never writes
them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from kcli.tools import offsets_decoder
from kcli.tools.errors import ToolError

INT_MAX = 2**31 - 1
DEFAULT_MAX_MESSAGE_SIZE = 5 * 1024 * 1024
_PREFIX = struct.Struct(">qi")  # base offset, batch length
_INDEX_ENTRY = struct.Struct(">ii")
_TIME_ENTRY = struct.Struct(">qi")
_CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}
_DELETE_HORIZON = 0x40  # batch attribute bit 6: base timestamp is the delete horizon (KIP-534)
_CONTROL_TYPES = {0: "ABORT", 1: "COMMIT"}


@dataclass(frozen=True)
class DumpOptions:
    print_data_log: bool = False
    deep_iteration: bool = False
    offsets_decoder: bool = False
    index_sanity_check: bool = False
    verify_index_only: bool = False
    skip_record_metadata: bool = False
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    max_bytes: int = INT_MAX

    @property
    def print_contents(self) -> bool:  # a decoder implies --print-data-log
        return self.print_data_log or self.offsets_decoder

    @property
    def deep(self) -> bool:  # --print-data-log implies --deep-iteration
        return self.deep_iteration or self.print_contents


@dataclass(frozen=True)
class DumpLine:
    text: str
    error: bool = False  # Kafka prints it on stderr


@dataclass
class _Problems:
    """What DumpLogSegments collects while dumping and reports on stderr at the end."""

    index_mismatches: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    time_mismatches: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    time_out_of_order: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    time_not_found: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    non_consecutive: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def lines(self) -> Iterator[DumpLine]:
        for name, pairs in self.index_mismatches.items():
            yield DumpLine(f"Mismatches in :{name}", True)
            for index_offset, log_offset in pairs:  # Kafka prepends to a List: newest first
                yield DumpLine(f"  Index offset: {index_offset}, log offset: {log_offset}", True)
        for name, pairs in self.time_mismatches.items():
            yield DumpLine(f"Found timestamp mismatch in :{name}", True)
            for index_ts, log_ts in pairs:
                yield DumpLine(f"  Index timestamp: {index_ts}, log timestamp: {log_ts}", True)
        for name, pairs in self.time_out_of_order.items():
            yield DumpLine(f"Found out of order timestamp in :{name}", True)
            for index_ts, previous in pairs:
                yield DumpLine(f"  Index timestamp: {index_ts}, Previously indexed timestamp: {previous}", True)
        for pairs in self.time_not_found.values():
            yield DumpLine("The following indexed offsets are not found in the log.", True)
            for indexed, found in pairs:
                yield DumpLine(f"Indexed offset: {indexed}, found log offset: {found}", True)
        for name, pairs in self.non_consecutive.items():
            yield DumpLine(f"Non-consecutive offsets in {name}", True)
            for first, second in pairs:
                yield DumpLine(f"  {first} is followed by {second}", True)


def dump(files: list[str], options: DumpOptions) -> Iterator[DumpLine]:
    """The lines kafka-dump-log prints for ``files``, in order; raises ToolError as Kafka's exceptions end it."""
    problems = _Problems()
    for name in files:
        path = Path(name)
        yield DumpLine(f"Dumping {name}")
        suffix = path.name[path.name.rfind("."):] if "." in path.name else ""
        if suffix == ".log":
            yield from _dump_log(path, options, problems)
        elif suffix == ".index":
            yield from _dump_index(path, options, problems)
        elif suffix == ".timeindex":
            yield from _dump_time_index(path, options, problems)
        else:
            yield DumpLine(f"Ignoring unknown file {name}", True)
    yield from problems.lines()


# -- .log ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Batch:
    position: int
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ToolError(f"{path} (No such file or directory)") from None
    except OSError as exc:
        raise ToolError(f"{path} ({exc.strerror})") from None


def _base_offset(path: Path) -> int:
    stem = path.name.split(".")[0]
    try:
        return int(stem)
    except ValueError:
        raise ToolError(f'For input string: "{stem}"') from None


def _batches(data: bytes, start: int = 0, limit: int | None = None) -> Iterator[_Batch]:
    """Whole batches from ``start``, within ``limit`` bytes (FileRecords.slice then batches)."""
    end = len(data) if limit is None else min(len(data), start + limit)
    position = start
    while position + _PREFIX.size <= end:
        _, length = _PREFIX.unpack_from(data, position)
        size = _PREFIX.size + length
        if length < 14 or position + size > end:  # Kafka: a batch shorter than its header is corrupt; a torn one ends the walk
            return
        yield _Batch(position, data[position:position + size])
        position += size


def _dump_log(path: Path, options: DumpOptions, problems: _Problems) -> Iterator[DumpLine]:
    from kafka.record.default_records import DefaultRecordBatch

    yield DumpLine(f"Log starting offset: {_base_offset(path)}")
    data = _read(path)
    valid_bytes = 0
    last_offset = -1
    parser = offsets_decoder.parse if options.offsets_decoder else _string_parse
    for raw in _batches(data, 0, options.max_bytes):
        batch = DefaultRecordBatch(raw.data)
        if batch.magic != 2:
            raise ToolError(f"Unsupported message format version {batch.magic} at position {raw.position} of {path}: kcli reads v2 only")
        yield DumpLine(_batch_line(batch, raw, valid_bytes))
        if options.deep:
            for record in batch:
                if last_offset != -1 and record.offset != last_offset + 1:
                    problems.non_consecutive.setdefault(str(path.absolute()), []).insert(0, (last_offset, record.offset))
                last_offset = record.offset
                yield DumpLine(_record_line(batch, record, options, parser))
        valid_bytes += raw.size
    window = min(len(data), options.max_bytes)
    trailing = window - valid_bytes
    if trailing > 0 and options.max_bytes == INT_MAX:
        yield DumpLine(f"Found {trailing} invalid bytes at the end of {path.name}")


def _timestamp_type(batch) -> str:
    return "LogAppendTime" if batch.timestamp_type == 1 else "CreateTime"


def _batch_line(batch, raw: _Batch, position: int) -> str:
    horizon = f"OptionalLong[{batch.first_timestamp}]" if batch.attributes & _DELETE_HORIZON else "OptionalLong.empty"
    return (
        f"baseOffset: {batch.base_offset} lastOffset: {batch.last_offset} count: {batch.records_count} "
        f"baseSequence: {batch.base_sequence} lastSequence: {batch.last_sequence} "
        f"producerId: {batch.producer_id} producerEpoch: {batch.producer_epoch} "
        f"partitionLeaderEpoch: {batch.leader_epoch} isTransactional: {_bool(batch.is_transactional)} "
        f"isControl: {_bool(batch.is_control_batch)} deleteHorizonMs: {horizon} "
        f"position: {position} {_timestamp_type(batch)}: {batch.max_timestamp} size: {raw.size} magic: {batch.magic} "
        f"compresscodec: {_CODECS.get(batch.compression_type, 'unknown')} crc: {batch.crc} isvalid: {_bool(_crc_valid(raw.data))}"
    )


def _crc_valid(data: bytes) -> bool:
    import crc32c

    return crc32c.crc32c(data[21:]) == struct.unpack_from(">I", data, 17)[0]


def _bool(value) -> str:
    return "true" if value else "false"


def _record_line(batch, record, options: DumpOptions, parser) -> str:
    prefix = "| "
    text = ""
    if not options.skip_record_metadata:
        key_size = -1 if record.key is None else len(record.key)
        value_size = -1 if record.value is None else len(record.value)
        text += (f"{prefix}offset: {record.offset} {_timestamp_type(batch)}: {record.timestamp} "
                 f"keySize: {key_size} valueSize: {value_size}")
        prefix = " "
        sequence = -1 if batch.base_sequence == -1 else _increment(batch.base_sequence, record.offset - batch.base_offset)
        text += f" sequence: {sequence} headerKeys: [{','.join(k for k, _ in record.headers)}]"
        if batch.is_control_batch:
            text += _control(record)
    if options.print_contents and not batch.is_control_batch:
        key, payload = parser(record)
        if key is not None:
            text += f"{prefix}key: {key}"
        if payload is not None:
            text += f" payload: {payload}"
    return text


def _increment(sequence: int, delta: int) -> int:
    return sequence + delta if sequence <= INT_MAX - delta else delta - (INT_MAX - sequence) - 1


def _control(record) -> str:
    key = record.key or b""
    type_id = struct.unpack_from(">h", key, 2)[0] if len(key) >= 4 else -1
    if type_id in _CONTROL_TYPES and record.value is not None and len(record.value) >= 6:
        coordinator_epoch = struct.unpack_from(">i", record.value, 2)[0]
        return f" endTxnMarker: {_CONTROL_TYPES[type_id]} coordinatorEpoch: {coordinator_epoch}"
    return f" controlType: UNKNOWN({type_id})"


def _text(data: bytes | None) -> str | None:
    """Kafka's StringDecoder: UTF-8, malformed bytes replaced."""
    return None if data is None else data.decode("utf-8", errors="replace")


def _string_parse(record) -> tuple[str | None, str | None]:
    return _text(record.key), _text(record.value)


# -- .index and .timeindex -------------------------------------------------------


def _index_entries(path: Path, data: bytes, base: int) -> list[tuple[int, int]]:
    return [(base + rel, pos) for rel, pos in _INDEX_ENTRY.iter_unpack(data[: len(data) // 8 * 8])]


def _index_sanity(path: Path, data: bytes, base: int, entries: list[tuple[int, int]]) -> None:
    """OffsetIndex.sanityCheck, in Kafka's words."""
    absolute = path.absolute()
    if entries and entries[-1][0] < base:
        raise ToolError(f"Corrupt index found, index file ({absolute}) has non-zero size but the last offset is "
                        f"{entries[-1][0]} which is less than the base offset {base}.")
    if len(data) % 8:
        raise ToolError(f"Index file {absolute} is corrupt, found {len(data)} bytes which is neither positive nor a multiple of 8.")


def _dump_index(path: Path, options: DumpOptions, problems: _Problems) -> Iterator[DumpLine]:
    base = _base_offset(path)
    log = _read(path.with_name(path.name.split(".")[0] + ".log"))
    data = _read(path)
    entries = _index_entries(path, data, base)
    if not entries:
        yield DumpLine(f"{path} is empty.")
        return
    if options.index_sanity_check:
        _index_sanity(path, data, base, entries)
        yield DumpLine(f"{path} passed sanity check.")
        return
    for i, (offset, position) in enumerate(entries):
        if offset == base and i > 0:  # a preallocated index's zero tail
            return
        first = next(_batches(log, position, options.max_message_size), None)
        found = _last_offset(first.data) if first else -1
        if found != offset:
            problems.index_mismatches.setdefault(str(path.absolute()), []).insert(0, (offset, found))
        if not options.verify_index_only:
            yield DumpLine(f"offset: {offset} position: {position}")


def _last_offset(batch: bytes) -> int:
    base_offset = _PREFIX.unpack_from(batch)[0]
    return base_offset + struct.unpack_from(">i", batch, 23)[0]


def _lookup(entries: list[tuple[int, int]], base: int, target: int) -> int:
    """OffsetIndex.lookup: the position of the greatest entry at or below ``target`` (0 when none)."""
    position = 0
    for offset, pos in entries:
        if offset > target:
            break
        position = pos
    return position


def _dump_time_index(path: Path, options: DumpOptions, problems: _Problems) -> Iterator[DumpLine]:
    from kafka.record.default_records import DefaultRecordBatch

    base = _base_offset(path)
    stem = path.name.split(".")[0]
    log = _read(path.with_name(stem + ".log"))
    index_path = path.with_name(stem + ".index")
    index_data = index_path.read_bytes() if index_path.exists() else b""
    index = _index_entries(index_path, index_data, base)
    data = _read(path)
    entries = [(ts, base + rel) for ts, rel in _TIME_ENTRY.iter_unpack(data[: len(data) // 12 * 12])]
    if options.index_sanity_check:
        absolute = path.absolute()
        if entries and entries[-1][0] < entries[0][0]:
            raise ToolError(f"Corrupt time index found, time index file ({absolute}) has non-zero size but the last timestamp "
                            f"is {entries[-1][0]} which is less than the first timestamp {entries[0][0]}")
        if entries and entries[-1][1] < base:
            raise ToolError(f"Corrupt time index found, time index file ({absolute}) has non-zero size but the last offset "
                            f"is {entries[-1][1]} which is less than the first offset {base}")
        if len(data) % 12:
            raise ToolError(f"Time index file {absolute} is corrupt, found {len(data)} bytes which is neither positive nor a multiple of 12.")
        yield DumpLine(f"{path} passed sanity check.")
        return
    name = str(path.absolute())
    previous = -1
    for i, (timestamp, offset) in enumerate(entries):
        if offset == base and i > 0:
            return
        batch = next((b for b in _batches(log, _lookup(index, base, offset)) if _last_offset(b.data) >= offset), None)
        if batch is None:
            problems.time_not_found.setdefault(name, []).append((offset, -1))
        elif _last_offset(batch.data) != offset:
            problems.time_not_found.setdefault(name, []).append((offset, _last_offset(batch.data)))
        else:
            max_timestamp = max((r.timestamp for r in DefaultRecordBatch(batch.data)), default=-1)
            if max_timestamp != timestamp:
                problems.time_mismatches.setdefault(name, []).append((timestamp, max_timestamp))
            if previous >= timestamp:
                problems.time_out_of_order.setdefault(name, []).append((timestamp, previous))
        if not options.verify_index_only:
            yield DumpLine(f"timestamp: {timestamp} offset: {offset}")
        previous = timestamp
