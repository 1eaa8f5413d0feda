"""1,000 partitions on a broker started with a soft open-file limit of 1,024 (``ulimit -n 1024``'s usual soft
limit): the broker raises its soft limit to the hard one at start-up, so the topic is created, produced to and
consumed whole. POSIX only: the limit is set in the child before it runs (no fork on Windows)."""

import os
import sys

import pytest

from tests.processes import KcliProcess

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_NOFILE is POSIX; the child's limit is set with preexec_fn")

SOFT = 1024
PARTITIONS = 1000


def _hard_limit() -> int:
    import resource

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    return sys.maxsize if hard == resource.RLIM_INFINITY else hard


def _lower_soft_limit() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_NOFILE, (SOFT, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


@pytest.mark.skipif(sys.platform != "win32" and _hard_limit() < 4 * PARTITIONS,
                    reason="the hard open-file limit is too low for the broker to raise its soft limit that far")
def test_a_thousand_partitions_under_a_soft_limit_of_1024(tmp_path):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    from confluent_kafka.admin import AdminClient, NewTopic

    server = KcliProcess("server-start", "--override", f"log.dirs={tmp_path / 'logs'}",
                         "--override", "listeners=PLAINTEXT://127.0.0.1:0", preexec_fn=_lower_soft_limit,
                         env={**os.environ, "COLUMNS": "400"})
    try:
        assert server.port, server.output
        if hasattr(os, "sched_getaffinity"):  # Linux: the broker raised its own soft limit
            import resource

            assert resource.prlimit(server.proc.pid, resource.RLIMIT_NOFILE)[0] > SOFT
        admin = AdminClient({"bootstrap.servers": server.connect})
        admin.create_topics([NewTopic("wide", PARTITIONS, 1)], operation_timeout=60)["wide"].result(timeout=120)

        producer = confluent_kafka.Producer({"bootstrap.servers": server.connect, "linger.ms": 20})
        for p in range(PARTITIONS):
            producer.produce("wide", value=b"v%d" % p, partition=p)
        assert producer.flush(120) == 0

        consumer = confluent_kafka.Consumer({"bootstrap.servers": server.connect, "group.id": "wide-reader",
                                             "enable.auto.commit": False})
        consumer.assign([confluent_kafka.TopicPartition("wide", p, confluent_kafka.OFFSET_BEGINNING) for p in range(PARTITIONS)])
        seen: dict[int, bytes] = {}
        try:
            for _ in range(600):
                if len(seen) == PARTITIONS:
                    break
                for message in consumer.consume(num_messages=1000, timeout=0.5):
                    assert message.error() is None, message.error()
                    seen[message.partition()] = message.value()
        finally:
            consumer.close()
        assert seen == {p: b"v%d" % p for p in range(PARTITIONS)}
    finally:
        code = server.stop()
    assert code == 0, server.output
    assert "Too many open files" not in server.output and "Traceback" not in server.output, server.output
