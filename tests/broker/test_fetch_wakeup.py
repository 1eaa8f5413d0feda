"""A produce wakes the long-polling fetches of the partition it appended to, and no other."""

import socket
import threading

from kafka.protocol.admin import CreateTopicsRequest
from kafka.protocol.consumer import FetchRequest
from kafka.protocol.producer import ProduceRequest

from kcli.broker.server import run_in_thread
from tests.conftest import broker_config
from tests.waiting import wait_for
from tests.wire_requests import exchange, record_batch

TOPIC = "woken"


def _fetch(partition: int, max_wait_ms: int) -> FetchRequest:
    T = FetchRequest.FetchTopic
    return FetchRequest(version=10, replica_id=-1, max_wait_ms=max_wait_ms, min_bytes=1, max_bytes=1 << 20, isolation_level=0,
                        session_id=0, session_epoch=-1, forgotten_topics_data=[], topics=[T(topic=TOPIC, partitions=[
                            T.FetchPartition(partition=partition, current_leader_epoch=-1, fetch_offset=0, log_start_offset=-1,
                                             partition_max_bytes=65536)])])


def _produce(partition: int) -> ProduceRequest:
    T = ProduceRequest.TopicProduceData
    return ProduceRequest(version=8, transactional_id=None, acks=1, timeout_ms=5000, topic_data=[
        T(name=TOPIC, partition_data=[T.PartitionProduceData(index=partition, records=record_batch([b"v"]))])])


def test_a_long_poll_on_one_partition_is_not_woken_by_a_produce_to_another(tmp_path):
    running = run_in_thread(broker_config(tmp_path / "kafka-logs"))
    try:
        host, port = running.bootstrap.rsplit(":", 1)
        with socket.create_connection((host, int(port))) as producer, socket.create_connection((host, int(port))) as consumer:
            create = CreateTopicsRequest(version=1, timeout_ms=10_000, validate_only=False, topics=[CreateTopicsRequest.CreatableTopic(
                name=TOPIC, num_partitions=2, replication_factor=1, assignments=[], configs=[])])
            assert exchange(producer, create).topics[0].error_code == 0
            for partition in (0, 1):  # each partition now holds one record
                assert exchange(producer, _produce(partition)).responses[0].partition_responses[0].error_code == 0
            appends = running.broker.state.appends
            answers = []
            fetching = threading.Thread(target=lambda: answers.append(exchange(consumer, _fetch_after_first(0))))
            fetching.start()
            wait_for(lambda: appends.waiting() == 1, what="the fetch to wait on partition 0")
            woken = appends.woken
            assert exchange(producer, _produce(1)).responses[0].partition_responses[0].error_code == 0
            assert appends.woken == woken and appends.waiting() == 1 and not answers  # still waiting
            assert exchange(producer, _produce(0)).responses[0].partition_responses[0].error_code == 0
            fetching.join(10)
            assert appends.woken == woken + 1
            partition = answers[0].responses[0].partitions[0]
            assert (partition.partition_index, partition.error_code, partition.high_watermark) == (0, 0, 2)
            assert partition.records
    finally:
        running.stop()


def _fetch_after_first(partition: int) -> FetchRequest:
    """A long poll (60 s) from offset 1 of ``partition``: nothing to return until the partition grows."""
    request = _fetch(partition, 60_000)
    request.topics[0].partitions[0].fetch_offset = 1
    return request
