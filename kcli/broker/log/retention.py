"""Which segments retention deletes: Kafka's ``UnifiedLog.deleteOldSegments`` as a pure function of numbers and ``now``.

Three passes run in Kafka's order, each over what the previous one left, and
each deletes a run of the *oldest* segments, stopping at the first one that
must stay:

1. log start offset — a segment whose successor starts at or below the log
   start offset (DeleteRecords moved it) holds nothing readable; this pass runs
   for every log;
2. size (``retention.bytes``, broker ``log.retention.bytes``; -1 keeps all) —
   while the log is larger than the limit, the oldest segments go as long as
   the log stays at or above it once they are gone;
3. time (``retention.ms``, broker ``log.retention.{ms,minutes,hours}``; -1 keeps
   all) — a segment goes when ``now`` minus its largest record timestamp (its
   file's modification time when no record has one) exceeds the limit.

Passes 2 and 3 run only when ``cleanup.policy`` includes ``delete``. No segment
is deleted unless the high watermark is at or past its end (so the log start
offset never passes it), and an empty last segment is never deleted. When every
segment is deletable, the log is rolled first and the old active segment
deleted with the rest, so the log end offset never moves back (Kafka's
``deleteSegments``). The caller applies the answer: ``Partition.delete_oldest``.

Compacted logs are left to the log cleaner, which calls ``delete_old_segments``
itself after cleaning, as Kafka's cleaner does; the broker's retention check
(``LogManager``) visits only logs whose policy has no ``compact``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    from kcli.broker.log.partition import Partition


@dataclass(frozen=True, slots=True)
class SegmentView:
    base_offset: int
    size: int
    largest_timestamp: int  # the largest record timestamp, else the file's modification time (ms)


@dataclass(frozen=True, slots=True)
class Deletion:
    count: int  # oldest segments to delete
    reason: str  # Kafka's wording of the breach that deleted the last of them


def deletable_segments(segments: Sequence[SegmentView], log_start_offset: int, log_end_offset: int, high_watermark: int,
                       retention_ms: int, retention_bytes: int, delete_enabled: bool, now: int) -> Deletion:
    """How many of the oldest ``segments`` retention deletes at ``now``, and why (count 0: none)."""
    count, reason = _pass(segments, log_end_offset, high_watermark, _start_offset_breach(log_start_offset)), "log start offset breach"
    if delete_enabled:
        if count < len(segments) and retention_bytes >= 0:
            n = _pass(segments[count:], log_end_offset, high_watermark, _size_breach(segments[count:], retention_bytes))
            if n:
                count, reason = count + n, f"retention size in bytes {retention_bytes} breach"
        if count < len(segments) and retention_ms >= 0:
            n = _pass(segments[count:], log_end_offset, high_watermark, _time_breach(retention_ms, now))
            if n:
                count, reason = count + n, f"retention time {retention_ms}ms breach"
    return Deletion(count, reason)


_Predicate = Callable[[SegmentView, "SegmentView | None"], bool]


def _pass(segments: Sequence[SegmentView], log_end_offset: int, high_watermark: int, predicate: _Predicate) -> int:
    """Kafka's ``deletableSegments``: the length of the run of oldest segments the predicate accepts."""
    n = 0
    for i, segment in enumerate(segments):
        following = segments[i + 1] if i + 1 < len(segments) else None
        if following is None and segment.size == 0:
            break  # an empty last segment is never deleted
        upper = following.base_offset if following is not None else log_end_offset
        if not (high_watermark >= upper and predicate(segment, following)):
            break
        n += 1
    return n


def _start_offset_breach(log_start_offset: int) -> _Predicate:
    return lambda segment, following: following is not None and following.base_offset <= log_start_offset


def _size_breach(segments: Sequence[SegmentView], retention_bytes: int) -> _Predicate:
    excess = sum(s.size for s in segments) - retention_bytes
    if excess < 0:
        return lambda segment, following: False

    def breach(segment: SegmentView, following: SegmentView | None) -> bool:
        nonlocal excess
        if excess - segment.size >= 0:
            excess -= segment.size
            return True
        return False

    return breach


def _time_breach(retention_ms: int, now: int) -> _Predicate:
    return lambda segment, following: now - segment.largest_timestamp > retention_ms


def delete_old_segments(partition: "Partition", now: int) -> int:
    """Apply retention to ``partition`` at ``now``: rename its deletable segments ``.deleted``; how many went.

    The files are removed later (``file.delete.delay.ms``) by whoever scheduled this
    call, from ``partition.pending_deletions``.
    """
    config = partition.config
    decision = deletable_segments(
        partition.segment_views(), partition.log_start_offset, partition.log_end_offset, partition.high_watermark,
        config.retention_ms, config.retention_bytes, config.delete, now,
    )
    if decision.count:
        partition.delete_oldest(decision.count, decision.reason, now)
    return decision.count
