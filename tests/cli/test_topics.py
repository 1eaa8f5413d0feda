"""``kcli topics``: Kafka's output layout and error wording, against a real kcli broker."""

import re

import pytest
from kafka import KafkaAdminClient

from kcli.cli.app import main
from kcli.tools.topics import _topic_id_text


def topic_id_column(bootstrap, name):
    """``\tTopicId: …`` when the broker reports topic ids (Metadata v10+), else nothing, as Kafka prints it."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    [meta] = admin.describe_topics([name])
    admin.close()
    text = _topic_id_text(meta.get("topic_id"))
    return f"\tTopicId: {text}" if text else ""


def test_create_list_describe_alter_delete(kcli, broker):
    bs = ("--bootstrap-server", broker.bootstrap)
    assert kcli("topics", "--create", "--topic", "coffee", *bs).stdout == "Created topic coffee.\n"
    assert kcli("topics", "--create", "--topic", "tea", "--partitions", "2", "--config", "retention.ms=1000", *bs).exit_code == 0
    assert kcli("topics", "--list", *bs).stdout == "coffee\ntea\n"
    described = kcli("topics", "--describe", "--topic", "tea", *bs).stdout.splitlines()
    assert described == [
        f"Topic: tea{topic_id_column(broker.bootstrap, 'tea')}\tPartitionCount: 2\tReplicationFactor: 1\tConfigs: retention.ms=1000,segment.bytes=1073741824",
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
        ("--delete",): 'Missing required argument "[topic]"',
        ("--alter", "--topic", "coffee"): 'Missing required argument "[partitions]"',
        ("--alter", "--topic", "coffee", "--partitions", "2", "--config", "retention.ms=1"): (
            'Option combination "[[bootstrap-server], [config]]" can\'t be used with option "[alter]" '
            "(To alter topic configurations, the kafka-configs tool can be used.)"
        ),
        ("--create", "--topic", "x", "--config", "retention.ms"): (
            'Error while executing topic command : requirement failed: Invalid topic config: all configs to be added '
            'must be in the format "key=val".'
        ),
        ("--create", "--topic", "x", "--config", "no.such.config=1"): "Error while executing topic command : Unknown topic config name: no.such.config",
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


def test_describe_of_the_quickstart_topic(kcli, broker):
    bs = ("--bootstrap-server", broker.bootstrap)
    kcli("topics", "--create", "--topic", "coffee", *bs)
    assert kcli("topics", "--describe", "--topic", "coffee", *bs).stdout == (
        f"Topic: coffee{topic_id_column(broker.bootstrap, 'coffee')}\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: segment.bytes=1073741824\n"
        "\tTopic: coffee\tPartition: 0\tLeader: 0\tReplicas: 0\tIsr: 0\tElr: \tLastKnownElr: \n"
    )


def test_command_config_is_an_admin_properties_file(kcli, broker, tmp_path):
    config = tmp_path / "admin.properties"
    config.write_text(f"bootstrap.servers={broker.bootstrap}\ndefault.api.timeout.ms=5000\nmade.up.setting=1\n")
    result = kcli("topics", "--create", "--topic", "coffee", "--command-config", str(config))
    assert (result.exit_code, result.stdout) == (0, "Created topic coffee.\n")
    assert result.stderr == "WARN The configuration 'made.up.setting' was supplied but isn't a known config.\n"


def test_unreachable_broker_is_one_line(kcli, tmp_path):
    import socket

    config = tmp_path / "admin.properties"
    config.write_text("default.api.timeout.ms=300\n")
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        result = kcli("topics", "--create", "--topic", "coffee", "--command-config", str(config),
                      "--bootstrap-server", "127.0.0.1:%d" % silent.getsockname()[1])
    assert (result.exit_code, result.stderr) == (1, "Error while executing topic command : Timed out waiting for a node assignment. Call: createTopics\n")


def run_main(monkeypatch, capsys, *args):
    monkeypatch.setattr("sys.argv", ["kcli", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return exited.value.code, capsys.readouterr()


def test_usage_errors_exit_1_with_kafkas_wording(monkeypatch, capsys):
    code, out = run_main(monkeypatch, capsys, "topics", "--topc", "coffee")
    assert (code, out.err) == (1, "topc is not a recognized option; did you mean --topic? (see 'kcli topics --help')\n")
    code, out = run_main(monkeypatch, capsys, "topics")  # no arguments: the usage, as kafka-topics.sh prints it
    assert code == 1 and "--create" in out.out + out.err


def test_ctrl_c_exits_130_not_0(monkeypatch):
    import pytest

    from kcli.cli import app as cli_app

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("sys.argv", ["kcli", "topics", "--list", "--bootstrap-server", "127.0.0.1:1"])
    monkeypatch.setattr("kcli.tools.topics.list_topics", interrupted)
    with pytest.raises(SystemExit) as exited:
        cli_app.main()
    assert exited.value.code == 130
