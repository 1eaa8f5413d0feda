"""Cost per record of the produce path's batch validation (kcli/protocol/kafka/log_validator.py).

    python bench/record_walk.py [--records N] [--repeat R]

Builds batches with kafka-python's DefaultRecordBatchBuilder — N records of
100-byte values, null keys, timestamps 1 ms apart every 50 records (what a
steady producer sends) — and times ``validate_batch`` on them: the regex fast
path (records shaped alike), the Python walk (the same batch forced down it,
and a batch whose value lengths vary, which always takes it), a gzip batch
(decompression included), and the CRC check the broker already did, for
scale. Prints nanoseconds per record, best of R rounds.
"""

from __future__ import annotations

import argparse
import time

from kafka.record.default_records import DefaultRecordBatchBuilder

from kcli.protocol.kafka import log_validator, record_batch


def build(n: int, codec: int = 0, vary: bool = False) -> bytes:
    builder = DefaultRecordBatchBuilder(
        magic=2, compression_type=codec, is_transactional=False, producer_id=-1, producer_epoch=-1,
        base_sequence=-1, batch_size=1 << 30,
    )
    for i in range(n):
        builder.append(i, timestamp=1_700_000_000_000 + i // 50, key=None, value=b"x" * (100 + (i % 7 if vary else 0)), headers=[])
    return bytes(builder.build())


def per_record(fn, n: int, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best / n * 1e9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    n = args.records
    same, varied, gzipped = build(n), build(n, vary=True), build(n, codec=1)
    headers = {}
    for name, b in (("same", same), ("varied", varied), ("gzip", gzipped)):
        header = record_batch.read_header(b)
        assert header is not None
        headers[name] = header

    def validate(buf, header):
        return lambda: log_validator.validate_batch(buf, header, "bench-0")

    def walk_only():
        log_validator._walk(same, record_batch.HEADER_BYTES, len(same), n)

    rows = [
        ("CRC-32C check (already done before)", lambda: record_batch.validate(same, headers["same"])),
        ("fast path: records shaped alike", validate(same, headers["same"])),
        ("Python walk, same batch", walk_only),
        ("Python walk: value lengths vary", validate(varied, headers["varied"])),
        ("gzip batch: decompress + fast path", validate(gzipped, headers["gzip"])),
    ]
    print(f"{n:,} records of 100 B per batch; ns per record, best of {args.repeat}")
    for label, fn in rows:
        print(f"  {label:40} {per_record(fn, n, args.repeat):8.0f}")


if __name__ == "__main__":
    main()
