"""``kcli stream bindings`` and ``kcli stream send`` as a user runs them."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.processes import kcli

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "examples" / "stream" / "orders.py"
CONFIG = ROOT / "examples" / "stream" / "application.properties"

EXAMPLE_BINDINGS = """\
FUNCTION          BINDING       BINDER  DESTINATION    GROUP / QUEUE      DLQ                        PARTITIONS  CONTENT-TYPE
orders (source)   orders-out-0  kafka   topic orders   -                  -                          -           application/json
brew (processor)  brew-in-0     kafka   topic orders   group baristas     error.orders.baristas      -           application/json
brew (processor)  brew-out-0    rabbit  exchange cups  routing key cups   -                          -           application/json
serve (sink)      serve-in-0    rabbit  exchange cups  queue cups.tables  cups.tables.dlq (via DLX)  -           application/json
"""


def test_bindings_of_the_example():
    done = kcli("stream", "bindings", APP, "--config", CONFIG)
    assert done.returncode == 0, done.stderr
    assert done.stdout == EXAMPLE_BINDINGS
    assert done.stderr == ""


def test_bindings_finds_application_properties_beside_the_app():
    done = kcli("stream", "bindings", APP)
    assert done.stdout == EXAMPLE_BINDINGS


def test_bindings_refuses_a_misspelled_function_in_one_line():
    done = kcli("stream", "bindings", APP, "--config", CONFIG, "--set", "spring.cloud.function.definition=orders;brwe;serve")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == ("Function 'brwe' in spring.cloud.function.definition is not defined in "
                           f"{APP} (it defines: brew, orders, serve); did you mean 'brew'?\n")


def test_bindings_shows_anonymous_and_partitioned_consumers():
    done = kcli("stream", "bindings", APP, "--config", CONFIG,
                "--set", "spring.cloud.stream.bindings.serve-in-0.group=",
                "--set", "spring.cloud.stream.bindings.brew-out-0.producer.partition-key-expression=payload['coffee']",
                "--set", "spring.cloud.stream.bindings.brew-out-0.producer.partition-count=4")
    lines = {line.split()[2]: line for line in done.stdout.splitlines()[1:]}
    assert "queue cups.anonymous.<id>" in lines["serve-in-0"]
    assert "routing key cups-<partition>" in lines["brew-out-0"] and lines["brew-out-0"].split()[-2] == "4"


def test_run_of_a_missing_app_is_one_line():
    done = kcli("stream", "run", "no_such_app.py")
    assert done.returncode == 1 and done.stderr == "No such application file: no_such_app.py\n"


def test_send_to_a_destination_and_to_a_binding(broker):
    from kafka import KafkaConsumer

    sets = ["--config", CONFIG, "--set", f"spring.cloud.stream.kafka.binder.brokers={broker.bootstrap}"]
    done = kcli("stream", "send", "orders", '{"id": 1, "coffee": "latte"}', "--header", "table=4", *sets)
    assert done.returncode == 0 and done.stderr == "Sent 1 message to orders (kafka)\n", done.stderr
    done = kcli("stream", "send", "orders-out-0", "plain words", *sets)  # a binding name: its destination
    assert done.returncode == 0, done.stderr
    consumer = KafkaConsumer("orders", bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest", consumer_timeout_ms=3000)
    records = list(consumer)
    consumer.close()
    assert [r.value for r in records] == [b'{"id": 1, "coffee": "latte"}', b"plain words"]
    first, second = dict(records[0].headers), dict(records[1].headers)
    assert (first["contentType"], first["table"]) == (b"application/json", b"4")
    assert second["contentType"] == b"text/plain"
    assert json.loads(first["spring_json_header_types"])["table"] == "java.lang.String"


def test_send_to_rabbitmq_that_is_not_there_is_one_line():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = kcli("stream", "send", "cups", "{}", "--config", CONFIG, "--binder", "rabbit",
                "--set", "spring.cloud.stream.binders.rabbit.environment.spring.rabbitmq.host=127.0.0.1",
                "--set", f"spring.cloud.stream.binders.rabbit.environment.spring.rabbitmq.port={port}")
    assert done.returncode == 1
    assert done.stderr.startswith(f"Cannot connect to RabbitMQ at 127.0.0.1:{port} (binder 'rabbit'")
    assert done.stderr.count("\n") == 1 and "rabbitmq-server" in done.stderr


def test_bindings_read_from_application_yml(tmp_path):
    (tmp_path / "application.yml").write_text("""\
spring:
  cloud:
    function:
      definition: orders;brew;serve
    stream:
      default-binder: kafka
      binders:
        kafka: { type: kafka }
        rabbit: { type: rabbit, environment: { spring.rabbitmq.host: localhost } }
      bindings:
        orders-out-0: { destination: orders }
        brew-in-0: { destination: orders, group: baristas }
        brew-out-0: { destination: cups, binder: rabbit }
        serve-in-0: { destination: cups, group: tables, binder: rabbit }
      kafka:
        bindings:
          brew-in-0: { consumer: { enableDlq: true } }
      rabbit:
        bindings:
          serve-in-0: { consumer: { autoBindDlq: true } }
""")
    done = kcli("stream", "bindings", APP, "--config", tmp_path / "application.yml")
    assert done.returncode == 0, done.stderr
    assert done.stdout == EXAMPLE_BINDINGS
