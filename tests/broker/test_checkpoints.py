"""Kafka's offset checkpoint files: exact format, atomic replacement, Kafka's errors on bad files."""

import pytest

from kcli.broker.log.checkpoints import CheckpointError, CleanerCheckpoints, OffsetCheckpointFile


def test_written_in_kafkas_format_and_read_back(tmp_path):
    file = OffsetCheckpointFile(tmp_path / "recovery-point-offset-checkpoint")
    file.write({("coffee", 1): 977, ("coffee", 0): 1204, ("__consumer_offsets", 0): 0})
    assert file.path.read_bytes() == b"0\n3\n__consumer_offsets 0 0\ncoffee 0 1204\ncoffee 1 977\n"
    assert file.read() == {("coffee", 0): 1204, ("coffee", 1): 977, ("__consumer_offsets", 0): 0}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recovery-point-offset-checkpoint"]  # no .tmp left


def test_an_empty_map_and_a_missing_or_empty_file(tmp_path):
    file = OffsetCheckpointFile(tmp_path / "log-start-offset-checkpoint")
    assert file.read() == {}
    file.path.write_bytes(b"")
    assert file.read() == {}
    file.write({})
    assert file.path.read_bytes() == b"0\n0\n"
    assert file.read() == {}


def test_reads_what_kafka_writes_on_windows_and_any_whitespace(tmp_path):
    file = OffsetCheckpointFile(tmp_path / "c")
    file.path.write_bytes(b"0\r\n2\r\ncoffee 0 5\r\ntea\t3   7\r\n")
    assert file.read() == {("coffee", 0): 5, ("tea", 3): 7}


@pytest.mark.parametrize("text, message", [
    ("1\n0\n", "Unrecognised version:1, expected version: 0 in checkpoint file at: {path}"),
    ("0\n2\ncoffee 0 5\n", "Expected [2] entries in checkpoint file [{path}], but found only [1]"),
    ("0\n1\ncoffee 0\n", "Malformed line in checkpoint file [{path}]: coffee 0"),
    ("0\n1\ncoffee x 5\n", "Malformed line in checkpoint file [{path}]: coffee x 5"),
    ("zero\n", "Malformed line in checkpoint file [{path}]: zero"),
])
def test_a_malformed_file_raises_kafkas_message(tmp_path, text, message):
    file = OffsetCheckpointFile(tmp_path / "c")
    file.path.write_text(text)
    with pytest.raises(CheckpointError) as caught:
        file.read()
    assert str(caught.value) == message.format(path=file.path)


def test_a_write_replaces_the_whole_file(tmp_path):
    file = OffsetCheckpointFile(tmp_path / "c")
    file.write({("a", 0): 1, ("b", 0): 2})
    file.write({("b", 0): 3})
    assert file.read() == {("b", 0): 3}


def test_cleaner_checkpoints_update_and_forget(tmp_path):
    cleaner = CleanerCheckpoints(tmp_path)
    assert cleaner.read() == {}
    cleaner.update({("__consumer_offsets", 0): 100, ("kv", 0): 7})
    cleaner.update({("kv", 0): 9, ("kv", 1): 4})
    assert (tmp_path / "cleaner-offset-checkpoint").read_text() == "0\n3\n__consumer_offsets 0 100\nkv 0 9\nkv 1 4\n"
    cleaner.remove_topic("kv")
    assert cleaner.read() == {("__consumer_offsets", 0): 100}
    cleaner.remove([("__consumer_offsets", 0)])
    assert cleaner.read() == {}
