"""When the active segment is rolled: Kafka's ``LogSegment.shouldRoll``, as pure functions of numbers and ``now``.

Before an append, a new segment is started when any of these holds (Kafka's
``UnifiedLog.maybeRoll``):

* by size — the segment's bytes plus the append's would pass ``segment.bytes``;
* by time — the segment holds data and the time it has waited passes
  ``segment.ms`` (broker ``log.roll.ms`` / ``log.roll.hours``) minus its jitter
  (a random share of ``segment.jitter.ms``, drawn per segment). The wait is
  measured on record time: the append's largest timestamp minus the segment's
  *rolling-based timestamp*, the largest timestamp of the first append it
  took (or of its first batch, once reopened); only when that is unknown
  (-1) is it the wall-clock time since the segment was created;
* by index fullness — the offset index holds ``segment.index.bytes`` / 8
  entries (kcli's index is not preallocated, so this is a count);
* by offset — the append's last offset would not fit the index's 32-bit
  relative offset.

The size, time and fullness rules wait for the segment to hold something:
an empty segment is never rolled.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

INDEX_ENTRY_BYTES = 8


@dataclass(frozen=True, slots=True)
class RollParams:
    """What one append asks of the active segment (Kafka's RollParams)."""

    max_segment_ms: int
    max_segment_bytes: int
    max_timestamp_in_messages: int
    messages_size: int
    now: int


def time_waited_for_roll(now: int, message_timestamp: int, rolling_based_timestamp: int, created_ms: int) -> int:
    """Kafka's ``LogSegment.timeWaitedForRoll``: record time since the segment's first append, else wall time."""
    if rolling_based_timestamp >= 0:
        return message_timestamp - rolling_based_timestamp
    return now - created_ms


def max_index_entries(segment_index_bytes: int) -> int:
    """Entries an index of ``segment.index.bytes`` holds (Kafka rounds the size down to whole entries)."""
    return segment_index_bytes // INDEX_ENTRY_BYTES


def should_roll(params: RollParams, size: int, index_entries: int, index_max_entries: int, offset_fits: bool,
                rolling_based_timestamp: int, created_ms: int, jitter_ms: int) -> bool:
    """Whether the active segment is rolled before the append ``params`` describes."""
    if size == 0:
        return False  # kcli: an empty segment is never rolled (its base offset already is the log end offset)
    waited = time_waited_for_roll(params.now, params.max_timestamp_in_messages, rolling_based_timestamp, created_ms)
    return roll_due(size, params.messages_size, params.max_segment_bytes, waited, params.max_segment_ms - jitter_ms,
                    index_entries, index_max_entries, offset_fits)


def roll_due(size: int, messages_size: int, max_segment_bytes: int, waited: int, max_wait_ms: int, index_entries: int,
             index_max_entries: int, offset_fits: bool) -> bool:
    """The rule of ``should_roll`` for a segment holding ``size`` > 0 bytes, from plain numbers (the append
    path's: no RollParams per append): ``waited`` is time_waited_for_roll's, ``max_wait_ms`` segment.ms minus
    the segment's jitter."""
    return (
        size > max_segment_bytes - messages_size
        or waited > max_wait_ms
        or index_entries >= index_max_entries
        or not offset_fits
    )


def random_jitter(segment_jitter_ms: int, segment_ms: int, rng: random.Random | None = None) -> int:
    """Kafka's ``LogConfig.randomSegmentJitter``: 0, or a random value below min(jitter, segment.ms)."""
    if segment_jitter_ms <= 0:
        return 0
    return (rng or random).randrange(min(segment_jitter_ms, segment_ms))
