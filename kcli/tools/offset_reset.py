"""Resetting a consumer group's offsets: the scenarios of ``kafka-consumer-groups --reset-offsets``.

Pure: a plan is computed from offsets the cluster reported (committed, log start,
log end, by timestamp) and, for ``--by-duration``, a ``now`` passed in. The
semantics are ConsumerGroupCommand's (Kafka 3.x):

- ``--to-earliest``/``--to-latest``: the log start/end offset.
- ``--to-current``: the committed offset, else the log end offset.
- ``--to-offset N`` and ``--shift-by N``: the requested offset, clamped into
  ``[log start, log end]`` with a warning; ``--shift-by`` needs a committed offset.
- ``--to-datetime``/``--by-duration``: the first offset whose timestamp is at or
  after the instant; a partition with none falls back to its log end offset.
- ``--from-file``: the offsets of a CSV plan as ``--export`` writes it
  (``topic,partition,offset`` for one group, ``group,topic,partition,offset``
  for several), clamped as ``--to-offset``.

Datetimes are ``YYYY-MM-DDTHH:mm:SS.sss`` with an optional zone (``Z``, ``+08``,
``+0800``, ``+08:00``); without one they are UTC, as Kafka's ``Utils.getDateTime``
reads them. Durations are ISO-8601 ``PnDTnHnMnS`` as ``java.time.Duration`` reads them.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field

from kafka.structs import TopicPartition

from kcli.tools.errors import ToolError

SCENARIOS = ("to-datetime", "by-duration", "to-earliest", "to-latest", "shift-by", "from-file", "to-current", "to-offset")

# java.time.Duration's text form: [-]P[nD][T[nH][nM][n[.fff]S]], each number optionally signed, case-insensitive.
_DURATION = re.compile(
    r"([-+]?)P(?:([-+]?\d+)D)?(T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?",
    re.IGNORECASE,
)
_DATETIME = re.compile(r"(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)(.*)", re.DOTALL)
_ZONE = re.compile(r"Z|([-+])(\d{2})(?::?(\d{2}))?")
_INTEGER = re.compile(r"[-+]?\d+")
_NANOS_PER = {"D": 86_400 * 10**9, "H": 3_600 * 10**9, "M": 60 * 10**9, "S": 10**9}


class OptionError(ToolError):
    """A mistake in the command's arguments, some found only once the cluster was asked (Kafka prints these with its usage)."""


@dataclass(frozen=True)
class ResetScenario:
    """One of SCENARIOS; ``value`` is the offset, the shift, or the instant (epoch ms) it needs; ``from_file`` the plan read."""

    name: str
    value: int | None = None
    from_file: dict[str, dict[TopicPartition, int]] | None = None


@dataclass(frozen=True)
class PartitionOffsets:
    """What the cluster reported for the partitions being reset; ``by_timestamp`` holds -1 where no record is that late."""

    committed: dict[TopicPartition, int] = field(default_factory=dict)
    log_start: dict[TopicPartition, int] = field(default_factory=dict)
    log_end: dict[TopicPartition, int] = field(default_factory=dict)
    by_timestamp: dict[TopicPartition, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ResetPlan:
    offsets: dict[TopicPartition, int]
    warnings: list[str]


def duration_nanos(text: str) -> int:
    """A ``PnDTnHnMnS`` duration in nanoseconds; ToolError in java.time's words when it is not one."""
    match = _DURATION.fullmatch(text.strip())
    if not match or not any(match.group(i) for i in (2, 4, 5, 6)) or (match.group(3) or "").upper() == "T":
        raise ToolError("Text cannot be parsed to a Duration")
    nanos = sum(int(match.group(i)) * _NANOS_PER[unit] for i, unit in ((2, "D"), (4, "H"), (5, "M"), (6, "S")) if match.group(i))
    if match.group(7):  # the fraction takes the sign of its seconds
        nanos += (-1 if match.group(6).startswith("-") else 1) * int(match.group(7).ljust(9, "0"))
    return -nanos if match.group(1) == "-" else nanos


def instant_before(now_ms: int, duration: str) -> int:
    """Epoch ms of ``now`` minus ``duration`` (``--by-duration``), rounded down as Instant.toEpochMilli does."""
    return (now_ms * 10**6 - duration_nanos(duration)) // 10**6


def parse_datetime_ms(text: str) -> int:
    """Epoch ms of ``YYYY-MM-DDTHH:mm:SS.sss[zone]``; ToolError in the words of Kafka's Utils.getDateTime."""
    parts = text.split("T")
    while parts and parts[-1] == "":  # Java's String.split drops trailing empty strings
        parts.pop()
    if len(parts) < 2:
        raise ToolError("Error parsing timestamp. It does not contain a 'T' according to ISO8601 format")
    if not any(c in parts[1] for c in "+-Z"):
        text += "Z"
    unparseable = ToolError(f'Unparseable date: "{text}"')
    match = _DATETIME.fullmatch(text)
    zone = _ZONE.match(match.group(8)) if match else None
    if not match or not zone:
        raise unparseable
    year, month, day, hour, minute, second, milli = (int(g) for g in match.groups()[:7])
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise unparseable
    if hour > 23 or minute > 59 or second > 59 or milli > 999:
        raise unparseable
    offset_minutes = 0
    if zone.group(1):
        offset_minutes = int(zone.group(2)) * 60 + int(zone.group(3) or 0)
        if int(zone.group(2)) > 23 or int(zone.group(3) or 0) > 59:
            raise unparseable
        if zone.group(1) == "-":
            offset_minutes = -offset_minutes
    seconds = calendar.timegm((year, month, day, hour, minute, second)) - offset_minutes * 60
    return seconds * 1000 + milli


def parse_reset_plan(text: str, groups: list[str]) -> dict[str, dict[TopicPartition, int]]:
    """A CSV plan: ``topic,partition,offset`` lines when exactly one group is named, else ``group,topic,partition,offset``."""
    import csv

    rows = [row for row in csv.reader(text.splitlines()) if row]
    single = len(groups) == 1 and bool(rows) and len(rows[0]) == 3
    out: dict[str, dict[TopicPartition, int]] = {}
    for number, row in enumerate(rows, 1):
        if len(row) != (3 if single else 4) or not all(_INTEGER.fullmatch(v.strip()) for v in row[-2:]):
            raise ToolError(f"Invalid reset plan line {number}: '{','.join(row)}' (expected {'' if single else 'group,'}topic,partition,offset)")
        group, topic = (groups[0], row[0]) if single else (row[0], row[1])
        out.setdefault(group, {})[TopicPartition(topic, int(row[-2]))] = int(row[-1])
    return out


def plan(scenario: ResetScenario, partitions: list[TopicPartition], offsets: PartitionOffsets, group_id: str | None = None) -> ResetPlan:
    """The new offset of each partition under ``scenario`` (for ``group_id``'s part of a plan read from a file).

    OptionError when a shift has nothing to shift from.
    """
    warnings: list[str] = []
    name, value = scenario.name, scenario.value
    if name == "to-earliest":
        chosen = {tp: offsets.log_start[tp] for tp in partitions}
    elif name == "to-latest":
        chosen = {tp: offsets.log_end[tp] for tp in partitions}
    elif name == "to-current":
        chosen = {tp: offsets.committed.get(tp, offsets.log_end[tp]) for tp in partitions}
    elif name in ("to-datetime", "by-duration"):
        chosen = {}
        for tp in partitions:
            found = offsets.by_timestamp.get(tp, -1)
            if found < 0:
                warnings.append(f"Partition {tp.partition} from topic {tp.topic} is empty. Falling back to latest known offset.")
                found = offsets.log_end[tp]
            chosen[tp] = found
    elif name == "to-offset":
        chosen = _clamped({tp: value for tp in partitions}, offsets, warnings)
    elif name == "from-file":
        chosen = _clamped({tp: scenario.from_file[group_id][tp] for tp in partitions}, offsets, warnings)
    elif name == "shift-by":
        requested = {}
        for tp in partitions:
            if tp not in offsets.committed:
                raise OptionError(f"Cannot shift offset for partition {_text(tp)} since there is no current committed offset")
            requested[tp] = offsets.committed[tp] + value
        chosen = _clamped(requested, offsets, warnings)
    else:
        raise ValueError(f"unknown reset scenario {name}")
    return ResetPlan(dict(sorted(chosen.items())), warnings)


def _clamped(requested: dict[TopicPartition, int], offsets: PartitionOffsets, warnings: list[str]) -> dict[TopicPartition, int]:
    """Requested offsets held inside ``[log start, log end]``, warning as Kafka's checkOffsetsRange does."""
    out = {}
    for tp, offset in requested.items():
        end, start = offsets.log_end[tp], offsets.log_start[tp]
        if offset > end:
            warnings.append(f"New offset ({offset}) is higher than latest offset for topic partition {_text(tp)}. Value will be set to {end}")
            offset = end
        elif offset < start:
            warnings.append(f"New offset ({offset}) is lower than earliest offset for topic partition {_text(tp)}. Value will be set to {start}")
            offset = start
        out[tp] = offset
    return out


def _text(tp: TopicPartition) -> str:
    """A partition as Kafka's TopicPartition.toString writes it: ``topic-partition``."""
    return f"{tp.topic}-{tp.partition}"
