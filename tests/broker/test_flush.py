"""The flush policy: Kafka's flush.messages / flush.ms and their broker defaults, fsyncs counted, not timed.

Every fsync of the log goes through ``kcli.broker.log.segment.fsync``; the tests wrap it (the real
fsync still runs) to count calls, to hold one back, or to make it fail. The time-based rule is
tested as the pure functions it is, with ``now`` passed in, and once end to end.
"""

from __future__ import annotations

import errno
import os
import threading

import pytest
from kafka import KafkaProducer
from kafka.errors import KafkaStorageError
from kafka.protocol.consumer import FetchResponse
from kafka.protocol.metadata import MetadataRequest, MetadataResponse
from kafka.protocol.producer import ProduceRequest, ProduceResponse

from kcli.broker.config import ConfigError
from kcli.broker.log import flush_policy
from kcli.broker.log import segment as segment_file
from kcli.broker.log.catalog import Catalog
from kcli.broker.log.flush_policy import LONG_MAX, FlushSchedule
from kcli.broker.server import run_in_thread
from kcli.protocol.kafka.errors import ErrorCode
from tests.broker.test_group_wire import commit
from tests.broker.test_wire import Wire, create, fetch_request, produce, records
from tests.conftest import broker_config
from tests.waiting import wait_for


class Fsyncs:
    """Wraps the log's fsync: counts calls; ``hold`` keeps the next one waiting; ``fail`` makes them fail."""

    def __init__(self):
        self.calls: list[int] = []
        self.fail = False
        self.held = threading.Event()
        self._gate: threading.Event | None = None

    def hold(self) -> threading.Event:
        self._gate = threading.Event()
        return self._gate

    def __call__(self, fd: int) -> None:
        self.calls.append(fd)
        gate, self._gate = self._gate, None
        if gate is not None:
            self.held.set()
            assert gate.wait(30)
        if self.fail:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_fsync(fd)


real_fsync = segment_file.fsync


@pytest.fixture
def fsyncs(monkeypatch):
    hook = Fsyncs()
    monkeypatch.setattr(segment_file, "fsync", hook)
    return hook


@pytest.fixture
def start(tmp_path):
    started = []

    def start_broker(**props):
        running = run_in_thread(broker_config(tmp_path / f"logs-{len(started)}", **props))
        started.append(running)
        return running

    yield start_broker
    for running in started:
        running.stop()


def producer(running, **kw):
    return KafkaProducer(bootstrap_servers=running.bootstrap, acks=1, linger_ms=0, retries=0, **kw)


# -- the rules, with numbers ---------------------------------------------------------------------


def test_count_rule_is_unflushed_messages_reaching_flush_messages():
    assert not flush_policy.due_by_count(0, 1)
    assert flush_policy.due_by_count(1, 1)
    assert not flush_policy.due_by_count(2, 3) and flush_policy.due_by_count(3, 3) and flush_policy.due_by_count(7, 3)
    assert not flush_policy.due_by_count(10**9, LONG_MAX)  # Kafka's default: never


def test_time_rule_is_time_since_last_flush_reaching_flush_ms():
    logs = [("idle", 0, 0, 0), ("fresh", 5, 1_000, 500), ("stale", 5, 400, 500), ("default", 5, 0, LONG_MAX)]
    assert flush_policy.due_logs(logs, now=1_200) == ["stale"]  # fresh: 200 ms < 500; idle: nothing unflushed
    assert flush_policy.due_logs(logs, now=1_500) == ["fresh", "stale"]
    assert flush_policy.due_logs(logs, now=LONG_MAX) == ["fresh", "stale", "default"]


def test_scheduler_runs_after_the_initial_delay_then_at_a_fixed_rate():
    schedule = FlushSchedule(interval_ms=1_000, initial_delay_ms=30_000)
    assert schedule.next_run(started_ms=5_000, now=5_000) == 35_000
    assert schedule.next_run(started_ms=5_000, now=35_000) == 35_000
    assert schedule.next_run(started_ms=5_000, now=35_001) == 36_000
    assert schedule.next_run(started_ms=5_000, now=40_500) == 41_000
    once = FlushSchedule()  # Kafka's defaults: one run 30 s after start, then never
    assert once.next_run(started_ms=0, now=0) == 30_000
    assert once.next_run(started_ms=0, now=30_001) is None


def test_broker_settings_feed_the_schedule_and_flush_ms_defaults_to_the_scheduler_interval(tmp_path):
    assert FlushSchedule.from_properties({}) == FlushSchedule(LONG_MAX, 30_000)
    props = {"log.flush.scheduler.interval.ms": "2000", "log.initial.task.delay.ms": "0"}
    assert FlushSchedule.from_properties(props) == FlushSchedule(2_000, 0)
    catalog = Catalog(tmp_path, props)
    assert catalog.log_config({}).flush_ms == 2_000  # log.flush.interval.ms unset: Kafka uses the scheduler interval
    assert Catalog(tmp_path, {**props, "log.flush.interval.ms": "50"}).log_config({}).flush_ms == 50
    assert catalog.log_config({"flush.ms": "7"}).flush_ms == 7
    assert Catalog(tmp_path, {}).log_config({}).flush_messages == LONG_MAX


def test_flush_settings_are_checked_at_start_up(tmp_path):
    with pytest.raises(ConfigError, match="log.flush.interval.messages: Value must be at least 1"):
        broker_config(tmp_path, log_flush_interval_messages=0)
    with pytest.raises(ConfigError, match="Invalid value soon for configuration log.flush.scheduler.interval.ms"):
        broker_config(tmp_path, log_flush_scheduler_interval_ms="soon")


# -- a broker, a real client, fsyncs counted -----------------------------------------------------


def test_no_fsync_while_producing_under_kafkas_default(start, fsyncs):
    running = start()
    with producer(running) as p:
        for i in range(5):
            p.send("default", b"%d" % i).get(10)
    assert fsyncs.calls == []


def test_topic_flush_messages_1_fsyncs_before_each_acknowledgement(start, fsyncs):
    running = start()
    create(Wire(running), "durable", flush_messages="1")
    partition = running.broker.catalog.partition("durable", 0)
    with producer(running) as p:
        for i in range(5):
            offset = p.send("durable", b"%d" % i).get(10).offset
            assert len(fsyncs.calls) >= i + 1
            assert partition.recovery_point >= offset + 1


def test_broker_log_flush_interval_messages_1_fsyncs_produces_and_commits(start, fsyncs):
    running = start(log_flush_interval_messages=1)
    with producer(running) as p:
        for i in range(3):
            p.send("anytopic", b"%d" % i).get(10)
    produced = len(fsyncs.calls)
    assert produced >= 3
    wire = Wire(running)
    assert commit(wire, "g", "anytopic", 3) == ErrorCode.NONE
    offsets = running.broker.catalog.partition("__consumer_offsets", 0)
    assert len(fsyncs.calls) > produced and offsets.recovery_point == offsets.log_end_offset


def test_flush_messages_counts_messages_not_requests(start, fsyncs):
    running = start()
    wire = Wire(running)
    create(wire, "every-third", flush_messages="3")
    for _ in range(5):
        assert produce(wire, "every-third", records(b"x")).error_code == 0
    assert running.broker.state.flusher.rounds == 1  # at 3 unflushed messages; 2 are unflushed after it
    assert running.broker.catalog.partition("every-third", 0).recovery_point == 3
    assert produce(wire, "every-third", records(b"a", b"b", b"c")).error_code == 0  # one request of 3 messages
    assert running.broker.state.flusher.rounds == 2


def test_a_failed_fsync_answers_kafka_storage_error_and_reads_go_on(start, fsyncs):
    running = start()
    create(Wire(running), "fragile", flush_messages="1")
    with producer(running) as p:
        p.send("fragile", b"kept").get(10)
        fsyncs.fail = True
        with pytest.raises(KafkaStorageError):
            p.send("fragile", b"not durable").get(10)
        fsyncs.fail = False
        with pytest.raises(KafkaStorageError):  # read-only until restart
            p.send("fragile", b"refused").get(10)
    fetched = Wire(running).call(fetch_request("fragile", 0, max_wait_ms=0), FetchResponse, 10)
    assert fetched.responses[0].partitions[0].error_code == 0 and fetched.responses[0].partitions[0].records


def test_concurrent_produces_share_one_fsync_and_the_event_loop_keeps_serving(start, fsyncs):
    running = start()
    create(Wire(running), "grouped", flush_messages="1")
    flusher = running.broker.state.flusher
    wires = [Wire(running) for _ in range(8)]
    gate = fsyncs.hold()
    wires[0].send(_produce_request("grouped", records(b"first")), 7)
    assert fsyncs.held.wait(10)  # round 1 is in its fsync, on the flusher's thread
    for i, wire in enumerate(wires[1:]):
        wire.send(_produce_request("grouped", records(b"%d" % i)), 7)
    wait_for(lambda: flusher.waiting == 7, what="seven produces waiting for the next round")
    answer = Wire(running).call(MetadataRequest(topics=None, allow_auto_topic_creation=False), MetadataResponse, 7)
    assert "grouped" in [t.name for t in answer.topics]  # served while an fsync is outstanding
    gate.set()
    responses = [wire.receive(ProduceResponse, 7).responses[0].partition_responses[0] for wire in wires]
    assert [r.error_code for r in responses] == [0] * 8
    assert sorted(r.base_offset for r in responses) == list(range(8))
    assert flusher.rounds == 2  # the first request's, then one for the seven that queued behind it
    assert len(fsyncs.calls) == (4 if os.name != "nt" else 2)  # log + directory entries (first time), then the log once


def test_acks_0_still_flushes_by_count(start, fsyncs):
    running = start()
    wire = Wire(running)
    create(wire, "fire-and-forget", flush_messages="1")
    produce(wire, "fire-and-forget", records(b"x"), acks=0)
    partition = running.broker.catalog.partition("fire-and-forget", 0)
    wait_for(lambda: partition.recovery_point == 1, what="the fsync of an acks=0 append")


def test_the_scheduler_flushes_logs_whose_flush_ms_has_passed(start, fsyncs):
    running = start(log_flush_scheduler_interval_ms=20, log_initial_task_delay_ms=0, log_flush_interval_ms=0)
    wire = Wire(running)
    create(wire, "timed")
    assert produce(wire, "timed", records(b"x")).error_code == 0
    partition = running.broker.catalog.partition("timed", 0)
    wait_for(lambda: partition.recovery_point == 1, what="the scheduled fsync")
    assert fsyncs.calls


def _produce_request(topic, data, acks=1):
    partition = ProduceRequest.TopicProduceData.PartitionProduceData(index=0, records=data)
    return ProduceRequest(transactional_id=None, acks=acks, timeout_ms=1000,
                          topic_data=[ProduceRequest.TopicProduceData(name=topic, partition_data=[partition])])
