"""Offset reset scenarios, planned from numbers: Kafka's ConsumerGroupCommand semantics, no cluster."""

from datetime import datetime, timedelta, timezone

import pytest
from kafka.structs import TopicPartition

from kcli.tools.errors import ToolError
from kcli.tools.offset_reset import PartitionOffsets, ResetScenario, duration_nanos, instant_before, parse_datetime_ms, parse_reset_plan, plan

T0, T1, U0 = TopicPartition("t", 0), TopicPartition("t", 1), TopicPartition("u", 0)
# t-0 holds offsets 10..50, t-1 is empty at 7, u-0 holds 0..3; the group committed t-0 at 20 only.
OFFSETS = PartitionOffsets(
    committed={T0: 20},
    log_start={T0: 10, T1: 7, U0: 0},
    log_end={T0: 50, T1: 7, U0: 3},
    by_timestamp={T0: 30, T1: -1, U0: -1},
)


def _ms(*args, tz=timezone.utc) -> int:
    return round(datetime(*args, tzinfo=tz).timestamp() * 1000)


@pytest.mark.parametrize("text, expected", [
    ("2020-11-10T16:51:38.198", _ms(2020, 11, 10, 16, 51, 38, 198000)),  # no zone: UTC, as Utils.getDateTime appends Z
    ("2020-11-10T16:51:38.198Z", _ms(2020, 11, 10, 16, 51, 38, 198000)),
    ("2020-11-10T16:51:38.198+08:00", _ms(2020, 11, 10, 16, 51, 38, 198000, tz=timezone(timedelta(hours=8)))),
    ("2020-11-10T16:51:38.198+0800", _ms(2020, 11, 10, 16, 51, 38, 198000, tz=timezone(timedelta(hours=8)))),
    ("2020-11-10T16:51:38.198+08", _ms(2020, 11, 10, 16, 51, 38, 198000, tz=timezone(timedelta(hours=8)))),
    ("2020-11-10T16:51:38.198-05:30", _ms(2020, 11, 10, 16, 51, 38, 198000, tz=timezone(-timedelta(hours=5, minutes=30)))),
    ("2020-11-10T16:51:38.5", _ms(2020, 11, 10, 16, 51, 38, 5000)),  # SimpleDateFormat's SSS counts milliseconds: .5 is 5 ms
    ("2024-02-29T00:00:00.000", _ms(2024, 2, 29)),
])
def test_datetimes_read_as_kafka_reads_them(text, expected):
    assert parse_datetime_ms(text) == expected


@pytest.mark.parametrize("text, message", [
    ("2020-11-10", "Error parsing timestamp. It does not contain a 'T' according to ISO8601 format"),
    ("2020-11-10T", "Error parsing timestamp. It does not contain a 'T' according to ISO8601 format"),
    ("2020-11-10T16:51:38", 'Unparseable date: "2020-11-10T16:51:38Z"'),
    ("2023-02-29T00:00:00.000", 'Unparseable date: "2023-02-29T00:00:00.000Z"'),
    ("2020-11-10T24:00:00.000", 'Unparseable date: "2020-11-10T24:00:00.000Z"'),
    ("2020-11-10T16:51:38.198+ab", 'Unparseable date: "2020-11-10T16:51:38.198+ab"'),
])
def test_bad_datetimes_get_kafkas_messages(text, message):
    with pytest.raises(ToolError) as info:
        parse_datetime_ms(text)
    assert info.value.message == message


@pytest.mark.parametrize("text, seconds", [
    ("PT1H", 3600), ("pt30m", 1800), ("P1D", 86400), ("P1DT2H3M4.5S", 86400 + 7200 + 180 + 4.5),
    ("-PT1M", -60), ("PT-1.5S", -1.5), ("P-1DT25H", 3600), ("PT0.000000001S", 1e-9),
])
def test_durations_read_as_java_time_reads_them(text, seconds):
    assert duration_nanos(text) == round(seconds * 10**9)


@pytest.mark.parametrize("text", ["P", "PT", "1H", "P1H", "PT1H2", "P1DT", "PT1.5H", "P1W", ""])
def test_bad_durations_are_rejected_in_java_times_words(text):
    with pytest.raises(ToolError) as info:
        duration_nanos(text)
    assert info.value.message == "Text cannot be parsed to a Duration"


def test_by_duration_counts_back_from_now_and_rounds_down():
    assert instant_before(1_000_000, "PT1S") == 999_000
    assert instant_before(1_000_000, "-PT1S") == 1_001_000
    assert instant_before(1000, "PT0.0005S") == 999


def test_earliest_latest_and_current():
    parts = [T0, T1]
    assert plan(ResetScenario("to-earliest"), parts, OFFSETS).offsets == {T0: 10, T1: 7}
    assert plan(ResetScenario("to-latest"), parts, OFFSETS).offsets == {T0: 50, T1: 7}
    # --to-current keeps a committed offset and takes the log end where there is none
    assert plan(ResetScenario("to-current"), [T1, T0], OFFSETS).offsets == {T0: 20, T1: 7}


def test_to_offset_is_clamped_into_the_log_with_kafkas_warnings():
    result = plan(ResetScenario("to-offset", 60), [T0, U0], OFFSETS)
    assert result.offsets == {T0: 50, U0: 3}
    assert result.warnings == [
        "New offset (60) is higher than latest offset for topic partition t-0. Value will be set to 50",
        "New offset (60) is higher than latest offset for topic partition u-0. Value will be set to 3",
    ]
    low = plan(ResetScenario("to-offset", 2), [T0, U0], OFFSETS)
    assert low.offsets == {T0: 10, U0: 2}
    assert low.warnings == ["New offset (2) is lower than earliest offset for topic partition t-0. Value will be set to 10"]


def test_shift_by_moves_the_committed_offset_and_needs_one():
    assert plan(ResetScenario("shift-by", -5), [T0], OFFSETS).offsets == {T0: 15}
    assert plan(ResetScenario("shift-by", -15), [T0], OFFSETS).offsets == {T0: 10}
    with pytest.raises(ToolError) as info:
        plan(ResetScenario("shift-by", 1), [T0, U0], OFFSETS)
    assert info.value.message == "Cannot shift offset for partition u-0 since there is no current committed offset"


def test_by_time_falls_back_to_the_log_end_where_no_record_is_that_late():
    result = plan(ResetScenario("to-datetime", 1234), [U0, T0], OFFSETS)
    assert list(result.offsets.items()) == [(T0, 30), (U0, 3)]  # sorted by topic and partition
    assert result.warnings == ["Partition 0 from topic u is empty. Falling back to latest known offset."]


def test_a_plan_file_reads_as_export_writes_it():
    assert parse_reset_plan("t,0,5\nt,1,6\n\n", ["g"]) == {"g": {T0: 5, T1: 6}}  # export's closing blank line is fine
    several = "g1,t,0,5\r\ng2,u,0,1\n"
    assert parse_reset_plan(several, ["g1", "g2"]) == {"g1": {T0: 5}, "g2": {U0: 1}}
    assert parse_reset_plan(several, ["g1"]) == {"g1": {T0: 5}, "g2": {U0: 1}}  # four columns name their group even for one
    with pytest.raises(ToolError) as info:
        parse_reset_plan("t,zero,5\n", ["g"])
    assert info.value.message == "Invalid reset plan line 1: 't,zero,5' (expected topic,partition,offset)"


def test_a_plan_from_a_file_is_clamped_like_to_offset():
    scenario = ResetScenario("from-file", from_file={"g": {T0: 99, U0: 1}, "other": {T1: 3}})
    result = plan(scenario, [T0, U0], OFFSETS, "g")
    assert result.offsets == {T0: 50, U0: 1}
    assert result.warnings == ["New offset (99) is higher than latest offset for topic partition t-0. Value will be set to 50"]
