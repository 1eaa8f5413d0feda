"""The console producer's ``>`` prompt, driven through prompt-toolkit's pipe input, delivers to the broker."""

from kafka import KafkaConsumer, TopicPartition
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from kcli.cli import interactive
from kcli.tools.console_producer import ConsoleProducer, LineReader
from kcli.tools.topics import create


def read_back(bootstrap, topic, count):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest", consumer_timeout_ms=10_000)
    consumer.assign([TopicPartition(topic, 0)])
    records = []
    for record in consumer:
        records.append((record.key, record.value))
        if len(records) == count:
            break
    consumer.close()
    return records


def test_prompt_lines_arrive_and_ctrl_d_ends(broker):
    create(broker.bootstrap, "typed", 1, 1, {})
    producer = ConsoleProducer(broker.bootstrap, "typed", {}, on_failure=lambda f: None)
    reader = LineReader.from_properties({"parse.key": "true", "key.separator": ":"})
    with create_pipe_input() as pipe:
        pipe.send_text("espresso:double\r")
        pipe.send_text("latte:oat milk\r")
        pipe.send_text("no separator here\r")  # refused inline, the session goes on
        pipe.send_text("\x04")  # Ctrl+D
        sent = interactive.produce_lines(producer, reader, input=pipe, output=DummyOutput(), history=InMemoryHistory())
    producer.close()
    assert sent == 2
    assert read_back(broker.bootstrap, "typed", 2) == [(b"espresso", b"double"), (b"latte", b"oat milk")]


def test_topic_picker_completes_from_the_broker(broker):
    with create_pipe_input() as pipe:
        pipe.send_text("cold-brew\r")
        assert interactive.pick_topic(["cold-brew", "mocha"], input=pipe, output=DummyOutput()) == "cold-brew"
