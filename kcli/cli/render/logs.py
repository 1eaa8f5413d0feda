"""The log tools' output: dump-log, get-offsets, log-dirs, storage info, delete-records."""

from __future__ import annotations

from kcli.cli.render.output import err, out
from kcli.protocol import java_hash


def dump_lines(lines) -> None:
    """kafka-dump-log's lines as they come: data on stdout, Kafka's stderr reports on stderr."""
    for line in lines:
        if line.error:
            err(line.text)
        else:
            out(line.text)


def partition_offsets(result) -> None:
    """kafka-get-offsets: ``topic:partition:offset`` lines; partitions skipped on an error, on stderr."""
    for line in result.skipped:
        err(line)
    for topic, partition, offset in result.offsets:
        out(f"{topic}:{partition}:{offset}")


def log_dirs(result) -> None:
    """kafka-log-dirs' two lines and its JSON, keys in the order Jackson writes Kafka's HashMaps."""
    out(f"Received log directory information from brokers {','.join(map(str, _java_hash_order(result.brokers, _java_int_hash)))}")
    brokers = []
    for broker in _java_hash_order(list(result.log_dirs), _java_int_hash):
        dirs = []
        for d in _java_hash_order(result.log_dirs[broker], lambda d: java_hash.string_hash(d.path)):
            replicas = [
                _java_object({"partition": r.partition, "size": r.size, "offsetLag": r.offset_lag, "isFuture": r.is_future})
                for r in _java_hash_order(d.replicas, lambda r: _java_topic_partition_hash(r.partition))
            ]
            dirs.append(_java_object({"logDir": d.path, "error": d.error, "partitions": replicas}))
        brokers.append(_java_object({"broker": broker, "logDirs": dirs}))
    import json

    out(json.dumps(_java_object({"version": 1, "brokers": brokers}), separators=(",", ":"), ensure_ascii=False))


def _java_int_hash(value: int) -> int:
    return value  # Integer.hashCode


def _java_topic_partition_hash(text: str) -> int:
    topic, _, partition = text.rpartition("-")
    return java_hash.topic_partition_hash(topic, int(partition))


def _java_hash_order(items, hash_of=java_hash.string_hash) -> list:
    return java_hash.hash_map_order(items, hash_of)


def _java_object(fields: dict) -> dict:
    return {k: fields[k] for k in _java_hash_order(fields)}


def storage_info(found) -> bool:
    """kafka-storage info's report; True when it found problems (exit 1)."""
    if found.found:
        out("Found log directory:" if len(found.found) == 1 else "Found log directories:")
        for d in found.found:
            out(f"  {d}")
        out("")
    if found.metadata is not None:
        out("Found metadata: {" + ", ".join(f"{k}={v}" for k, v in sorted(found.metadata.items())) + "}")
        out("")
    if found.problems:
        out("Found problem:" if len(found.problems) == 1 else "Found problems:")
        for p in found.problems:
            out(f"  {p}")
        out("")
    return bool(found.problems)


def deleted_records(results) -> None:
    """kafka-delete-records' report, one line per partition, tab-separated as Kafka prints it."""
    out("Records delete operation completed:")
    for r in results:
        outcome = f"low_watermark: {r.low_watermark}" if r.error is None else f"error: {r.error}"
        out(f"partition: {r.topic}-{r.partition}\t{outcome}")
