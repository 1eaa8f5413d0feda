"""Run by Debian's /usr/bin/python3 with its python3-kafka (kafka-python 2.0.x), never by the test venv:
one old client's session against a broker, printed as one JSON line for tests/e2e/test_old_clients.py.

    old_kafka_python.py BOOTSTRAP API_VERSION TOPIC GROUP

API_VERSION is dotted (0.8.2, 0.9, 0.10.0, 1.0); the client pins it and never sends ApiVersions.
"""

import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main(bootstrap, api_version, topic, group):
    version = tuple(int(x) for x in api_version.split("."))
    report = {"api_version": api_version}
    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=version, compression_type="gzip", acks=1)
    offsets = [producer.send(topic, key=b"k%d" % i, value=b"v%d" % i, partition=0, timestamp_ms=1_600_000_000_000 + i).get(30).offset
               for i in range(6)]
    producer.close()
    report["produced"] = offsets

    tp = TopicPartition(topic, 0)
    group_management = version >= (0, 9)
    report["consumed"] = _consume(bootstrap, version, group, topic, tp, group_management, 4, commit=True)
    report["resumed"] = _consume(bootstrap, version, group, topic, tp, group_management, 2, commit=False)
    if version >= (0, 10, 1):
        report["admin"] = _admin(bootstrap, version, topic + "-admin")
    print(json.dumps(report))


def _consume(bootstrap, version, group, topic, tp, group_management, count, commit):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=version, group_id=group, enable_auto_commit=False,
                             auto_offset_reset="earliest", consumer_timeout_ms=30000)
    if group_management:
        consumer.subscribe([topic])
    else:
        consumer.assign([tp])
    got = []
    deadline = time.monotonic() + 60
    while len(got) < count and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500, max_records=count - len(got)).values():
            got += [[r.offset, r.key.decode(), r.value.decode(), r.timestamp] for r in records]
    if commit:
        consumer.commit()
    consumer.close()
    return got


def _admin(bootstrap, version, topic):
    from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, api_version=version)
    out = {}
    created = admin.create_topics([NewTopic(topic, 2, 1, topic_configs={"retention.ms": "3600000"})])
    out["created"] = [[t[0], t[1]] for t in created.topic_errors]
    described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    entries = {e[0]: e[1] for e in described[0].resources[0][4]}
    out["retention.ms"] = entries.get("retention.ms")
    deleted = admin.delete_topics([topic])
    out["deleted"] = [[t[0], t[1]] for t in deleted.topic_error_codes]
    admin.close()
    return out


if __name__ == "__main__":
    main(*sys.argv[1:])
