"""How consumer-groups results are drawn: Kafka's fixed-width layout, rich tables on a terminal, JSON. From data."""

import json

from kafka.structs import TopicPartition

from kcli.cli import render
from kcli.tools.consumer_groups import GroupDeletion, GroupDescription, GroupReset, Member, OffsetDeletion, OffsetRow, PartitionDeletion, ResetOutcome

LONG = "a-consumer-group-with-a-long-name"
ROWS = (
    OffsetRow(LONG, "beans-from-far-away-places", 0, 12, 15, 3, "c-1", "/192.168.100.200", "c"),
    OffsetRow(LONG, "beans-from-far-away-places", 1, None, 7, None, None, None, None),
)
STABLE = GroupDescription(LONG, "Stable", "range", 0, "broker-0.example.com", 9092, offsets=ROWS)


def test_offsets_columns_grow_with_their_longest_value(capsys):
    render.group_offsets([STABLE], terminal=False)
    assert capsys.readouterr().out == (
        "\n"
        "GROUP                             TOPIC                      PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST             CLIENT-ID\n"
        "a-consumer-group-with-a-long-name beans-from-far-away-places 0          12              15              3               c-1             /192.168.100.200 c\n"
        "a-consumer-group-with-a-long-name beans-from-far-away-places 1          -               7               -               -               -                -\n"
    )


def test_a_terminal_gets_a_rich_table_with_the_same_cells(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # a wide terminal: no cell folds
    render.group_offsets([STABLE], terminal=True)
    out = capsys.readouterr().out
    assert "CURRENT-OFFSET" in out and "/192.168.100.200" in out
    assert "\nGROUP                             TOPIC" not in out  # not Kafka's fixed layout
    row = next(line for line in out.splitlines() if " 1 " in line and "beans" in line)
    assert row.split()[2:] == ["1", "-", "7", "-", "-", "-", "-"]


def test_json_keeps_missing_values_null(capsys):
    render.group_offsets([STABLE], output="json")
    [group] = json.loads(capsys.readouterr().out)
    assert group["state"] == "Stable"
    assert group["offsets"][1] == {"topic": "beans-from-far-away-places", "partition": 1, "current_offset": None, "log_end_offset": 7,
                                   "lag": None, "consumer_id": None, "host": None, "client_id": None}


def test_rebalancing_and_dead_groups_are_announced_on_stderr(capsys):
    render.group_offsets([GroupDescription("moving", "PreparingRebalance", "", offsets=ROWS[:1]), GroupDescription("gone", "Dead", "")], terminal=False)
    captured = capsys.readouterr()
    assert captured.err == "\nWarning: Consumer group 'moving' is rebalancing.\nError: Consumer group 'gone' does not exist.\n"
    assert captured.out.count("\nGROUP ") == 1


def test_verbose_members_list_each_topics_partitions_in_order(capsys):
    t = TopicPartition
    members = (
        Member("g", "m-1", "", "/h", "c", (t("tea", 2), t("coffee", 10), t("coffee", 9))),
        Member("g", "m-2", "", "/h", "c", ()),
    )
    render.group_members([GroupDescription("g", "Stable", "range", members=members)], verbose=True, terminal=False)
    assert capsys.readouterr().out == (
        "\n"
        "GROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     ASSIGNMENT\n"
        "g               m-1             /h              c               3               coffee(9,10), tea(2)\n"
        "g               m-2             /h              c               0               -\n"
    )


def test_state_sizes_the_group_column_by_the_coordinators_text(capsys):
    render.group_states([STABLE], terminal=False)
    assert capsys.readouterr().out == (
        "\n"
        "GROUP                         COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS\n"
        "a-consumer-group-with-a-long-name broker-0.example.com:9092 (0) range                Stable          0\n"
    )


def test_reset_table_csv_and_refused_groups(capsys):
    outcome = ResetOutcome(
        [GroupReset("g,1", {TopicPartition("coffee", 0): 4}), GroupReset("busy", error="Assignments can only be reset if the group 'busy' is inactive, but the current state is Stable.")],
        ["Partition 0 from topic coffee is empty. Falling back to latest known offset."],
    )
    render.offsets_to_reset(outcome, terminal=False)
    captured = capsys.readouterr()
    assert captured.out == (
        "\n"
        "GROUP                          TOPIC                          PARTITION  NEW-OFFSET     \n"
        "g,1                            coffee                         0          4              \n"
    )
    assert captured.err == (
        "WARN Partition 0 from topic coffee is empty. Falling back to latest known offset.\n"
        "Error: Assignments can only be reset if the group 'busy' is inactive, but the current state is Stable.\n"
    )
    render.offsets_to_reset_csv(outcome, with_group=True)
    assert capsys.readouterr().out == '"g,1",coffee,0,4\n\n'


def test_deletions(capsys):
    render.deleted_groups([GroupDeletion("a", None), GroupDeletion("b", None)])
    assert capsys.readouterr().out == "Deletion of requested consumer groups ('a', 'b') was successful.\n"
    render.deleted_groups([GroupDeletion("a", None), GroupDeletion("b", "java.util.concurrent.ExecutionException: x")])
    captured = capsys.readouterr()
    assert captured.out == "\nThese consumer groups were deleted successfully: 'a'\n"
    assert captured.err == "Error: Deletion of some consumer groups failed:\n* Group 'b' could not be deleted due to: java.util.concurrent.ExecutionException: x\n"
    render.deleted_offsets(OffsetDeletion("g", ["nope"], None, [PartitionDeletion("nope", None, "boom")]), output="json")
    assert json.loads(capsys.readouterr().out) == {"group": "g", "error": None, "partitions": [{"topic": "nope", "partition": None, "error": "boom"}]}
