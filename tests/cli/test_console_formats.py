"""Deserializers, serializers and formatters on the console tools, against a real broker and kafka-python as the peer."""

from __future__ import annotations

import json
import struct

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

WORDCOUNT = [  # Kafka Streams' WordCount demo: the consumer command its docs give, as typed (docs/streams/quickstart)
    "console-consumer", "--topic", "streams-wordcount-output", "--from-beginning",
    "--formatter", "kafka.tools.DefaultMessageFormatter",
    "--property", "print.key=true", "--property", "print.value=true",
    "--property", "key.deserializer=org.apache.kafka.common.serialization.StringDeserializer",
    "--property", "value.deserializer=org.apache.kafka.common.serialization.LongDeserializer",
]
LONG = "org.apache.kafka.common.serialization.LongDeserializer"


def send(broker, topic, records):
    """Records as an application writes them: (key, value, headers, timestamp_ms) with bytes as given."""
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    for key, value, headers, timestamp in records:
        producer.send(topic, key=key, value=value, headers=headers, timestamp_ms=timestamp)
    producer.flush()
    producer.close()


def fetch(broker, topic, count):
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, consumer_timeout_ms=10_000)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    records = []
    for record in consumer:
        records.append(record)
        if len(records) == count:
            break
    consumer.close()
    return records


def test_the_wordcount_consumer_command_prints_counts(kcli, broker):
    """The WordCount application writes String words and Long counts; the docs' consumer command prints numbers."""
    counts = [(b"all", 1), (b"streams", 2), (b"lead", 1), (b"to", 1), (b"kafka", 3), (b"hello", 1), (b"join", 1), (b"summit", 9_000_000_000)]
    send(broker, "streams-wordcount-output", [(word, struct.pack(">q", n), None, None) for word, n in counts])
    result = kcli(*WORDCOUNT, "--bootstrap-server", broker.bootstrap, "--max-messages", str(len(counts)))
    assert (result.exit_code, result.stderr) == (0, f"Processed a total of {len(counts)} messages\n")
    assert result.stdout.splitlines() == [f"{word.decode()}\t{n}" for word, n in counts]


def test_the_new_formatter_name_and_the_deserializer_flags(kcli, broker):
    send(broker, "typed", [(struct.pack(">i", -7), struct.pack(">d", 2.5), None, None),
                           (struct.pack(">i", 40), struct.pack(">d", 1e21), None, None)])
    result = kcli("console-consumer", "--topic", "typed", "--from-beginning", "--max-messages", "2", "--bootstrap-server", broker.bootstrap,
                  "--formatter", "org.apache.kafka.tools.consumer.DefaultMessageFormatter", "--property", "print.key=true",
                  "--key-deserializer", "org.apache.kafka.common.serialization.IntegerDeserializer",
                  "--value-deserializer", "org.apache.kafka.common.serialization.DoubleDeserializer")
    assert result.stdout == "-7\t2.5\n40\t1.0E21\n", result.stderr


def test_a_value_the_deserializer_cannot_read_stops_the_consumer_or_is_skipped(kcli, broker):
    send(broker, "mixed", [(None, struct.pack(">q", 1), None, None), (None, b"two", None, None), (None, struct.pack(">q", 3), None, None)])
    stopped = kcli("console-consumer", "--topic", "mixed", "--from-beginning", "--max-messages", "3", "--bootstrap-server", broker.bootstrap,
                   "--value-deserializer", LONG)
    assert (stopped.exit_code, stopped.stdout) == (1, "1\n")
    assert stopped.stderr == ("Processed a total of 1 messages\nERROR Error processing message, terminating consumer process: "
                              "org.apache.kafka.common.errors.SerializationException: Size of data received by LongDeserializer is not 8\n")
    skipped = kcli("console-consumer", "--topic", "mixed", "--from-beginning", "--max-messages", "2", "--bootstrap-server", broker.bootstrap,
                   "--value-deserializer", LONG, "--skip-message-on-error")
    assert (skipped.exit_code, skipped.stdout) == (0, "1\n3\n")
    assert skipped.stderr == ("ERROR Error processing message, skipping this message: org.apache.kafka.common.errors.SerializationException: "
                              "Size of data received by LongDeserializer is not 8\nProcessed a total of 2 messages\n")


def test_a_deserializer_given_as_a_consumer_property_is_used_not_ignored(kcli, broker):
    send(broker, "counts", [(b"k", struct.pack(">q", 42), None, None)])
    result = kcli("console-consumer", "--topic", "counts", "--from-beginning", "--max-messages", "1", "--bootstrap-server", broker.bootstrap,
                  "--consumer-property", f"value.deserializer={LONG}")
    assert (result.exit_code, result.stdout) == (0, "42\n"), result.stderr


def test_the_producer_writes_typed_keys_and_values_with_serializers(kcli, broker):
    result = kcli("console-producer", "--topic", "typed-in", "--bootstrap-server", broker.bootstrap,
                  "--property", "parse.key=true", "--property", "key.separator=:",
                  "--property", "key.serializer=org.apache.kafka.common.serialization.UUIDSerializer",
                  "--property", "value.serializer=org.apache.kafka.common.serialization.LongSerializer",
                  input="0f8fad5b-d9cb-469f-a165-70867728950e:42\n7c9e6679-7425-40de-944b-e07fc1f90ae7:-1\n")
    assert result.exit_code == 0, result.stderr
    records = fetch(broker, "typed-in", 2)
    assert [(r.key, r.value) for r in records] == [
        (b"0f8fad5b-d9cb-469f-a165-70867728950e", struct.pack(">q", 42)),
        (b"7c9e6679-7425-40de-944b-e07fc1f90ae7", struct.pack(">q", -1)),
    ]
    bad = kcli("console-producer", "--topic", "typed-in", "--bootstrap-server", broker.bootstrap,
               "--producer-property", "value.serializer=org.apache.kafka.common.serialization.IntegerSerializer", input="many\n")
    assert bad.stderr == ("org.apache.kafka.common.errors.SerializationException: Cannot serialize 'many' with IntegerSerializer: "
                          "not a number of type Integer\n")


def test_json_formatter_output_reads_back_through_the_producer_losslessly(kcli, broker):
    originals = [
        (b"k1", "caf\u00e9".encode(), [("origin", b"ethiopia"), ("origin", b"kenya")], 1_700_000_000_000),
        (None, b"\xff\x00\xfe not utf-8", [("raw", b"\x80\x81")], 1_700_000_000_001),
        (b"\xc3\x28", None, [], 1_700_000_000_002),
        (b"", b"", [("empty", b"")], 1_700_000_000_003),
    ]
    send(broker, "source", originals)
    dumped = kcli("console-consumer", "--topic", "source", "--from-beginning", "--max-messages", str(len(originals)),
                  "--bootstrap-server", broker.bootstrap, "--formatter", "json")
    assert dumped.exit_code == 0, dumped.stderr
    documents = [json.loads(line) for line in dumped.stdout.splitlines()]
    assert documents[0] == {"topic": "source", "partition": 0, "offset": 0, "timestamp": 1_700_000_000_000, "key": "k1",
                            "value": "caf\u00e9", "headers": [["origin", "ethiopia"], ["origin", "kenya"]]}
    assert documents[1]["value"] == {"base64": "/wD+IG5vdCB1dGYtOA=="} and documents[1]["key"] is None
    assert documents[2]["key"] == {"base64": "wyg="} and documents[2]["value"] is None

    loaded = kcli("console-producer", "--topic", "copy", "--bootstrap-server", broker.bootstrap, "--format", "json", input=dumped.stdout)
    assert loaded.exit_code == 0, loaded.stderr
    copies = fetch(broker, "copy", len(originals))
    assert [(r.key, r.value, [(k, v) for k, v in r.headers], r.timestamp) for r in copies] == [
        (k, v, h, t) for k, v, h, t in originals
    ]


def test_json_formatter_with_deserializers_prints_numbers(kcli, broker):
    send(broker, "json-counts", [(b"kafka", struct.pack(">q", 3), None, 5)])
    result = kcli("console-consumer", "--topic", "json-counts", "--from-beginning", "--max-messages", "1", "--bootstrap-server", broker.bootstrap,
                  "--formatter", "json", "--value-deserializer", LONG)
    assert json.loads(result.stdout) == {"topic": "json-counts", "partition": 0, "offset": 0, "timestamp": 5, "key": "kafka", "value": 3,
                                         "headers": []}
    loaded = kcli("console-producer", "--topic", "json-counts-copy", "--bootstrap-server", broker.bootstrap, "--format", "json",
                  "--property", "value.serializer=org.apache.kafka.common.serialization.LongSerializer", input=result.stdout)
    assert loaded.exit_code == 0, loaded.stderr
    assert fetch(broker, "json-counts-copy", 1)[0].value == struct.pack(">q", 3)
