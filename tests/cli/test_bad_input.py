"""Bad values fed to every command: one line on stderr in Kafka's words, exit 1, never a traceback.

Client tools run in-process through ``kcli.cli.app.main`` (the console script), so an exception that
escapes a command fails the test with its traceback. Each is pointed at a port where nothing listens:
a value that is only found wrong after connecting would add the unreachable-broker lines and fail the
one-line check. Server commands run as processes, bounded, since a value wrongly accepted starts a server.
"""

from __future__ import annotations

import pytest

from kcli.cli.app import main
from tests.processes import kcli as kcli_process

NOWHERE = ["--bootstrap-server", "127.0.0.1:1"]  # port 1: nothing listens there

BOOTSTRAP = [
    ("localhost:abc", "Invalid url in bootstrap.servers: localhost:abc"),
    ("", "No resolvable bootstrap urls given in bootstrap.servers"),
    (" , ", "No resolvable bootstrap urls given in bootstrap.servers"),
    ("localhost:99999", "Invalid port in bootstrap.servers: localhost:99999"),
    ("localhost", "Invalid url in bootstrap.servers: localhost"),
    ("localhost:9092,other", "Invalid url in bootstrap.servers: other"),
    ("no such host:9092", "Invalid url in bootstrap.servers: no such host:9092"),
]
TOOLS = {  # the client tools, each with the arguments it needs besides --bootstrap-server, and how it prefixes errors
    "topics": (["topics", "--list"], "Error while executing topic command : "),
    "consumer-groups": (["consumer-groups", "--list"], "Error: Executing consumer group command failed due to "),
    "console-consumer": (["console-consumer", "--topic", "coffee"], ""),
    "console-producer": (["console-producer", "--topic", "coffee"], ""),
}
BAD_NAME = "Topic name is invalid: 'bad/name' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"
UNCLOSED = "Invalid regular expression '(': missing ), unterminated subpattern at position 0"
CLIENT_VALUES = [
    (["console-consumer", "--topic", "bad/name", *NOWHERE], BAD_NAME),
    (["console-consumer", "--topic", "x" * 250, *NOWHERE], f"Topic name is invalid: the length of '{'x' * 250}' is longer than the max allowed length 249"),
    (["console-consumer", "--topic", "..", *NOWHERE], "Topic name is invalid: '..' is not allowed"),
    (["console-consumer", "--include", "(", *NOWHERE], UNCLOSED),
    (["console-consumer", "--topic", "coffee", "--partition", "0", "--offset", "soon", *NOWHERE],
     "The provided offset value 'soon' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."),
    (["console-consumer", "--topic", "coffee", "--formatter", "com.example.Fancy", *NOWHERE],
     "Unknown formatter class 'com.example.Fancy': kcli has org.apache.kafka.tools.consumer.DefaultMessageFormatter, "
     "kafka.tools.DefaultMessageFormatter, json"),
    (["console-consumer", "--topic", "coffee", "--value-deserializer", "com.example.Nope", *NOWHERE],
     "Unknown deserializer class 'com.example.Nope': kcli has Kafka's org.apache.kafka.common.serialization."
     "{String,Long,Integer,Short,Double,Float,ByteArray,Bytes,UUID,Void}Deserializer"),
    (["console-consumer", "--topic", "coffee", "--property", "key.deserializer=LongDeserializer", *NOWHERE],
     "Unknown deserializer class 'LongDeserializer': kcli has Kafka's org.apache.kafka.common.serialization."
     "{String,Long,Integer,Short,Double,Float,ByteArray,Bytes,UUID,Void}Deserializer"),
    (["console-consumer", "--topic", "coffee", "--consumer-property", "fetch.min.bytes=lots", *NOWHERE],
     "Invalid value lots for configuration fetch.min.bytes: Not a number of type INT"),
    (["console-consumer", "--topic", "coffee", "--consumer.config", "/no/such/consumer.properties", *NOWHERE],
     "Cannot read /no/such/consumer.properties: No such file or directory"),
    (["console-consumer", "--topic", "coffee", "--isolation-level", "sometimes", *NOWHERE],
     "Unknown isolation level 'sometimes': use read_committed or read_uncommitted"),
    (["console-consumer", "--topic", "coffee", "--command-timeout", "0", *NOWHERE], None),
    (["console-consumer", "--topic", "coffee", "--partition", "first", *NOWHERE], None),
    (["console-consumer", "--topic", "coffee", "--group", "", *NOWHERE],
     "org.apache.kafka.common.errors.InvalidGroupIdException: The configured groupId is invalid."),
    (["console-producer", "--topic", "bad/name", *NOWHERE], BAD_NAME),
    (["console-producer", "--topic", "coffee", "--property", "parse.headers=true", "--property", "headers.separator=[", *NOWHERE],
     "Invalid regular expression '[' in headers.separator: unterminated character set at position 0"),
    (["console-producer", "--topic", "coffee", "--property", "value.serializer=com.example.Nope", *NOWHERE],
     "Unknown serializer class 'com.example.Nope': kcli has Kafka's org.apache.kafka.common.serialization."
     "{String,Long,Integer,Short,Double,Float,ByteArray,Bytes,UUID,Void}Serializer"),
    (["console-producer", "--topic", "coffee", "--format", "yaml", *NOWHERE], "Unknown format 'yaml': use line or json"),
    (["console-producer", "--topic", "coffee", "--compression-codec", "rar", *NOWHERE],
     "Unknown compression codec 'rar': use one of none, gzip, snappy, lz4, zstd"),
    (["console-producer", "--topic", "coffee", "--producer-property", "acks=2", *NOWHERE],
     "Invalid value 2 for configuration acks: String must be one of: all, -1, 0, 1"),
    (["console-producer", "--topic", "coffee", "--property", "parse.key=true", "--property", "key.separator=", *NOWHERE],
     "key.separator may not be empty"),
    (["topics", "--describe", "--topic", "(", *NOWHERE], f"Error while executing topic command : {UNCLOSED}"),
    (["topics", "--list", "--topic", "(", *NOWHERE], f"Error while executing topic command : {UNCLOSED}"),
    (["topics", "--delete", "--topic", "[", *NOWHERE],
     "Error while executing topic command : Invalid regular expression '[': unterminated character set at position 0"),
    (["topics", "--create", "--topic", "bad/name", *NOWHERE], f"Error while executing topic command : {BAD_NAME}"),
    (["topics", "--create", "--topic", "coffee", "--config", "retention.ms", *NOWHERE],
     'Error while executing topic command : requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".'),
    (["topics", "--create", "--topic", "coffee", "--partitions", "0", *NOWHERE],
     "Error while executing topic command : The partitions must be greater than 0"),
    (["topics", "--create", "--topic", "coffee", "--replication-factor", "40000", *NOWHERE],
     "Error while executing topic command : The replication factor must be between 1 and 32767 inclusive"),
    (["topics", "--alter", "--topic", "coffee", "--partitions", "many", *NOWHERE], None),
    (["topics", "--list", "--command-config", "/no/such/admin.properties", *NOWHERE],
     "Error while executing topic command : Cannot read /no/such/admin.properties: No such file or directory"),
    (["consumer-groups", "--list", "--timeout", "0", *NOWHERE],
     "Error: Executing consumer group command failed due to Invalid value 0 for --timeout: a number of milliseconds greater than 0"),
    (["consumer-groups", "--list", "--state", "Sleepy", *NOWHERE], None),
    (["consumer-groups", "--reset-offsets", "--group", "g", "--topic", "coffee", "--to-datetime", "yesterday", "--dry-run", *NOWHERE],
     "Error: Executing consumer group command failed due to Error parsing timestamp. It does not contain a 'T' according to ISO8601 format"),
    (["consumer-groups", "--reset-offsets", "--group", "g", "--topic", "coffee:x", "--to-earliest", "--dry-run", *NOWHERE],
     "Invalid partition 'x' specified in topic arg 'coffee:x''"),
    (["consumer-groups", "--reset-offsets", "--group", "g", "--from-file", "/no/such/plan.csv", "--dry-run", *NOWHERE],
     "Error: Executing consumer group command failed due to Cannot read /no/such/plan.csv: No such file or directory"),
    (["consumer-groups", "--list", "--output", "yaml", *NOWHERE], "Invalid value for --output: 'yaml' (kcli prints Kafka's columns, or json)"),
    (["zookeeper-shell", "localhost:abc", "ls", "/"], "Invalid ZooKeeper connect string 'localhost:abc': Port could not be cast to integer value as 'abc'"),
    (["zookeeper-shell", "", "ls", "/"], "Invalid ZooKeeper connect string '': bad hostname"),
]
SERVER_VALUES = [
    ["server-start", "--override", "listeners=PLAINTEXT://localhost:abc"],
    ["server-start", "--override", "listeners=PLAINTEXT://localhost:99999"],
    ["server-start", "--override", "num.partitions=several"],
    ["server-start", "/no/such/server.properties"],
    ["server-start", "--override", "zookeeper.connect=localhost:abc"],
    ["server-start", "--override", "log.segment.bytes=-5"],
    ["server-start", "--override", "no-equals-sign"],
    ["server-stop", "/no/such/server.properties"],
    ["zookeeper-start", "/no/such/zookeeper.properties"],
    ["zookeeper-start", "{tmp}/zookeeper.properties", "clientPort=abc"],
    ["zookeeper-start", "{tmp}/zookeeper.properties", "clientPort=99999"],
    ["zookeeper-stop", "/no/such/zookeeper.properties"],
]


def run_main(monkeypatch, capsys, args) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.argv", ["kcli", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


@pytest.mark.parametrize("tool", sorted(TOOLS))
@pytest.mark.parametrize(("value", "message"), BOOTSTRAP, ids=[repr(v) for v, _ in BOOTSTRAP])
def test_a_bad_bootstrap_server_is_one_line_in_kafkas_words(monkeypatch, capsys, tool, value, message):
    args, prefix = TOOLS[tool]
    code, out, err = run_main(monkeypatch, capsys, [*args, "--bootstrap-server", value])
    assert (code, out, err) == (1, "", prefix + message + "\n")


def test_a_bad_bootstrap_servers_in_a_properties_file_is_checked_too(monkeypatch, capsys, tmp_path):
    config = tmp_path / "consumer.properties"
    config.write_text("bootstrap.servers=localhost:abc\n")
    code, _, err = run_main(monkeypatch, capsys, ["console-consumer", "--topic", "coffee", "--consumer.config", str(config)])
    assert (code, err) == (1, "Invalid url in bootstrap.servers: localhost:abc\n")


@pytest.mark.parametrize(("args", "message"), CLIENT_VALUES, ids=[" ".join(a[:4])[:60] for a, _ in CLIENT_VALUES])
def test_a_bad_value_is_one_line_and_exit_1(monkeypatch, capsys, args, message):
    code, out, err = run_main(monkeypatch, capsys, args)
    assert code == 1, err
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if not line.startswith("Connecting to ")]  # zkCli's first line, as zookeeper-shell prints it
    assert len(lines) == 1 and lines[0].strip(), err
    if message is not None:
        assert lines[0] == message


@pytest.mark.parametrize("args", SERVER_VALUES, ids=[" ".join(a) for a in SERVER_VALUES])
def test_a_bad_server_value_is_one_line_and_exit_1(tmp_path, args):
    if args[0] == "zookeeper-start" and len(args) == 3:  # a zookeeper.properties with one bad line
        (tmp_path / "zookeeper.properties").write_text(f"dataDir={(tmp_path / 'zk').as_posix()}\n{args[2]}\n")
        args = [args[0], args[1].format(tmp=tmp_path)]
    ran = kcli_process(*args, "--override", f"log.dirs={tmp_path}") if args[0] == "server-start" else kcli_process(*args, timeout=60)
    assert ran.returncode == 1, ran.stderr
    assert "Traceback" not in ran.stdout + ran.stderr
    assert len(ran.stderr.splitlines()) == 1, ran.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["--consumer-property", "max.poll.records=0"], "ValueError: max_records must be positive"),
    (["--group", "g", "--consumer-property", "session.timeout.ms=1"],
     "KafkaConfigurationError: Heartbeat interval must be lower than the session timeout (3000 v 1)"),
])
def test_a_value_the_client_refuses_once_connected_is_one_line(monkeypatch, capsys, broker, args, message):
    code, _, err = run_main(monkeypatch, capsys, ["console-consumer", "--topic", "coffee", "--timeout-ms", "500",
                                                  "--bootstrap-server", broker.bootstrap, *args])
    assert (code, err.splitlines()[-1]) == (1, message), err
    assert "Traceback" not in err
