"""kafka-consumer-groups' argument parsing and row order, from data: no cluster."""

import pytest
from kafka.structs import TopicPartition

from kcli.tools.consumer_groups import GroupDescription, Member, OptionError, _with_offsets, java_error, parse_states, parse_topic_arg


@pytest.mark.parametrize("arg, parsed", [
    ("coffee", ("coffee", None)),
    ("coffee:0", ("coffee", [0])),
    ("coffee:0,2,1", ("coffee", [0, 2, 1])),
    ("coffee:1,", ("coffee", [1])),  # Java's split drops the trailing empty piece
    ("coffee:+3", ("coffee", [3])),
])
def test_topic_args(arg, parsed):
    assert parse_topic_arg(arg) == parsed


@pytest.mark.parametrize("arg, message", [
    ("coffee:", "Invalid topic arg 'coffee:', expected topic name and partitions"),
    ("coffee:0:1", "Invalid topic arg 'coffee:0:1', expected topic name and partitions"),
    ("coffee:0,,1", "Invalid partition '' specified in topic arg 'coffee:0,,1''"),
    ("coffee: 1", "Invalid partition ' 1' specified in topic arg 'coffee: 1''"),
    ("coffee:one", "Invalid partition 'one' specified in topic arg 'coffee:one''"),
])
def test_bad_topic_args_get_kafkas_words(arg, message):
    with pytest.raises(OptionError) as info:
        parse_topic_arg(arg)
    assert info.value.message == message


def test_states_are_read_in_any_case_and_checked():
    assert parse_states("stable, EMPTY,Stable") == ["Stable", "Empty"]
    assert parse_states("PreparingRebalance,completingrebalance,dead") == ["PreparingRebalance", "CompletingRebalance", "Dead"]
    with pytest.raises(OptionError) as info:
        parse_states("Stable,Sleeping")
    assert info.value.message == "Invalid state list 'Stable,Sleeping'. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty"


def test_errors_read_as_kafkas_exceptions():
    assert java_error(68) == "org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty."
    assert java_error(69) == "org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist."
    assert java_error(30, "denied") == "org.apache.kafka.common.errors.GroupAuthorizationException: denied"


def test_offset_rows_put_busiest_members_first_then_unassigned_committed_partitions():
    t = lambda topic, p: TopicPartition(topic, p)  # noqa: E731
    members = (
        Member("g", "m-small", "", "/10.0.0.1", "c1", (t("tea", 0),)),
        Member("g", "m-idle", "", "/10.0.0.3", "c3", ()),
        Member("g", "m-big", "", "/10.0.0.2", "c2", (t("coffee", 1), t("coffee", 0))),
    )
    group = GroupDescription("g", "Stable", "range", members=members)
    committed = {t("coffee", 0): 5, t("coffee", 1): None, t("tea", 0): 1, t("old", 0): 4}
    rows = _with_offsets(group, committed, {t("coffee", 0): 9, t("coffee", 1): 3, t("tea", 0): 1}).offsets
    assert [(r.topic, r.partition, r.current_offset, r.log_end_offset, r.lag, r.consumer_id) for r in rows] == [
        ("coffee", 0, 5, 9, 4, "m-big"),
        ("coffee", 1, None, 3, None, "m-big"),  # assigned, nothing committed: no lag
        ("tea", 0, 1, 1, 0, "m-small"),
        ("old", 0, 4, None, None, None),  # committed, assigned to nobody, end unknown (topic gone)
    ]
