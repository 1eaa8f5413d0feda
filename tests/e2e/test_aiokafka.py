"""aiokafka against the kcli broker: produce, consume by assign."""

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition


def test_produce_and_consume_by_assign(broker):
    async def main():
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
        await producer.start()
        try:
            for i in range(20):
                await producer.send_and_wait("macchiato", b"m%d" % i, key=b"k", partition=0)
        finally:
            await producer.stop()
        consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
        await consumer.start()
        try:
            tp = TopicPartition("macchiato", 0)
            consumer.assign([tp])
            await consumer.seek_to_beginning(tp)
            got = []
            while len(got) < 20:
                batch = await asyncio.wait_for(consumer.getmany(tp, timeout_ms=1000), 20)
                got.extend(batch.get(tp, []))
            return got
        finally:
            await consumer.stop()

    records = asyncio.run(main())
    assert [(r.offset, r.key, r.value) for r in records] == [(i, b"k", b"m%d" % i) for i in range(20)]
