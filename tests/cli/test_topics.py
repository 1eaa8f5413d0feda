"""``kcli topics``: Kafka's output layout and error wording, against a real kcli broker."""

import re


def test_create_list_describe_alter_delete(kcli, broker):
    bs = ("--bootstrap-server", broker.bootstrap)
    assert kcli("topics", "--create", "--topic", "coffee", *bs).stdout == "Created topic coffee.\n"
    assert kcli("topics", "--create", "--topic", "tea", "--partitions", "2", "--config", "retention.ms=1000", *bs).exit_code == 0
    assert kcli("topics", "--list", *bs).stdout == "coffee\ntea\n"
    described = kcli("topics", "--describe", "--topic", "tea", *bs).stdout.splitlines()
    assert described == [
        "Topic: tea\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention.ms=1000,segment.bytes=1073741824",
        "\tTopic: tea\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: \tLastKnownElr: ",
        "\tTopic: tea\tPartition: 1\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: \tLastKnownElr: ",
    ]
    altered = kcli("topics", "--alter", "--topic", "coffee", "--partitions", "3", *bs)
    assert (altered.exit_code, altered.stdout) == (0, "")
    assert "PartitionCount: 3" in kcli("topics", "--describe", "--topic", "coffee", *bs).stdout
    deleted = kcli("topics", "--delete", "--topic", "tea", *bs)
    assert (deleted.exit_code, deleted.stdout) == (0, "")
    assert kcli("topics", "--list", *bs).stdout == "coffee\n"


def test_describe_all_and_regex(kcli, broker):
    bs = ("--bootstrap-server", broker.bootstrap)
    for name in ("beans.arabica", "beans.robusta", "milk"):
        kcli("topics", "--create", "--topic", name, *bs)
    out = kcli("topics", "--describe", "--topic", r"beans\..*", *bs).stdout
    assert re.findall(r"^Topic: (\S+)", out, re.M) == ["beans.arabica", "beans.robusta"]
    assert len(re.findall(r"^Topic: ", kcli("topics", "--describe", *bs).stdout, re.M)) == 3


def test_errors_are_kafkas_words_on_one_line(kcli, broker):
    bs = ("--bootstrap-server", broker.bootstrap)
    kcli("topics", "--create", "--topic", "coffee", *bs)
    cases = {
        ("--create", "--topic", "coffee"): "Error while executing topic command : Topic 'coffee' already exists.",
        ("--describe", "--topic", "nope"): "Error while executing topic command : Topic 'nope' does not exist as expected",
        ("--delete", "--topic", "nope"): "Error while executing topic command : Topic 'nope' does not exist as expected",
        ("--create", "--topic", "rf", "--replication-factor", "3"): (
            "Error while executing topic command : Unable to replicate the partition 3 time(s): The target "
            "replication factor of 3 cannot be reached because only 1 broker(s) are registered."
        ),
        ("--create", "--topic", "bad name"): (
            "Error while executing topic command : Topic name is invalid: 'bad name' contains one or more "
            "characters other than ASCII alphanumerics, '.', '_' and '-'"
        ),
        ("--alter", "--topic", "coffee", "--partitions", "1"): "Error while executing topic command : Topic already has 1 partition(s).",
        ("--create", "--topic", "x", "--partitions", "0"): "Error while executing topic command : The partitions must be greater than 0",
        ("--list", "--describe"): "Command must include exactly one action: --list, --describe, --create, --alter or --delete",
        ("--create",): 'Missing required argument "[topic]"',
    }
    for args, message in cases.items():
        result = kcli("topics", *args, *bs)
        assert (result.exit_code, result.stderr.strip(), result.stdout) == (1, message, ""), args


def test_if_exists_and_if_not_exists_are_quiet(kcli, broker):
    bs = ("--bootstrap-server", broker.bootstrap)
    kcli("topics", "--create", "--topic", "coffee", *bs)
    for args in (("--create", "--topic", "coffee", "--if-not-exists"), ("--delete", "--topic", "nope", "--if-exists"),
                 ("--describe", "--topic", "nope", "--if-exists")):
        result = kcli("topics", *args, *bs)
        assert (result.exit_code, result.stdout, result.stderr) == (0, "", ""), args


def test_zookeeper_flag_points_at_bootstrap_server(kcli):
    result = kcli("topics", "--list", "--zookeeper", "localhost:2181")
    assert result.exit_code == 1 and "--bootstrap-server" in result.stderr and len(result.stderr.splitlines()) == 1


def test_underscore_or_period_gets_kafkas_warning(kcli, broker):
    out = kcli("topics", "--create", "--topic", "my_topic", "--bootstrap-server", broker.bootstrap).stdout
    assert out.startswith("WARNING: Due to limitations in metric names") and out.endswith("Created topic my_topic.\n")
