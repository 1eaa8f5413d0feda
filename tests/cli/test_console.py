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
    result = kcli("console-consumer", "--topic", "quiet", "--from-beginning", "--timeout-ms", "500", "--bootstrap-server", broker.bootstrap)
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
        ("console-consumer", "--topic", "a", "--group", "g"): "Consumer groups are not available yet in kcli: leave out --group to read by partition.",
    }
    for args, message in cases.items():
        result = kcli(*args, "--bootstrap-server", broker.bootstrap, input="")
        assert (result.exit_code, result.stderr.strip()) == (1, message), args


def test_broker_list_is_deprecated_but_works(kcli, broker):
    result = kcli("console-producer", "--topic", "old-style", "--broker-list", broker.bootstrap, input="legacy\n")
    assert result.exit_code == 0
    assert "--broker-list is deprecated" in result.stderr
    assert consume(kcli, broker, "old-style", 1).stdout == "legacy\n"


def test_null_header_value_is_refused_clearly(kcli, broker):
    # kafka-python, which the tools send with, cannot send a null header value; say so instead of sending ""
    result = kcli("console-producer", "--topic", "hdr", "--bootstrap-server", broker.bootstrap, "--property", "parse.headers=true",
                  "--property", "null.marker=NULL", input="size:NULL\tv\n")
    assert result.exit_code == 1
    assert "null header values" in result.stderr
