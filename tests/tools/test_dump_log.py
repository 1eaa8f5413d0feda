"""kafka-dump-log over Kafka's files: a segment, index and time index written by kcli, __consumer_offsets with a commit.

How the expected text in tests/fixtures/dump_log/*.expected.txt was derived: the
segment ``coffee-0/00000000000000000000.log`` (and its ``.index``) was written by
kcli's broker from a kafka-python producer sending four records with fixed
timestamps, keys, values and headers (an idempotent producer, so producerId and
sequences are set); the ``.timeindex`` was built by hand in Kafka's format
(int64 timestamp, int32 relative offset) for the same batches;
``__consumer_offsets-0`` holds one commit of offset 3 for group ``baristas``.
Each line follows the format strings of Kafka 3.x's DumpLogSegments:
``printBatchLevel`` ("baseOffset: … lastOffset: … count: … baseSequence: …
lastSequence: … producerId: … producerEpoch: … partitionLeaderEpoch: …
isTransactional: … isControl: … deleteHorizonMs: OptionalLong.empty" then
" position: … CreateTime: … size: … magic: 2 compresscodec: none crc: …
isvalid: true"), the record line ("| offset: … CreateTime: … keySize: …
valueSize: …", " sequence: … headerKeys: [a,b]", " key: …", " payload: …"),
``dumpIndex`` ("offset: … position: …") and ``dumpTimeIndex`` ("timestamp: …
offset: …"), filled with the values the producer sent and the byte layout of
the files (positions and sizes add up to the file's 257 bytes; each crc is
CRC-32C over the batch from its attributes field, as recomputed in
``test_expected_text_agrees_with_the_bytes``). The offsets decoder's key/payload
JSON follows OffsetsMessageParser (Kafka 3.8+): ``{"type":"1","data":{group,
topic, partition}}`` and ``{"version":"3","data":{offset, leaderEpoch,
metadata, commitTimestamp}}``.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import crc32c
import pytest

from kcli.tools.dump_log import DumpOptions, dump
from kcli.tools.errors import ToolError

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURES = Path("tests/fixtures/dump_log")
SEGMENT = FIXTURES / "coffee-0" / "00000000000000000000"
OFFSETS = FIXTURES / "__consumer_offsets-0" / "00000000000000000000.log"


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # the expected text names the files as given, relative to the repository


def _stdout(files, **options) -> str:
    return "".join(line.text + "\n" for line in dump([str(f) for f in files], DumpOptions(**options)) if not line.error)


def _stderr(files, **options) -> list[str]:
    return [line.text for line in dump([str(f) for f in files], DumpOptions(**options)) if line.error]


def test_segment_index_and_time_index_match_kafkas_layout():
    files = [SEGMENT.with_suffix(".log"), SEGMENT.with_suffix(".index"), SEGMENT.with_suffix(".timeindex")]
    expected = (FIXTURES / "coffee-0.expected.txt").read_text(encoding="utf-8")
    assert _stdout(files, print_data_log=True) == expected
    assert _stderr(files, print_data_log=True) == []


def test_expected_text_agrees_with_the_bytes():
    data = SEGMENT.with_suffix(".log").read_bytes()
    batch_lines = [line for line in (FIXTURES / "coffee-0.expected.txt").read_text().splitlines() if line.startswith("baseOffset:")]
    position = 0
    for line in batch_lines:
        base_offset, length = struct.unpack_from(">qi", data, position)
        fields = line.split()
        value = {name: int(fields[fields.index(name) + 1]) for name in ("baseOffset:", "position:", "size:", "crc:")}
        assert value["baseOffset:"] == base_offset and value["position:"] == position
        assert value["size:"] == 12 + length
        assert value["crc:"] == crc32c.crc32c(data[position + 21:position + 12 + length])
        position += 12 + length
    assert position == len(data)


def test_without_deep_iteration_only_batches_are_printed():
    text = _stdout([SEGMENT.with_suffix(".log")])
    assert [line.split()[0] for line in text.splitlines()] == ["Dumping", "Log", "baseOffset:", "baseOffset:", "baseOffset:"]


def test_deep_iteration_prints_record_metadata_without_data():
    lines = _stdout([SEGMENT.with_suffix(".log")], deep_iteration=True).splitlines()
    assert lines[3] == "| offset: 0 CreateTime: 1700000000000 keySize: 2 valueSize: 8 sequence: 0 headerKeys: []"
    assert lines[4].endswith("headerKeys: [origin,size]")


def test_skip_record_metadata_prints_only_data():
    lines = _stdout([SEGMENT.with_suffix(".log")], print_data_log=True, skip_record_metadata=True).splitlines()
    assert lines[3] == "| key: k0 payload: espresso"
    assert " payload: flat white" in lines


def test_offsets_decoder_decodes_a_committed_offset():
    expected = (FIXTURES / "__consumer_offsets-0.expected.txt").read_text(encoding="utf-8")
    assert _stdout([OFFSETS], offsets_decoder=True) == expected
    assert ('key: {"type":"1","data":{"group":"baristas","topic":"coffee","partition":0}} '
            'payload: {"version":"3","data":{"offset":3,"leaderEpoch":-1,') in expected


def test_max_bytes_reads_only_whole_batches_within_the_limit():
    text = _stdout([SEGMENT.with_suffix(".log")], max_bytes=200)
    assert text.count("baseOffset:") == 2 and "invalid bytes" not in text


def test_trailing_partial_batch_is_reported(tmp_path):
    log = tmp_path / "00000000000000000000.log"
    log.write_bytes(SEGMENT.with_suffix(".log").read_bytes() + b"\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x50abc")
    text = _stdout([log])
    assert text.endswith("Found 15 invalid bytes at the end of 00000000000000000000.log\n")


def test_index_sanity_check_and_verify_only(tmp_path):
    for name in ("00000000000000000000.log", "00000000000000000000.index"):
        shutil.copy(SEGMENT.with_name(name), tmp_path / name)
    index = tmp_path / "00000000000000000000.index"
    assert _stdout([index], index_sanity_check=True).splitlines()[1] == f"{index} passed sanity check."
    index.write_bytes(index.read_bytes()[:8] + struct.pack(">ii", 3, 109) + index.read_bytes()[16:])  # says 3 is at 109
    assert _stdout([index], verify_index_only=True) == f"Dumping {index}\n"
    assert _stderr([index], verify_index_only=True) == [f"Mismatches in :{index.absolute()}", "  Index offset: 3, log offset: 2"]
    index.write_bytes(index.read_bytes() + b"\x00\x00")
    with pytest.raises(ToolError, match=r"is corrupt, found 26 bytes which is neither positive nor a multiple of 8\."):
        list(dump([str(index)], DumpOptions(index_sanity_check=True)))


def test_empty_index(tmp_path):
    shutil.copy(SEGMENT.with_suffix(".log"), tmp_path / "00000000000000000000.log")
    (tmp_path / "00000000000000000000.index").write_bytes(b"")
    index = tmp_path / "00000000000000000000.index"
    assert _stdout([index]) == f"Dumping {index}\n{index} is empty.\n"


def test_time_index_errors_are_reported_as_kafka_does(tmp_path):
    for name in ("00000000000000000000.log", "00000000000000000000.index"):
        shutil.copy(SEGMENT.with_name(name), tmp_path / name)
    time_index = tmp_path / "00000000000000000000.timeindex"
    time_index.write_bytes(struct.pack(">qi", 1700000000009, 1) + struct.pack(">qi", 1700000000001, 2))
    errors = _stderr([time_index])
    name = str(time_index.absolute())
    assert errors == [
        f"Found timestamp mismatch in :{name}", "  Index timestamp: 1700000000009, log timestamp: 1700000000005",
        "  Index timestamp: 1700000000001, log timestamp: 1700000001000",
        f"Found out of order timestamp in :{name}", "  Index timestamp: 1700000000001, Previously indexed timestamp: 1700000000009",
    ]
    with pytest.raises(ToolError, match="has non-zero size but the last timestamp is 1700000000001 which is less than the first timestamp 1700000000009"):
        list(dump([str(time_index)], DumpOptions(index_sanity_check=True)))


def test_unknown_file_is_ignored_on_stderr():
    assert _stderr(["README.md"]) == ["Ignoring unknown file README.md"]
