"""``kcli dump-log``, ``get-offsets``, ``configs``, ``log-dirs``, ``storage``: Kafka's output and error wording, in-process."""

from __future__ import annotations

from pathlib import Path

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = "tests/fixtures/dump_log"


def _topic(bootstrap, name="coffee", partitions=1):
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name, partitions, 1)])
    admin.close()


def test_dump_log_prints_kafkas_text(kcli, monkeypatch):
    monkeypatch.chdir(ROOT)
    files = ",".join(f"{FIXTURES}/coffee-0/00000000000000000000.{ext}" for ext in ("log", "index", "timeindex"))
    result = kcli("dump-log", "--print-data-log", "--files", files)
    assert result.exit_code == 0
    assert result.stdout == (ROOT / FIXTURES / "coffee-0.expected.txt").read_text(encoding="utf-8")
    decoded = kcli("dump-log", "--offsets-decoder", "--files", f"{FIXTURES}/__consumer_offsets-0/00000000000000000000.log")
    assert decoded.stdout == (ROOT / FIXTURES / "__consumer_offsets-0.expected.txt").read_text(encoding="utf-8")


def test_dump_log_errors(kcli, tmp_path):
    missing = kcli("dump-log", "--print-data-log")
    assert (missing.exit_code, missing.stderr) == (1, 'Missing required argument "[files]"\n')
    absent = kcli("dump-log", "--files", str(tmp_path / "00000000000000000000.log"))
    assert absent.exit_code == 1
    assert absent.stderr == f"{tmp_path / '00000000000000000000.log'} (No such file or directory)\n"


def test_get_offsets(kcli, broker):
    _topic(broker.bootstrap)
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    for i in range(3):
        producer.send("coffee", b"%d" % i)
    producer.flush()
    producer.close()
    bs = ("--bootstrap-server", broker.bootstrap)
    assert kcli("get-offsets", "--topic", "coffee", *bs).stdout == "coffee:0:3\n"
    assert kcli("get-offsets", "--topic", "coffee", "--time", "-2", *bs).stdout == "coffee:0:0\n"
    assert kcli("get-offsets", "--topic-partitions", "coffee:0", "--time", "earliest", *bs).stdout == "coffee:0:0\n"
    nothing = kcli("get-offsets", "--topic", "tea", *bs)
    assert (nothing.exit_code, nothing.stderr) == (1, "Error occurred: Could not match any topic-partitions with the specified filters\n")
    both = kcli("get-offsets", "--topic", "coffee", "--topic-partitions", "coffee:0", *bs)
    assert both.stderr == "Error occurred: --topic-partitions cannot be used with --topic or --partitions\n"
    bad = kcli("get-offsets", "--topic", "coffee", "--bootstrap-server", "localhost")
    assert (bad.exit_code, bad.stderr) == (1, "Please provide valid host:port like host1:9091,host2:9092\n")


def test_configs_alter_and_describe(kcli, broker):
    _topic(broker.bootstrap)
    bs = ("--bootstrap-server", broker.bootstrap)
    altered = kcli("configs", *bs, "--entity-type", "topics", "--entity-name", "coffee", "--alter",
                   "--add-config", "retention.ms=60000,cleanup.policy=[compact,delete]")
    assert (altered.exit_code, altered.stdout) == (0, "Completed updating config for topic coffee.\n")
    assert kcli("configs", *bs, "--describe", "--topic", "coffee").stdout == (
        "Dynamic configs for topic coffee are:\n"
        "  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}\n"
        "  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000, "
        "STATIC_BROKER_CONFIG:log.retention.hours=168, DEFAULT_CONFIG:log.retention.hours=168}\n"
    )
    assert "Configs: cleanup.policy=compact,delete,retention.ms=60000" in kcli("topics", "--describe", "--topic", "coffee", *bs).stdout
    default = kcli("configs", *bs, "--alter", "--entity-type", "brokers", "--entity-default", "--add-config", "log.retention.ms=120000")
    assert default.stdout == "Completed updating default config for brokers in the cluster.\n"
    assert kcli("configs", *bs, "--describe", "--entity-type", "brokers", "--entity-name", "0").stdout == "Dynamic configs for broker 0 are:\n"
    assert kcli("configs", *bs, "--describe", "--broker-defaults").stdout == (
        "Default configs for brokers in the cluster are:\n"
        "  log.retention.ms=120000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=120000, "
        "STATIC_BROKER_CONFIG:log.retention.hours=168, DEFAULT_CONFIG:log.retention.hours=168}\n"
    )
    everything = kcli("configs", *bs, "--describe", "--entity-type", "brokers", "--entity-name", "0", "--all").stdout.splitlines()
    assert everything[0] == "All configs for broker 0 are:"
    assert "  log.retention.ms=120000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=120000, " \
           "STATIC_BROKER_CONFIG:log.retention.hours=168, DEFAULT_CONFIG:log.retention.hours=168}" in everything


def test_configs_errors(kcli, broker):
    _topic(broker.bootstrap)
    bs = ("--bootstrap-server", broker.bootstrap)
    cases = [
        (("--topic", "coffee"), "Command must include exactly one action: --describe, --alter"),
        (("--alter", "--topic", "coffee"), "At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter"),
        (("--alter", "--entity-type", "topics", "--add-config", "a=1"), "An entity name must be specified with --alter of topics"),
        (("--describe",), "At least one entity type must be specified"),
        (("--describe", "--entity-type", "brokers", "--entity-name", "x"), "The entity name for brokers must be a valid integer broker id, but it is: x"),
        (("--describe", "--entity-type", "topics", "--topic", "coffee"), "Duplicate entity type(s) specified: topics"),
        (("--describe", "--entity-name", "coffee", "--topic", "coffee"), "--entity-{type,name,default} should not be used in conjunction with specific entity flags"),
        (("--alter", "--topic", "coffee", "--delete-config", "retention.ms"), "Invalid config(s): retention.ms"),
        (("--alter", "--topic", "coffee", "--add-config", "retention.ms"),
         'Invalid entity config: all configs to be added must be in the format "key=val" or  "key=[val1,val2]" to group values which contain commas.'),
    ]
    for args, message in cases:
        result = kcli("configs", *bs, *args)
        assert (result.exit_code, result.stderr) == (1, message + "\n"), args
    refused = kcli("configs", *bs, "--alter", "--entity-type", "brokers", "--entity-name", "0", "--add-config", "num.partitions=2")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[0].startswith("Error while executing config command with args '")
    assert refused.stderr.splitlines()[1] == ("java.util.concurrent.ExecutionException: org.apache.kafka.common.errors."
                                              "InvalidRequestException: Cannot update these configs dynamically: Set(num.partitions)")


def test_log_dirs(kcli, broker):
    _topic(broker.bootstrap)
    missing = kcli("log-dirs", "--bootstrap-server", broker.bootstrap)
    assert (missing.exit_code, missing.stderr) == (1, 'Missing required argument "[describe]"\n')
    shown = kcli("log-dirs", "--describe", "--bootstrap-server", broker.bootstrap).stdout.splitlines()
    assert shown[:2] == ["Querying brokers for log directories information", "Received log directory information from brokers 0"]
    assert '{"partition":"coffee-0","size":0,"offsetLag":0,"isFuture":false}' in shown[2]


def test_storage_random_uuid(kcli):
    first, second = (kcli("storage", "random-uuid").stdout for _ in range(2))
    assert first != second and len(first) == len(second) == 23 and first.endswith("\n")
