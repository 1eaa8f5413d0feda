"""Retention and roll decisions as pure functions: Kafka's deleteOldSegments and shouldRoll, driven with numbers."""

import random

from kcli.broker.log import roll
from kcli.broker.log.retention import SegmentView, deletable_segments

FOREVER = -1


def segs(*specs):
    """SegmentViews from (base_offset, size, largest_timestamp)."""
    return [SegmentView(*spec) for spec in specs]


def decide(segments, leo, *, start=0, ms=FOREVER, size=FOREVER, delete=True, now=0):
    return deletable_segments(segments, start, leo, leo, ms, size, delete, now)


def test_time_retention_deletes_a_segment_only_once_its_largest_timestamp_is_older_than_retention_ms():
    log = segs((0, 100, 1_000), (10, 100, 5_000), (20, 100, 9_000))
    assert decide(log, 30, ms=2_000, now=3_000).count == 0  # 3000 - 1000 = 2000: not more than 2000
    assert decide(log, 30, ms=2_000, now=3_001).count == 1
    assert decide(log, 30, ms=2_000, now=7_001).count == 2
    assert decide(log, 30, ms=2_000, now=7_001).reason == "retention time 2000ms breach"


def test_time_retention_stops_at_the_first_segment_that_must_stay():
    log = segs((0, 100, 9_000), (10, 100, 1_000), (20, 100, 9_500))  # an old segment behind a newer one stays
    assert decide(log, 30, ms=2_000, now=10_000).count == 0


def test_every_segment_expired_deletes_them_all_the_partition_rolls_first():
    log = segs((0, 100, 1_000), (10, 100, 2_000))
    assert decide(log, 20, ms=500, now=10_000).count == 2


def test_an_empty_last_segment_is_never_deleted():
    log = segs((0, 100, 1_000), (10, 0, -1))
    assert decide(log, 10, ms=500, now=10_000).count == 1


def test_size_retention_deletes_oldest_segments_while_the_log_stays_at_or_above_retention_bytes():
    log = segs((0, 400, 0), (10, 400, 0), (20, 400, 0), (30, 100, 0))  # 1300 bytes
    assert decide(log, 40, size=1300).count == 0
    assert decide(log, 40, size=900).count == 1  # 1300 - 400 = 900 >= 900
    assert decide(log, 40, size=899).count == 1  # a second one would leave 500 < 899
    assert decide(log, 40, size=500).count == 2
    assert decide(log, 40, size=0).count == 4  # the active segment too (after a roll)
    assert decide(log, 40, size=500).reason == "retention size in bytes 500 breach"


def test_minus_one_keeps_everything():
    log = segs((0, 400, 0), (10, 400, 0))
    assert decide(log, 20, ms=FOREVER, size=FOREVER, now=10**12).count == 0


def test_log_start_offset_breach_deletes_segments_wholly_below_it_even_without_delete_policy():
    log = segs((0, 100, 0), (10, 100, 0), (20, 100, 0))
    assert decide(log, 30, start=9, delete=False, ms=0, now=10**12).count == 0  # offset 9 is still readable in segment 0
    assert decide(log, 30, start=10, delete=False, ms=0, now=10**12).count == 1
    assert decide(log, 30, start=25, delete=False).count == 2
    assert decide(log, 30, start=30, delete=False).count == 2  # the active segment has no successor
    assert decide(log, 30, start=25, delete=False).reason == "log start offset breach"


def test_passes_run_in_kafkas_order_each_over_what_the_previous_left():
    log = segs((0, 100, 1_000), (10, 100, 2_000), (20, 100, 3_000), (30, 100, 9_000), (40, 50, 9_500))
    # the start offset takes segment 0; of the 350 bytes left, size takes segment 10 (250 stay);
    # time then takes segment 20 (8500 - 3000 > 5000) and stops at segment 30
    decision = decide(log, 50, start=10, size=250, ms=5_000, now=8_500)
    assert decision.count == 3
    assert decision.reason == "retention time 5000ms breach"
    assert decide(log, 50, start=10, size=250, ms=FOREVER).count == 2


def test_nothing_past_the_high_watermark_is_deleted():
    log = segs((0, 100, 0), (10, 100, 0))
    assert deletable_segments(log, 0, 20, 15, 0, FOREVER, True, 10**12).count == 1
    assert deletable_segments(log, 0, 20, 9, 0, FOREVER, True, 10**12).count == 0


# -- roll ----------------------------------------------------------------------

def should(size=100, ts=10_000, rolling=5_000, created=0, now=20_000, segment_ms=10_000, segment_bytes=1_000,
           messages=50, entries=0, max_entries=100, fits=True, jitter=0):
    params = roll.RollParams(segment_ms, segment_bytes, ts, messages, now)
    return roll.should_roll(params, size, entries, max_entries, fits, rolling, created, jitter)


def test_time_roll_measures_record_time_since_the_segments_first_append():
    assert not should(ts=15_000, rolling=5_000)  # waited 10000: not more than segment.ms
    assert should(ts=15_001, rolling=5_000)
    assert should(ts=15_001, rolling=5_000, now=0)  # wall time is not what counts
    assert not should(ts=15_000, rolling=5_000, now=10**12)
    assert should(ts=14_002, rolling=5_000, jitter=1_000)  # jitter shortens the wait


def test_time_roll_falls_back_to_wall_time_since_creation_without_a_timestamp():
    assert not should(rolling=-1, created=1_000, now=11_000)
    assert should(rolling=-1, created=1_000, now=11_001)


def test_size_index_and_offset_rolls():
    assert not should(size=950, messages=50, ts=0)
    assert should(size=951, messages=50, ts=0)
    assert should(entries=100, max_entries=100, ts=0)
    assert should(fits=False, ts=0)


def test_an_empty_segment_is_never_rolled():
    assert not should(size=0, messages=10**9, ts=10**12, entries=10**6, max_entries=0, fits=False)


def test_index_fullness_counts_whole_entries_of_segment_index_bytes():
    assert roll.max_index_entries(10485760) == 1310720
    assert roll.max_index_entries(100) == 12


def test_jitter_is_below_the_smaller_of_jitter_and_segment_ms():
    assert roll.random_jitter(0, 1000) == 0
    rng = random.Random(7)
    assert all(0 <= roll.random_jitter(500, 100, rng) < 100 for _ in range(200))
