"""What a read_committed fetch sees of one partition (Kafka's FetchIsolation.TXN_COMMITTED).

The whole batches read from the fetch offset are cut at the last stable
offset (a batch starting at or past it is left out), and the aborted
transactions overlapping the offsets returned go along as
``(producer_id, first_offset)``, so the client drops their records; an empty
list when there are none, as Kafka sends.
"""

from __future__ import annotations

from kafka.protocol.consumer import FetchResponse

from kcli.protocol.kafka import record_batch

_Aborted = FetchResponse.FetchableTopicResponse.PartitionData.AbortedTransaction


def limit(partition, fetch_offset: int, records: bytes) -> tuple[bytes, list]:
    lso = partition.last_stable_offset
    end = 0
    upper = fetch_offset
    for header in record_batch.iter_headers(records):
        if header.base_offset >= lso:
            break
        end = header.position + header.size
        upper = header.next_offset
    records = records[:end]
    if not records:
        return records, []
    aborted = partition.transactions.aborted_between(fetch_offset, upper)
    return records, [_Aborted(producer_id=a.producer_id, first_offset=a.first_offset) for a in aborted]
