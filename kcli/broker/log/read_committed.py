"""What a read_committed fetch sees of one partition (Kafka's FetchIsolation.TXN_COMMITTED).

The fetch's byte range ends at the last stable offset (Partition.read_slice is
given it as its bound, so a batch starting at or past it is left out), and the
aborted transactions overlapping the range go along as
``(producer_id, first_offset)``, so the client drops their records; an empty
list when there are none, as Kafka sends. As Kafka's UnifiedLog, the range's
upper offset is taken from the offset index (the first entry at or past the
range's end, else the segment's end), not from the batches: a transaction
listed that starts past the records returned is ignored by the client.
"""

from __future__ import annotations

from kcli.broker.log.file_slice import FileSlice


def aborted_transactions(partition, fetch_offset: int, records: FileSlice | None) -> list[tuple[int, int]]:
    if records is None or not records.size:
        return []
    segment = records.segment
    entry = segment.index.first_entry_at_or_after(records.position + records.size)
    upper = entry[0] if entry is not None else segment.next_offset
    return [(a.producer_id, a.first_offset) for a in partition.transactions.aborted_between(fetch_offset, upper)]
