"""``kcli consumer-groups`` against a real kcli broker, with groups made by real kafka-python consumers.

Output is compared byte for byte with Kafka 3.x's kafka-consumer-groups layout (stdout is not a terminal here).
"""

from __future__ import annotations

import json
import time

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.structs import OffsetAndMetadata, TopicPartition

from kcli.broker.server import run_in_thread
from tests.conftest import broker_config
from tests.waiting import wait_for

NO_EXECUTE = (
    "WARN: No action will be performed as the --execute option is missing.In a future major release, the default "
    "behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You "
    "should add the --dry-run option explicitly if you are scripting this command and want to keep the current default "
    "behavior without prompting.\n"
)
NOW_MS = int(time.time() * 1000)
HOUR_MS = 3_600_000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """One broker for the module; ``coffee`` has 3 records on partition 0 and 2 on partition 1, two and one hours old
    but for the last of partition 0, which is new. Each test makes its own groups."""
    running = run_in_thread(broker_config(tmp_path_factory.mktemp("cg") / "kafka-logs"))
    admin = KafkaAdminClient(bootstrap_servers=running.bootstrap)
    admin.create_topics([NewTopic("coffee", 2, 1), NewTopic("tea", 1, 1)])
    producer = KafkaProducer(bootstrap_servers=running.bootstrap)
    for partition, age_ms in ((0, 2 * HOUR_MS), (0, HOUR_MS), (0, 0), (1, 2 * HOUR_MS), (1, HOUR_MS)):
        producer.send("coffee", b"espresso", partition=partition, timestamp_ms=NOW_MS - age_ms)
    producer.flush()
    producer.close()
    running.admin = admin
    yield running
    admin.close()
    running.stop()



def member(cluster, group, committed, topic="coffee", client_id="cli-1", **config) -> KafkaConsumer:
    """A consumer in ``group``, subscribed to ``topic``, that has joined and committed ``{partition: offset}``."""
    consumer = KafkaConsumer(topic, bootstrap_servers=cluster.bootstrap, group_id=group, client_id=client_id,
                             enable_auto_commit=False, auto_offset_reset="earliest", **config)
    wait_for(lambda: consumer.poll(timeout_ms=1000) is not None and consumer.assignment())
    consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(o, "", -1) for p, o in committed.items()})
    return consumer


def idle_group(cluster, group, committed, topic="coffee"):
    """A group whose only member committed ``committed`` and left: Empty, with offsets."""
    member(cluster, group, committed, topic).close()
    wait_for(lambda: cluster.admin.describe_groups([group])[group]["group_state"] == "Empty")


def member_id(cluster, group) -> str:
    [described] = cluster.admin.describe_groups([group])[group]["members"]
    return described["member_id"]


def committed(cluster, group) -> dict:
    return {(tp.topic, tp.partition): o.offset for tp, o in cluster.admin.list_group_offsets([group])[group].items()}


@pytest.fixture
def groups(kcli, cluster):
    """``kcli consumer-groups ARGS --bootstrap-server <the broker>``."""
    return lambda *args: kcli("consumer-groups", *args, "--bootstrap-server", cluster.bootstrap)


def test_list_with_and_without_states(groups, cluster):
    active = member(cluster, "list-active", {0: 3})
    idle_group(cluster, "list-idle", {0: 1})
    try:
        assert groups("--list").stdout == "list-active\nlist-idle\n"
        assert groups("--list", "--state").stdout == (
            "GROUP           STATE\n"
            "list-active     Stable\n"
            "list-idle       Empty\n"
        )
        assert groups("--list", "--state", "Empty").stdout == "GROUP           STATE\nlist-idle       Empty\n"
        assert groups("--list", "--state", "stable,EMPTY").stdout == groups("--list", "--state", "Stable", "Empty").stdout
        assert json.loads(groups("--list", "--output", "json").stdout) == [
            {"group": "list-active", "state": "Stable"}, {"group": "list-idle", "state": "Empty"}]
    finally:
        active.close()


def test_describe_offsets_shows_lag_per_assigned_partition(groups, cluster):
    consumer = member(cluster, "describe-active", {0: 3, 1: 1})
    try:
        member_text = member_id(cluster, "describe-active")
        assert len(member_text) == 42  # cli-1-<uuid>: the CONSUMER-ID column is as wide as it
        result = groups("--describe", "--group", "describe-active")
        assert (result.exit_code, result.stderr) == (0, "")
        assert result.stdout == (
            "\n"
            "GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID                                HOST            CLIENT-ID\n"
            f"describe-active coffee          0          3               3               0               {member_text} /127.0.0.1      cli-1\n"
            f"describe-active coffee          1          1               2               1               {member_text} /127.0.0.1      cli-1\n"
        )
        assert groups("--describe", "--group", "describe-active", "--offsets").stdout == result.stdout
        [document] = json.loads(groups("--describe", "--group", "describe-active", "--output", "json").stdout)
        assert document["state"] == "Stable"
        assert [(o["partition"], o["current_offset"], o["log_end_offset"], o["lag"], o["consumer_id"]) for o in document["offsets"]] == [
            (0, 3, 3, 0, member_text), (1, 1, 2, 1, member_text)]
    finally:
        consumer.close()


def test_describe_an_empty_group_says_so_and_shows_its_committed_offsets(groups, cluster):
    idle_group(cluster, "describe-idle", {0: 1})
    result = groups("--describe", "--group", "describe-idle")
    assert result.exit_code == 0
    assert result.stderr == "\nConsumer group 'describe-idle' has no active members.\n"
    assert result.stdout == (
        "\n"
        "GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n"
        "describe-idle   coffee          0          1               3               2               -               -               -\n"
    )
    members = groups("--describe", "--group", "describe-idle", "--members")
    assert (members.exit_code, members.stdout, members.stderr) == (0, "", "\nConsumer group 'describe-idle' has no active members.\n")


def test_describe_members_and_verbose_assignment(groups, cluster):
    consumer = member(cluster, "members", {0: 1})
    try:
        member_text = member_id(cluster, "members")
        assert groups("--describe", "--group", "members", "--members").stdout == (
            "\n"
            "GROUP           CONSUMER-ID                                HOST            CLIENT-ID       #PARTITIONS     \n"
            f"members         {member_text} /127.0.0.1      cli-1           2               \n"
        )
        assert groups("--describe", "--group", "members", "--members", "--verbose").stdout == (
            "\n"
            "GROUP           CONSUMER-ID                                HOST            CLIENT-ID       #PARTITIONS     ASSIGNMENT\n"
            f"members         {member_text} /127.0.0.1      cli-1           2               coffee(0,1)\n"
        )
    finally:
        consumer.close()


def test_a_static_member_adds_the_group_instance_id_column(groups, cluster):
    consumer = member(cluster, "static", {0: 1}, topic="tea", client_id="cli-2", group_instance_id="barista-1")
    try:
        member_text = member_id(cluster, "static")
        assert member_text.startswith("barista-1-") and len(member_text) == 46
        assert groups("--describe", "--group", "static", "--members").stdout == (
            "\n"
            "GROUP           CONSUMER-ID                                    GROUP-INSTANCE-ID HOST            CLIENT-ID       #PARTITIONS     \n"
            f"static          {member_text} barista-1         /127.0.0.1      cli-2           1               \n"
        )
    finally:
        consumer.close()


def test_describe_state_names_the_coordinator_and_strategy(groups, cluster):
    consumer = member(cluster, "stateful", {0: 1})
    try:
        coordinator = f"127.0.0.1:{cluster.bootstrap.rsplit(':', 1)[1]} (0)"
        assert groups("--describe", "--group", "stateful", "--state").stdout == (
            "\n"
            "GROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS\n"
            f"stateful                  {coordinator:<25} range                Stable          1\n"
        )
    finally:
        consumer.close()


def test_an_unknown_group_does_not_exist_in_every_view(groups):
    for view in ((), ("--members",), ("--state",), ("--offsets",)):
        result = groups("--describe", "--group", "nope", *view)
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", "Error: Consumer group 'nope' does not exist.\n")


def test_describe_several_groups_each_in_its_own_table(groups, cluster):
    idle_group(cluster, "many-a", {0: 2})
    idle_group(cluster, "many-b", {1: 2})
    result = groups("--describe", "--group", "many-b", "--group", "many-a", "--group", "nope")
    assert result.exit_code == 1
    assert result.stdout == (
        "\n"
        "GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n"
        "many-a          coffee          0          2               3               1               -               -               -\n"
        "\n"
        "GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID\n"
        "many-b          coffee          1          2               2               0               -               -               -\n"
    )
    assert result.stderr == (
        "\nConsumer group 'many-a' has no active members.\n"
        "\nConsumer group 'many-b' has no active members.\n"
        "Error: Consumer group 'nope' does not exist.\n"
    )


def test_delete_refuses_an_active_group_and_deletes_an_empty_one(groups, cluster):
    consumer = member(cluster, "doomed", {0: 1})
    busy = groups("--delete", "--group", "doomed")
    assert (busy.exit_code, busy.stdout) == (1, "")
    assert busy.stderr == (
        "Error: Deletion of some consumer groups failed:\n"
        "* Group 'doomed' could not be deleted due to: java.util.concurrent.ExecutionException: "
        "org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.\n"
    )
    consumer.close()
    wait_for(lambda: cluster.admin.describe_groups(["doomed"])["doomed"]["group_state"] == "Empty")
    deleted = groups("--delete", "--group", "doomed")
    assert (deleted.exit_code, deleted.stdout, deleted.stderr) == (0, "Deletion of requested consumer groups ('doomed') was successful.\n", "")
    assert "doomed" not in groups("--list").stdout.split()
    again = groups("--delete", "--group", "doomed")
    assert again.exit_code == 1
    assert again.stderr.endswith("org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.\n")


def test_delete_offsets_per_partition(groups, cluster):
    consumer = member(cluster, "pruned", {0: 1, 1: 1})
    subscribed = groups("--delete-offsets", "--group", "pruned", "--topic", "coffee:1")
    assert subscribed.exit_code == 1
    assert subscribed.stderr == "Error: Encounter some partition level error, see the follow-up details:\n"
    assert subscribed.stdout == (
        "\n"
        "TOPIC                          PARTITION       STATUS         \n"
        "coffee                         1               Error: org.apache.kafka.common.errors.GroupSubscribedToTopicException: "
        "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.\n"
    )
    consumer.close()
    wait_for(lambda: cluster.admin.describe_groups(["pruned"])["pruned"]["group_state"] == "Empty")
    done = groups("--delete-offsets", "--group", "pruned", "--topic", "coffee:1")
    assert (done.exit_code, done.stderr) == (0, "")
    assert done.stdout == (
        "Request succeed for deleting offsets with topic coffee:1 group pruned\n"
        "\n"
        "TOPIC                          PARTITION       STATUS         \n"
        "coffee                         1               Successful     \n"
    )
    assert committed(cluster, "pruned") == {("coffee", 0): 1}
    unknown = groups("--delete-offsets", "--group", "pruned", "--topic", "nope")
    assert unknown.exit_code == 1
    assert unknown.stdout.splitlines()[-1] == (
        "nope                           Not Provided    Error: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: "
        "This server does not host this topic-partition.")
    gone = groups("--delete-offsets", "--group", "never-was", "--topic", "coffee:0")
    assert (gone.exit_code, gone.stderr) == (1, "Error: 'never-was' does not exist.\n")


def _reset_table(*rows) -> str:
    header = "GROUP                          TOPIC                          PARTITION  NEW-OFFSET     \n"
    return "\n" + header + "".join(f"{g:<30} {t:<30} {p:<10} {o:<15}\n" for g, t, p, o in rows)


def test_reset_offsets_is_a_dry_run_until_executed(groups, cluster):
    idle_group(cluster, "rewind", {0: 2, 1: 1})
    dry = groups("--reset-offsets", "--group", "rewind", "--topic", "coffee", "--to-earliest")
    assert (dry.exit_code, dry.stderr) == (0, NO_EXECUTE)
    assert dry.stdout == _reset_table(("rewind", "coffee", 0, 0), ("rewind", "coffee", 1, 0))
    assert committed(cluster, "rewind") == {("coffee", 0): 2, ("coffee", 1): 1}
    explicit = groups("--reset-offsets", "--group", "rewind", "--topic", "coffee", "--to-earliest", "--dry-run")
    assert (explicit.stdout, explicit.stderr) == (dry.stdout, "")
    executed = groups("--reset-offsets", "--group", "rewind", "--topic", "coffee:1", "--to-latest", "--execute")
    assert (executed.exit_code, executed.stderr) == (0, "")
    assert executed.stdout == _reset_table(("rewind", "coffee", 1, 2))
    assert committed(cluster, "rewind") == {("coffee", 0): 2, ("coffee", 1): 2}


def test_reset_scenarios(groups, cluster):
    idle_group(cluster, "scenarios", {0: 2, 1: 1})

    def plan(*args):
        result = groups("--reset-offsets", "--group", "scenarios", "--dry-run", *args)
        assert result.exit_code == 0, result.stderr
        return result.stdout, result.stderr

    assert plan("--all-topics", "--shift-by", "-1")[0] == _reset_table(("scenarios", "coffee", 0, 1), ("scenarios", "coffee", 1, 0))
    assert plan("--all-topics", "--to-current")[0] == _reset_table(("scenarios", "coffee", 0, 2), ("scenarios", "coffee", 1, 1))
    assert plan("--topic", "coffee:0", "--to-offset", "7") == (
        _reset_table(("scenarios", "coffee", 0, 3)),
        "WARN New offset (7) is higher than latest offset for topic partition coffee-0. Value will be set to 3\n",
    )
    # records are 2 h and 1 h old (and partition 0's last is new): 90 minutes ago lands on each partition's second record
    assert plan("--topic", "coffee", "--by-duration", "PT1H30M")[0] == _reset_table(("scenarios", "coffee", 0, 1), ("scenarios", "coffee", 1, 1))
    assert plan("--topic", "coffee", "--by-duration", "PT30M") == (
        _reset_table(("scenarios", "coffee", 0, 2), ("scenarios", "coffee", 1, 2)),
        "WARN Partition 1 from topic coffee is empty. Falling back to latest known offset.\n",
    )
    an_hour_ago = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((NOW_MS - HOUR_MS) / 1000)) + f".{(NOW_MS - HOUR_MS) % 1000:03d}"
    assert plan("--topic", "coffee", "--to-datetime", an_hour_ago)[0] == _reset_table(("scenarios", "coffee", 0, 1), ("scenarios", "coffee", 1, 1))
    shift_nothing = groups("--reset-offsets", "--group", "scenarios", "--dry-run", "--topic", "tea", "--shift-by", "1")
    assert (shift_nothing.exit_code, shift_nothing.stderr) == (1, "Cannot shift offset for partition tea-0 since there is no current committed offset\n")


def test_reset_export_is_kafkas_csv(groups, cluster):
    idle_group(cluster, "exported", {0: 2, 1: 1})
    result = groups("--reset-offsets", "--group", "exported", "--all-topics", "--to-earliest", "--dry-run", "--export")
    assert (result.exit_code, result.stdout) == (0, "coffee,0,0\ncoffee,1,0\n\n")
    both = groups("--reset-offsets", "--group", "exported", "--group", "list-idle-none", "--all-topics", "--to-earliest", "--dry-run", "--export")
    assert both.stdout == "exported,coffee,0,0\nexported,coffee,1,0\n\n"


def test_an_exported_plan_is_executed_from_its_file(groups, cluster, tmp_path):
    idle_group(cluster, "replanned", {0: 3, 1: 2})
    plan = tmp_path / "plan.csv"
    plan.write_text(groups("--reset-offsets", "--group", "replanned", "--all-topics", "--shift-by", "-2", "--dry-run", "--export").stdout)
    assert plan.read_text() == "coffee,0,1\ncoffee,1,0\n\n"
    executed = groups("--reset-offsets", "--group", "replanned", "--from-file", str(plan), "--execute")
    assert (executed.exit_code, executed.stderr) == (0, "")
    assert executed.stdout == _reset_table(("replanned", "coffee", 0, 1), ("replanned", "coffee", 1, 0))
    assert committed(cluster, "replanned") == {("coffee", 0): 1, ("coffee", 1): 0}
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("someone-else,coffee,0,0\n")
    missing = groups("--reset-offsets", "--group", "replanned", "--from-file", str(elsewhere), "--execute")
    assert (missing.exit_code, missing.stdout, missing.stderr) == (1, "", "Error: No reset plan for group replanned found\n")
    assert committed(cluster, "replanned") == {("coffee", 0): 1, ("coffee", 1): 0}


def test_reset_refuses_a_group_with_active_members(groups, cluster):
    consumer = member(cluster, "busy", {0: 1})
    try:
        result = groups("--reset-offsets", "--group", "busy", "--all-topics", "--to-earliest", "--execute")
        assert (result.exit_code, result.stdout) == (1, "")
        assert result.stderr == "Error: Assignments can only be reset if the group 'busy' is inactive, but the current state is Stable.\n"
        assert committed(cluster, "busy") == {("coffee", 0): 1}
    finally:
        consumer.close()


def test_reset_an_unknown_topic_fails_in_kafkas_words(groups, cluster):
    idle_group(cluster, "lost", {0: 1})
    result = groups("--reset-offsets", "--group", "lost", "--topic", "nope", "--to-earliest", "--dry-run")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("Error: Executing consumer group command failed due to org.apache.kafka.common.errors."
                             "UnknownTopicOrPartitionException: This server does not host this topic-partition.\n")
    assert "nope" not in cluster.admin.list_topics()


def test_all_groups_on_a_broker_of_their_own(kcli, broker):
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    admin.create_topics([NewTopic("coffee", 2, 1)])
    broker.admin = admin
    try:
        idle_group(broker, "first", {0: 0})
        idle_group(broker, "second", {1: 0})

        def groups(*args):
            return kcli("consumer-groups", *args, "--bootstrap-server", broker.bootstrap)

        described = groups("--describe", "--all-groups", "--state")
        assert [line.split()[0] for line in described.stdout.splitlines() if line and not line.startswith("GROUP")] == ["first", "second"]
        assert groups("--delete", "--all-groups").stdout == "Deletion of requested consumer groups ('first', 'second') was successful.\n"
        assert groups("--list").stdout == ""
        assert groups("--describe", "--all-groups").stdout == ""
        # Kafka's mkString("'", "', '", "'") on no groups
        assert groups("--delete", "--all-groups").stdout == "Deletion of requested consumer groups ('') was successful.\n"
    finally:
        admin.close()


@pytest.mark.parametrize("args, message", [
    (("--list", "--describe"), "Option [describe] takes one of these options: [group], [all-groups]"),
    (("--list", "--delete", "--group", "g"), 'Option "[group]" can\'t be used with option "[list]"'),
    (("--describe", "--all-groups", "--delete"), "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"),
    (("--describe", "--group", "g", "--members", "--state"), "Option [describe] takes at most one of these options: [members], [offsets], [state]"),
    (("--describe", "--group", "g", "--state", "Stable"), "Option [describe] does not take a value for [state]"),
    (("--describe", "--group", "g", "--all-groups"), 'Option "[group]" can\'t be used with option "[all-groups]"'),
    (("--describe", "--group", "g", "--topic", "t"), 'Option "[topic]" can\'t be used with option "[describe]"'),
    (("--list", "--members"), "Option(s) [members] are unavailable given other options on the command line"),
    (("--list", "Stable"), "Unexpected argument 'Stable': states go after --list --state"),
    (("--list", "--output", "yaml"), "Invalid value for --output: 'yaml' (kcli prints Kafka's columns, or json)"),
    (("--list", "--state", "bogus"), "Invalid state list 'bogus'. Valid states are: PreparingRebalance, CompletingRebalance, Stable, Dead, Empty"),
    (("--delete",), "Option [delete] takes one of these options: [group], [all-groups]"),
    (("--delete", "--group", "g", "--topic", "t"), "The consumer does not support topic-specific offset deletion from a consumer group."),
    (("--delete-offsets", "--group", "g"), "Option [delete-offsets] takes the following options: [group], [topic]"),
    (("--delete-offsets", "--group", "g", "--group", "h", "--topic", "t"),
     "Error: Executing consumer group command failed due to Found multiple arguments for option group, but you asked for only one"),
    (("--reset-offsets", "--group", "g", "--dry-run", "--execute"), "Option [reset-offsets] only accepts one of [execute] and [dry-run]"),
    (("--reset-offsets", "--dry-run", "--to-earliest"), "Option [reset-offsets] takes one of these options: [group], [all-groups]"),
    (("--reset-offsets", "--group", "g", "--dry-run", "--to-earliest", "--to-offset", "1"), 'Option "[to-offset]" can\'t be used with option "[to-earliest]"'),
    (("--reset-offsets", "--group", "g", "--dry-run", "--to-earliest"), "One of the reset scopes should be defined: --all-topics, --topic."),
    (("--reset-offsets", "--group", "g", "--dry-run", "--all-topics"), "Option '[reset-offsets]' requires one of the following scenarios: "
     "[to-datetime], [by-duration], [to-earliest], [to-latest], [shift-by], [from-file], [to-current], [to-offset]"),
    (("--reset-offsets", "--group", "g", "--dry-run", "--from-file", "no-such-plan.csv"),
     "Error: Executing consumer group command failed due to Cannot read no-such-plan.csv: No such file or directory"),
    (("--reset-offsets", "--group", "g", "--dry-run", "--topic", "t:0,x", "--to-earliest"), "Invalid partition 'x' specified in topic arg 't:0,x''"),
    (("--reset-offsets", "--group", "g", "--dry-run", "--topic", "t:0:1", "--to-earliest"), "Invalid topic arg 't:0:1', expected topic name and partitions"),
    (("--reset-offsets", "--group", "g", "--dry-run", "--all-topics", "--to-datetime", "2024-01-01"),
     "Error: Executing consumer group command failed due to Error parsing timestamp. It does not contain a 'T' according to ISO8601 format"),
    (("--reset-offsets", "--group", "g", "--dry-run", "--all-topics", "--by-duration", "1h"),
     "Error: Executing consumer group command failed due to Text cannot be parsed to a Duration"),
])
def test_option_mistakes_get_kafkas_words_before_connecting(kcli, args, message):
    result = kcli("consumer-groups", *args, "--bootstrap-server", "127.0.0.1:1")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", message + "\n")


def test_an_unreachable_cluster_times_out_after_timeout(kcli, unused_port):
    started = time.monotonic()
    result = kcli("consumer-groups", "--list", "--bootstrap-server", f"127.0.0.1:{unused_port}", "--timeout", "500")
    assert time.monotonic() - started < 5
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == (f"WARN Connection to node -1 (/127.0.0.1:{unused_port}) could not be established. Broker may not be available.\n"
                             "Is a broker running? Start one with: kcli server-start\n"
                             "Error: Executing consumer group command failed due to org.apache.kafka.common.errors.TimeoutException: "
                             "Timed out waiting for a node assignment. Call: listConsumerGroups\n")


@pytest.fixture
def unused_port():
    from tests.ports import free_port

    return free_port()
