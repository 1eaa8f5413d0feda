"""A consume-transform-produce loop (KIP-447) for the transactions test, run as its own process so it can be kill -9'd.

``python -m tests.e2e.ctp_worker BOOTSTRAP TOTAL``: reads ``ctp-in`` as group ``ctp``, writes each value
upper-cased to ``ctp-out`` in transactions that also commit the consumed offsets
(``send_offsets_to_transaction`` with the consumer's group metadata), and exits once the group's position
covers TOTAL records.
"""

import sys

from confluent_kafka import Consumer, Producer


def main(bootstrap: str, total: int) -> None:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "ctp", "enable.auto.commit": False,
                         "auto.offset.reset": "earliest", "isolation.level": "read_committed",
                         "session.timeout.ms": 6000, "max.poll.interval.ms": 7000, "heartbeat.interval.ms": 500})
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": "ctp-tx", "linger.ms": 5})
    producer.init_transactions(30)
    consumer.subscribe(["ctp-in"])
    done = 0
    while done < total:
        messages = [m for m in consumer.consume(200, 1.0) if not m.error()]
        if not messages:
            continue
        producer.begin_transaction()
        for m in messages:
            producer.produce("ctp-out", key=m.key(), value=m.value().upper())
        producer.send_offsets_to_transaction(consumer.position(consumer.assignment()), consumer.consumer_group_metadata(), 30)
        producer.commit_transaction(30)
        done = sum(max(tp.offset, 0) for tp in consumer.position(consumer.assignment()))
    consumer.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
