"""The example app (examples/stream) end to end in a real ``kcli stream run`` process: a Source on kcli's
broker → Processor ``brew`` (group ``baristas``) → RabbitMQ exchange ``cups`` → Sink ``serve`` (queue
``cups.tables``); Spring's names read back afterwards; and a ``kill -9`` mid-flow with a restart."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kcli.broker.server import run_in_thread
from tests.conftest import broker_config
from tests.processes import kcli
from tests.stream.conftest import rabbit_props
from tests.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "examples" / "stream" / "orders.py"
CONFIG = ROOT / "examples" / "stream" / "application.properties"


SESSION_MS = "3000"  # the restarts after kill -9 wait out the killed member's session: keep it short


@pytest.fixture
def broker(tmp_path):
    """conftest's broker, allowing sessions shorter than Kafka's default 6 s minimum."""
    running = run_in_thread(broker_config(tmp_path / "kafka-logs", group_min_session_timeout_ms=1000))
    yield running
    running.stop()


class StreamRun:
    """``kcli stream run`` as a process; what the Sink prints goes to a file, read as it grows."""

    def __init__(self, directory: Path, props: dict[str, str], env: dict[str, str] | None = None, name: str = "run"):
        self.out = directory / f"{name}.out"
        self.err = directory / f"{name}.err"
        sets = [a for k, v in props.items() for a in ("--set", f"{k}={v}")]
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "kcli", "stream", "run", str(APP), "--config", str(CONFIG), *sets],
                                         stdout=out, stderr=err, env={**os.environ, **(env or {})})

    def served(self) -> list[int]:
        return [int(line.split()[1]) for line in self.out.read_text().splitlines() if line.startswith("served ")]

    def stop(self) -> int:
        """SIGTERM, and its exit code; one still running 30 s later is killed and reported with what it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM; TerminateProcess on Windows
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"kcli stream run did not stop within 30 s of SIGTERM:\n{self.stderr()[-3000:]}") from None

    def stderr(self) -> str:
        return self.err.read_text()


def _props(broker, rabbitmq, vhost, **more) -> dict[str, str]:
    return {"spring.cloud.stream.kafka.binder.brokers": broker.bootstrap, **rabbit_props(rabbitmq, vhost, "rabbit"), **more}


def _queue_depth(rabbitmq, vhost: str) -> dict[str, int]:
    rows = rabbitmq.ctl("list_queues", "-p", vhost, "name", "messages", "messages_unacknowledged", "--no-table-headers")
    return {r.split()[0]: int(r.split()[1]) + int(r.split()[2]) for r in rows.splitlines() if r.strip()}


@pytest.mark.timeout(300)  # the session's RabbitMQ node may start inside it
def test_example_delivers_1000_orders_exactly_once_and_leaves_springs_names(broker, rabbitmq, vhost, tmp_path):
    run = StreamRun(tmp_path, _props(broker, rabbitmq, vhost, **{"spring.integration.poller.fixed-delay": "0",
                                                                "spring.integration.poller.max-messages-per-poll": "100"}),
                    env={"ORDERS": "1000"})
    try:
        wait_for(lambda: len(run.served()) >= 1000 or run.proc.poll() is not None, 120, "1,000 cups served")
        assert run.proc.poll() is None, run.stderr()
        wait_for(lambda: _queue_depth(rabbitmq, vhost).get("cups.tables") == 0, 20, "every cup acknowledged")
    finally:
        code = run.stop()  # never left running, whatever happened
    assert code == 0, run.stderr()
    served = run.served()
    assert sorted(served) == list(range(1, 1001)), f"{len(served)} served, {len(set(served))} distinct"

    # Spring's names, read back: Kafka topics and group with kcli's tools, RabbitMQ's objects with rabbitmqctl.
    topics = kcli("topics", "--list", "--bootstrap-server", broker.bootstrap).stdout.split()
    assert set(topics) - {"__consumer_offsets"} == {"orders", "error.orders.baristas"}
    groups = kcli("consumer-groups", "--list", "--bootstrap-server", broker.bootstrap).stdout.split()
    assert groups == ["baristas"]
    lag = kcli("consumer-groups", "--describe", "--group", "baristas", "--bootstrap-server", broker.bootstrap).stdout
    assert [line.split()[5] for line in lag.splitlines() if line.startswith("baristas")] == ["0"]  # all committed on stop
    exchanges = {tuple(r.split()) for r in rabbitmq.ctl("list_exchanges", "-p", vhost, "name", "type", "--no-table-headers").splitlines()
                 if r.split() and not r.split()[0].startswith("amq.") and r.split()[0] != "direct"}
    assert exchanges == {("cups", "topic"), ("DLX", "direct")}
    assert set(_queue_depth(rabbitmq, vhost)) == {"cups.tables", "cups.tables.dlq"}
    bindings = {tuple(r.split("\t")) for r in rabbitmq.ctl("list_bindings", "-p", vhost, "source_name", "destination_name", "routing_key",
                                                          "--no-table-headers").splitlines() if r.split("\t")[0]}
    assert ("cups", "cups.tables", "#") in bindings and ("DLX", "cups.tables.dlq", "cups.tables") in bindings


@pytest.mark.timeout(300)
def test_kill_9_mid_flow_then_restart_loses_nothing(broker, rabbitmq, vhost, tmp_path):
    from kafka import KafkaProducer

    total = 1000
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap)
    for n in range(1, total + 1):
        producer.send("orders", json.dumps({"id": n, "coffee": "latte"}).encode(), headers=[("contentType", b"application/json")])
    producer.flush()
    producer.close()
    props = _props(broker, rabbitmq, vhost, **{"spring.cloud.function.definition": "brew;serve",
                                                "spring.cloud.stream.kafka.binder.consumer-properties.session.timeout.ms": SESSION_MS,
                                                "spring.cloud.stream.kafka.binder.consumer-properties.heartbeat.interval.ms": "500"})

    first = StreamRun(tmp_path, props, name="first")
    try:
        wait_for(lambda: len(first.served()) >= total // 4 or first.proc.poll() is not None, 90, "a quarter served")
        assert first.proc.poll() is None, first.stderr()
    finally:
        first.proc.kill()  # SIGKILL: no chance to commit or acknowledge anything in hand
        first.proc.wait()
    before = first.served()
    assert len(before) < total, "the crash was meant to come mid-flow"

    second = StreamRun(tmp_path, props, name="second")
    try:
        wait_for(lambda: set(before) | set(second.served()) >= set(range(1, total + 1)) or second.proc.poll() is not None,
                 120, "every order served after the restart")
    except AssertionError:
        missing = set(range(1, total + 1)) - set(before) - set(second.served())
        raise AssertionError(f"{len(missing)} never served, e.g. {sorted(missing)[:5]}; stderr:\n{second.stderr()[-3000:]}") from None
    finally:
        code = second.stop()  # never left running, whatever happened
    assert code == 0, second.stderr()
    counts = collections.Counter(before + second.served())
    duplicates = sum(c - 1 for c in counts.values())
    print(f"kill -9 after {len(before)} of {total}: {duplicates} served twice (at-least-once redelivery), "
          f"{total - len(counts)} lost")
    assert set(counts) == set(range(1, total + 1)), "an order was lost"
    assert max(counts.values()) <= 2
    assert duplicates <= 500 + 2, "more redelivered than one unacknowledged Kafka batch and one RabbitMQ prefetch"


SLOW_BREW = """
import time

def brew(order: dict) -> dict:
    time.sleep(0.002)  # a barista who takes a moment: a kill lands mid-batch
    return order
"""


@pytest.mark.timeout(300)
def test_kill_9_of_a_kafka_to_kafka_processor_mid_batch_then_restart_loses_nothing(broker, tmp_path):
    from kafka import KafkaConsumer, KafkaProducer

    total = 3000
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=5)
    for n in range(1, total + 1):
        producer.send("orders", json.dumps({"id": n}).encode())
    producer.flush()
    producer.close()
    app = tmp_path / "slow_brew.py"
    app.write_text(SLOW_BREW)
    args = [sys.executable, "-m", "kcli", "stream", "run", str(app),
            "--set", f"spring.cloud.stream.kafka.binder.brokers={broker.bootstrap}",
            "--set", "spring.cloud.stream.bindings.brew-in-0.destination=orders",
            "--set", "spring.cloud.stream.bindings.brew-in-0.group=baristas",
            "--set", "spring.cloud.stream.bindings.brew-out-0.destination=cups",
            "--set", f"spring.cloud.stream.kafka.binder.consumer-properties.session.timeout.ms={SESSION_MS}",
            "--set", "spring.cloud.stream.kafka.binder.consumer-properties.heartbeat.interval.ms=500"]
    cups = KafkaConsumer("cups", bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest")
    seen: list[int] = []

    def read() -> int:
        for records in cups.poll(timeout_ms=100).values():
            seen.extend(json.loads(r.value)["id"] for r in records)
        return len(seen)

    first = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: read() >= total // 3 or first.poll() is not None, 90, "a third brewed")
    finally:
        first.kill()  # SIGKILL mid-batch: what it brewed since its last commit is brewed again
        first.wait()
    brewed_before = len(seen)
    second = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: read() and set(seen) >= set(range(1, total + 1)) or second.poll() is not None, 120, "every order brewed")
    finally:
        second.terminate()
        second.wait(30)
        cups.close()
    counts = collections.Counter(seen)
    duplicates = sum(c - 1 for c in counts.values())
    print(f"kill -9 after {brewed_before} of {total} brewed (Kafka → Kafka): {duplicates} brewed twice, {total - len(counts)} lost")
    assert set(counts) == set(range(1, total + 1)), "an order was lost"
    assert brewed_before < total, "the crash was meant to come mid-flow"
    assert duplicates <= 1000, "more brewed twice than about a second's work since the last commit"
