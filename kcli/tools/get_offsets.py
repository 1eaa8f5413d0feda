"""kafka-get-offsets (GetOffsetShell): the offset of each selected partition for a point in time.

Partitions are chosen as Kafka's tool chooses them: ``--topic`` (a regular
expression, the whole name must match; all topics when absent) with
``--partitions 0,1`` (all when absent), or ``--topic-partitions`` rules
``topic-regex:N``, ``:N-M`` (M exclusive), ``N-``, ``-M``. ``--time`` is
``latest``/-1, ``earliest``/-2, ``max-timestamp``/-3, ``earliest-local``/-4,
``latest-tiered``/-5 or a timestamp in ms. Results are ordered by the text
``topic-partition`` (Kafka's TreeMap over ``TopicPartition.toString``); a
partition without an offset for the time is left out; a partition whose
lookup fails is reported (``Skip getting offsets for topic-partition …``) and
left out. Offsets are asked for with READ_UNCOMMITTED, so ``latest`` is the high
watermark, an open transaction's records included, not the last stable
offset: Kafka's tool calls Admin.listOffsets with the default options and has
no isolation option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kafka.protocol.consumer.offsets import IsolationLevel

from kcli.tools.admin import admin_client
from kcli.tools.client_config import ClientSettings
from kcli.tools.errors import ToolError

_RULE = re.compile(r"([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?")  # GetOffsetShell.TOPIC_PARTITION_PATTERN
_NAMED = {"latest": -1, "earliest": -2, "max-timestamp": -3, "earliest-local": -4, "latest-tiered": -5}
INT_MAX = 2**31 - 1
UNKNOWN_OFFSET = -1
READ_UNCOMMITTED = IsolationLevel.READ_UNCOMMITTED  # Kafka's ListOffsetsOptions() default, which GetOffsetShell uses


@dataclass(frozen=True)
class PartitionRule:
    """One topic/partition filter: a topic regex and partitions ``low <= p < high`` (or one partition, or a set)."""

    topic: str = ".*"
    low: int = 0
    high: int = INT_MAX
    only: frozenset[int] | None = None  # --partitions, or a single N

    def topic_allowed(self, name: str) -> bool:
        return _include_list(self.topic).fullmatch(name) is not None

    def partition_allowed(self, partition: int) -> bool:
        if self.only is not None:
            return not self.only or partition in self.only  # an empty --partitions set allows all
        return self.low <= partition < self.high


@dataclass(frozen=True)
class OffsetsResult:
    offsets: list[tuple[str, int, int]] = field(default_factory=list)  # (topic, partition, offset)
    skipped: list[str] = field(default_factory=list)  # Kafka's "Skip getting offsets ..." lines


def _include_list(regex: str) -> re.Pattern:
    """TopicFilter.IncludeList: commas mean "or", spaces and surrounding quotes are dropped."""
    cleaned = re.sub(r"[\"']+$", "", re.sub(r"^[\"']+", "", regex.strip().replace(",", "|").replace(" ", "")))
    try:
        return re.compile(cleaned)
    except re.error as exc:
        raise ToolError(f"{exc.msg} near index {exc.pos}\n{cleaned}") from None


def parse_time(value: str) -> int:
    """GetOffsetShell.parseOffsetSpec: a name, a sentinel, or a timestamp in ms."""
    if value in _NAMED:
        return _NAMED[value]
    try:
        timestamp = int(value.strip()) if re.fullmatch(r"\s*[+-]?\d+\s*", value) else None
    except ValueError:
        timestamp = None
    if timestamp is None or not -(2**63) <= timestamp < 2**63:
        raise ToolError(
            f"Malformed time argument {value}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / "
            "-4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp"
        )
    return timestamp


def rules(topic: str | None, partitions: str | None, topic_partitions: str | None) -> list[PartitionRule]:
    if topic_partitions is not None and (topic is not None or partitions is not None):
        raise ToolError("--topic-partitions cannot be used with --topic or --partitions")
    if topic_partitions is not None:
        return [_rule(spec) for spec in topic_partitions.split(",")]
    only: frozenset[int] = frozenset()
    if partitions:
        try:
            only = frozenset(int(p) for p in partitions.split(","))
        except ValueError:
            raise ToolError(f"--partitions expects a comma separated list of numeric partition ids, but received: {partitions}") from None
    return [PartitionRule(topic if topic is not None else ".*", only=only)]


def _rule(spec: str) -> PartitionRule:
    match = _RULE.fullmatch(spec)
    if match is None:
        raise ToolError(f"Invalid rule specification: {spec}")
    topic, single, low, high = (match.group(i) or "" for i in range(1, 5))  # empty groups count as absent, as Kafka's do
    if single:
        return PartitionRule(topic or ".*", only=frozenset({int(single)}))
    return PartitionRule(topic or ".*", int(low or 0), int(high or INT_MAX))


def get_offsets(bootstrap: str, selection: list[PartitionRule], time: int, exclude_internal: bool = False,
                settings: ClientSettings | None = None) -> OffsetsResult:
    from kafka import TopicPartition

    with admin_client(bootstrap, "listOffsets", settings) as admin:
        names = [n for n in admin.list_topics() if any(r.topic_allowed(n) for r in selection)]
        described = [t for t in (admin.describe_topics(names) if names else []) if not (exclude_internal and t["is_internal"])]
        chosen = [
            TopicPartition(t["name"], p["partition_index"])
            for t in described for p in t["partitions"]
            if any(r.topic_allowed(t["name"]) and r.partition_allowed(p["partition_index"]) for r in selection)
        ]
        if not chosen:
            raise ToolError("Could not match any topic-partitions with the specified filters")
        found, skipped = _list_offsets(admin, chosen, time)
    offsets = sorted(((tp.topic, tp.partition, o) for tp, o in found.items() if o != UNKNOWN_OFFSET), key=lambda r: f"{r[0]}-{r[1]}")
    return OffsetsResult(offsets, skipped)


def _list_offsets(admin, partitions, time: int):
    """Offsets by partition, asking for all at once and, when that fails, one by one to name each failure."""
    from kafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

    try:
        return {tp: r.offset for tp, r in admin.list_partition_offsets({tp: time for tp in partitions}, READ_UNCOMMITTED).items()}, []
    except (KafkaTimeoutError, KafkaConnectionError):
        raise
    except KafkaError:
        pass
    found, skipped = {}, []
    for tp in partitions:
        try:
            found.update({k: r.offset for k, r in admin.list_partition_offsets({tp: time}, READ_UNCOMMITTED).items()})
        except (KafkaTimeoutError, KafkaConnectionError):
            raise
        except KafkaError as exc:
            skipped.append(f"Skip getting offsets for topic-partition {tp.topic}-{tp.partition} due to error: {_java_error(exc, time, admin)}")
    return found, skipped


def _java_error(exc, time: int, admin) -> str:
    """The cause as Java prints it: ``org.apache.kafka.common.errors.XxxException: message``."""
    from kafka.errors import UnsupportedVersionError

    if isinstance(exc, UnsupportedVersionError) and time == -3:
        brokers = admin.describe_cluster()["brokers"]
        node = brokers[0]["broker_id"] if brokers else -1
        return f"org.apache.kafka.common.errors.UnsupportedVersionException: Broker {node} does not support MAX_TIMESTAMP offset spec"
    name = "".join(w.capitalize() for w in getattr(exc, "message", type(exc).__name__).split("_")) + "Exception"
    return f"org.apache.kafka.common.errors.{name}: {getattr(exc, 'description', '') or exc}"
