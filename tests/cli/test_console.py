"""``kcli console-producer`` and ``console-consumer``: Kafka's properties, formats and messages."""


def produce(kcli, broker, topic, text, *args):
    result = kcli("console-producer", "--topic", topic, "--bootstrap-server", broker.bootstrap, *args, input=text)
    assert result.exit_code == 0, result.stderr
    return result


def consume(kcli, broker, topic, count, *args):
    return kcli("console-consumer", "--topic", topic, "--from-beginning", "--max-messages", str(count),
                "--bootstrap-server", broker.bootstrap, *args)


def test_piped_lines_round_trip(kcli, broker):
    produce(kcli, broker, "coffee", "one\ntwo\nthree\n")
    result = consume(kcli, broker, "coffee", 3)
    assert result.stdout == "one\ntwo\nthree\n"
    assert result.stderr == "Processed a total of 3 messages\n"


def test_keys_headers_and_null_marker(kcli, broker):
    produce(kcli, broker, "keyed", "origin:kenya,roast:dark|k1|v1\n|NULL|v2\nsize:|k3|NULL\n",
            "--property", "parse.key=true", "--property", "key.separator=|", "--property", "parse.headers=true",
            "--property", "headers.delimiter=|", "--property", "null.marker=NULL")
    result = consume(kcli, broker, "keyed", 3, "--property", "print.key=true", "--property", "print.headers=true",
                     "--property", "print.partition=true", "--property", "print.offset=true", "--property", "key.separator= ~ ")
    assert result.stdout.splitlines() == [
        "Partition:0 ~ Offset:0 ~ origin:kenya,roast:dark ~ k1 ~ v1",
        "Partition:0 ~ Offset:1 ~ NO_HEADERS ~ null ~ v2",
        "Partition:0 ~ Offset:2 ~ size: ~ k3 ~ null",
    ]


def test_print_timestamp_and_null_literal(kcli, broker):
    produce(kcli, broker, "stamped", "a\n")
    out = consume(kcli, broker, "stamped", 1, "--property", "print.timestamp=true", "--property", "print.key=true",
                  "--property", "null.literal=<none>").stdout
    stamp, key, value = out.rstrip("\n").split("\t")
    assert stamp.startswith("CreateTime:") and stamp[len("CreateTime:"):].isdigit()
    assert (key, value) == ("<none>", "a")


def test_missing_key_separator_is_kafkas_error(kcli, broker):
    result = kcli("console-producer", "--topic", "strict", "--bootstrap-server", broker.bootstrap,
                  "--property", "parse.key=true", input="hello\n")
    assert result.exit_code == 1
    assert result.stderr.strip() == "No key separator found on line number 1: 'hello'"


def test_ignore_error_keeps_the_whole_line_as_value(kcli, broker):
    produce(kcli, broker, "lenient", "just a value\n", "--property", "parse.key=true", "--property", "ignore.error=true")
    assert consume(kcli, broker, "lenient", 1, "--property", "print.key=true").stdout == "null\tjust a value\n"


def test_partition_and_offset(kcli, broker):
    produce(kcli, broker, "offsets", "a\nb\nc\nd\n")
    result = kcli("console-consumer", "--topic", "offsets", "--partition", "0", "--offset", "2", "--max-messages", "2",
                  "--bootstrap-server", broker.bootstrap)
    assert result.stdout == "c\nd\n"
    bad = kcli("console-consumer", "--topic", "offsets", "--partition", "0", "--offset", "abc", "--bootstrap-server", broker.bootstrap)
    assert bad.exit_code == 1
    assert bad.stderr.strip() == "The provided offset value 'abc' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long."


def test_timeout_ms_exits_cleanly(kcli, broker):
    produce(kcli, broker, "quiet", "only\n")
    result = kcli("console-consumer", "--topic", "quiet", "--from-beginning", "--timeout-ms", "3000", "--bootstrap-server", broker.bootstrap)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "only\n", "Processed a total of 1 messages\n")


def test_default_start_is_the_end(kcli, broker):
    produce(kcli, broker, "latest", "old\n")
    result = kcli("console-consumer", "--topic", "latest", "--timeout-ms", "300", "--bootstrap-server", broker.bootstrap)
    assert (result.stdout, result.stderr) == ("", "Processed a total of 0 messages\n")


def test_include_regex(kcli, broker):
    produce(kcli, broker, "inc-a", "1\n")
    produce(kcli, broker, "inc-b", "2\n")
    result = kcli("console-consumer", "--include", "inc-.*", "--from-beginning", "--max-messages", "2", "--bootstrap-server", broker.bootstrap)
    assert sorted(result.stdout.split()) == ["1", "2"]


def test_compression_and_acks_flags(kcli, broker):
    produce(kcli, broker, "zipped", "x\ny\n", "--compression-codec", "gzip", "--request-required-acks", "1", "--sync")
    assert consume(kcli, broker, "zipped", 2).stdout == "x\ny\n"


def test_argument_errors(kcli, broker):
    cases = {
        ("console-producer",): 'Missing required argument "[topic]"',
        ("console-consumer", "--topic", "a", "--include", "b"): "Exactly one of --include/--topic is required.",
        ("console-consumer", "--partition", "0"): "The topic is required when partition is specified.",
        ("console-consumer", "--topic", "a", "--offset", "1"): "The partition is required when offset is specified.",
        ("console-consumer", "--topic", "a", "--group", "g", "--consumer-property", "group.id=h"): (
            "The group ids provided in different places (directly using '--group', via '--consumer-property', "
            "or via '--consumer.config') do not match. Detected group ids: 'g', 'h'"
        ),
    }
    for args, message in cases.items():
        result = kcli(*args, "--bootstrap-server", broker.bootstrap, input="")
        assert (result.exit_code, result.stderr.strip()) == (1, message), args


def test_broker_list_is_deprecated_but_works(kcli, broker):
    result = kcli("console-producer", "--topic", "old-style", "--broker-list", broker.bootstrap, input="legacy\n")
    assert result.exit_code == 0
    assert result.stderr == "WARN Option --broker-list is DEPRECATED, use --bootstrap-server instead.\n"
    assert consume(kcli, broker, "old-style", 1).stdout == "legacy\n"


def test_null_header_value_is_refused_clearly(kcli, broker):
    # kafka-python, which the tools send with, cannot send a null header value; say so instead of sending ""
    result = kcli("console-producer", "--topic", "hdr", "--bootstrap-server", broker.bootstrap, "--property", "parse.headers=true",
                  "--property", "null.marker=NULL", input="size:NULL\tv\n")
    assert result.exit_code == 1
    assert "null header values" in result.stderr


def test_shipped_consumer_config_reads_in_its_group(kcli, broker, tmp_path):
    from kcli.config import shipped

    config = tmp_path / "consumer.properties"
    config.write_text(shipped("consumer.properties").replace("localhost:9092", broker.bootstrap))
    produce(kcli, broker, "cfg", "hello\n")
    result = kcli("console-consumer", "--topic", "cfg", "--from-beginning", "--max-messages", "1", "--consumer.config", str(config))
    assert (result.exit_code, result.stdout) == (0, "hello\n")
    assert result.stderr.splitlines() == ["Processed a total of 1 messages"]
    assert "test-consumer-group" in broker.broker.state.groups.coordinator.groups


def test_group_commits_what_it_printed_and_the_next_run_resumes_there(kcli, broker):
    produce(kcli, broker, "grouped", "a\nb\nc\n")
    first = kcli("console-consumer", "--topic", "grouped", "--group", "g1", "--from-beginning", "--max-messages", "2",
                 "--bootstrap-server", broker.bootstrap)
    assert first.stdout == "a\nb\n"
    second = kcli("console-consumer", "--topic", "grouped", "--group", "g1", "--from-beginning", "--timeout-ms", "1500",
                  "--bootstrap-server", broker.bootstrap)
    assert second.stdout == "c\n"  # --from-beginning only counts where the group has no offset
    assert "Processed a total of 1 messages" in second.stderr


def test_without_a_group_each_run_is_a_new_group_that_commits_nothing(kcli, broker):
    produce(kcli, broker, "ungrouped", "x\n")
    for _ in range(2):
        assert consume(kcli, broker, "ungrouped", 1).stdout == "x\n"
    groups = broker.broker.state.groups.coordinator.groups
    assert all(not g.offsets for g in groups.values())
    assert sum(name.startswith("console-consumer-") for name in groups) == 2


def test_auto_offset_reset_earliest_reads_from_the_beginning(kcli, broker):
    produce(kcli, broker, "reset", "old\n")
    result = kcli("console-consumer", "--topic", "reset", "--consumer-property", "auto.offset.reset=earliest",
                  "--max-messages", "1", "--bootstrap-server", broker.bootstrap)
    assert result.stdout == "old\n"
    clash = kcli("console-consumer", "--topic", "reset", "--from-beginning", "--consumer-property", "auto.offset.reset=latest",
                 "--bootstrap-server", broker.bootstrap)
    assert (clash.exit_code, clash.stderr) == (
        1, "Can't simultaneously specify --from-beginning and 'auto.offset.reset=latest', please remove one option\n")


def test_old_tutorial_flags(kcli, broker):
    zk = kcli("console-consumer", "--topic", "t", "--zookeeper", "localhost:2181")
    assert zk.exit_code == 1 and zk.stderr.startswith("zookeeper is not a recognized option: use --bootstrap-server")
    produce(kcli, broker, "listed", "w\n")
    old = kcli("console-consumer", "--whitelist", "list.*", "--from-beginning", "--max-messages", "1", "--bootstrap-server", broker.bootstrap)
    assert old.stdout == "w\n"
    assert old.stderr.startswith("WARN Option --whitelist has been deprecated")


def test_producer_properties_file_flags_and_unknown_settings(kcli, broker, tmp_path):
    config = tmp_path / "producer.properties"
    config.write_text(f"bootstrap.servers={broker.bootstrap}\ncompression.type=none\nlinger.ms=20\n")
    result = kcli("console-producer", "--topic", "filed", "--producer.config", str(config), "--compression-codec", "lz4",
                  "--producer-property", "not.a.setting=1", input="café ☕\n")
    assert (result.exit_code, result.stderr) == (0, "WARN The configuration 'not.a.setting' was supplied but isn't a known config.\n")
    assert consume(kcli, broker, "filed", 1).stdout == "café ☕\n"
    bad = kcli("console-producer", "--topic", "filed", "--producer.config", str(config), "--producer-property", "linger.ms=soon", input="")
    assert (bad.exit_code, bad.stderr) == (1, "Invalid value soon for configuration linger.ms: Not a number of type LONG\n")


def test_lines_before_a_bad_one_are_sent(kcli, broker):
    result = kcli("console-producer", "--topic", "partial", "--bootstrap-server", broker.bootstrap,
                  "--property", "parse.key=true", "--property", "key.separator=\\t", input="a\t1\nb\t2\nbroken\nc\t3\n")
    assert (result.exit_code, result.stderr) == (1, "No key separator found on line number 3: 'broken'\n")
    assert consume(kcli, broker, "partial", 2, "--property", "print.key=true").stdout == "a\t1\nb\t2\n"


def test_consumer_waits_for_a_topic_then_reads_it_all(kcli, broker):
    result = kcli("console-consumer", "--topic", "not-yet", "--timeout-ms", "300", "--bootstrap-server", broker.bootstrap)
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "Processed a total of 0 messages\n")
