"""A topic is recorded in kcli-topics.json; each partition's directory is made after the answer on a worker thread
(Partition.prepare) or by its first append (Partition.pending), and a deleted topic's directories are renamed
``-delete`` and removed (Catalog.delete_async)."""

import asyncio
import json
import logging
import os

from kcli.broker.log.catalog import Catalog
from kcli.broker.log.partition import LogConfig, Partition
from tests.wire_requests import record_batch

ONE = record_batch([b"a"])
SEGMENT_FILES = ["00000000000000000000.index", "00000000000000000000.log", "00000000000000000000.timeindex"]


def _catalog(tmp_path):
    catalog = Catalog(tmp_path, {})
    catalog.open(0)
    return catalog


def _entries(tmp_path) -> set[str]:
    return {name for name in os.listdir(tmp_path) if not name.endswith("checkpoint")}


def _created_and_prepared(catalog, name: str, partitions: int):
    """CreateTopics' recording of a topic, then the directories made after the answer, all done."""
    async def main():
        topic = await catalog.create_async(name, partitions, {})
        await asyncio.gather(*catalog.preparing)
        return topic

    return asyncio.run(main())


def test_recording_a_thousand_partitions_writes_the_topics_file_and_no_directory(tmp_path):
    catalog = _catalog(tmp_path)
    topic = catalog.create("wide", 1000, {"segment.bytes": "1048576"})  # what CreateTopics waits for
    assert _entries(tmp_path) == {"meta.properties", "kcli-topics.json"}
    stored = json.loads((tmp_path / "kcli-topics.json").read_text())["wide"]
    assert stored["partitions"] == 1000 and stored["configs"] == {"segment.bytes": "1048576"}
    for p in (topic.partitions[0], topic.partitions[999]):  # an empty log, as a partition just made on disk reads
        assert (p.log_start_offset, p.log_end_offset, p.high_watermark, p.last_stable_offset, p.size) == (0, 0, 0, 0, 0)
        assert p.read(0, 1 << 20) == b"" and p.read_slice(0, 1 << 20, p.high_watermark, True) is None
        assert p.offset_for_timestamp(0) is None and p.flush_job() is None
    catalog.close()
    assert _entries(tmp_path) == {"meta.properties", "kcli-topics.json", ".kafka_cleanshutdown"}  # closing made none either


def test_the_directories_are_made_after_the_answer_and_read_as_empty_logs(tmp_path):
    catalog = _catalog(tmp_path)

    topic = _created_and_prepared(catalog, "wide", 200)
    assert _entries(tmp_path) == {"meta.properties", "kcli-topics.json", *(f"wide-{i}" for i in range(200))}
    assert {(name, (tmp_path / "wide-199" / name).stat().st_size) for name in os.listdir(tmp_path / "wide-199")} == {
        (name, 0) for name in SEGMENT_FILES}
    assert not topic.partitions[0].on_disk and topic.partitions[0].read(0, 1 << 20) == b""
    assert topic.partitions[0].append(ONE, now_ms=0).base_offset == 0 and topic.partitions[0].read(0, 1 << 20) == ONE
    catalog.close()
    again = _catalog(tmp_path)
    assert [p.log_end_offset for p in again.topics["wide"].partitions[:2]] == [1, 0] and again.partition("wide", 1).on_disk
    again.close()


def test_prepare_and_the_first_append_make_the_files_once_and_a_closed_partition_gets_none(tmp_path):
    made = Partition.pending(tmp_path / "t-0", "t", 0, LogConfig())
    assert made.prepare() is True and made.prepare() is False
    assert sorted(os.listdir(tmp_path / "t-0")) == SEGMENT_FILES
    made.append(ONE, now_ms=0)
    assert made.read(0, 1 << 20) == ONE and made.prepare() is False
    made.close()
    appended = Partition.pending(tmp_path / "t-1", "t", 1, LogConfig())
    appended.append(ONE, now_ms=0)  # before any prepare
    assert appended.prepare() is False and sorted(os.listdir(tmp_path / "t-1")) == SEGMENT_FILES
    appended.close()
    closed = Partition.pending(tmp_path / "t-2", "t", 2, LogConfig())
    closed.close()  # a deletion came first
    assert closed.prepare() is False and not (tmp_path / "t-2").exists()
    for i in (0, 1):
        again = Partition.open(tmp_path / f"t-{i}", "t", i, LogConfig(), recover=True)
        assert again.read(0, 1 << 20) == ONE
        again.close()


def test_the_first_append_makes_the_directory_and_a_restart_reads_both_kinds(tmp_path):
    catalog = _catalog(tmp_path)
    catalog.create("t", 2, {})
    assert catalog.partition("t", 1).append(ONE, now_ms=0).base_offset == 0
    assert not (tmp_path / "t-0").exists()
    assert sorted(os.listdir(tmp_path / "t-1")) == SEGMENT_FILES
    catalog.close()  # what a kill -9 leaves matters more: no close at all
    again = _catalog(tmp_path)
    assert [p.log_end_offset for p in again.topics["t"].partitions] == [0, 1]
    assert not again.partition("t", 0).on_disk and not (tmp_path / "t-0").exists()  # reopened without a file
    assert again.partition("t", 0).append(ONE, now_ms=0).base_offset == 0
    assert again.partition("t", 0).read(0, 1 << 20) == ONE
    again.close()


def test_a_restart_without_a_clean_stop_keeps_every_recorded_partition(tmp_path):
    catalog = _catalog(tmp_path)
    asyncio.run(catalog.create_async("wide", 300, {"cleanup.policy": "compact"}))
    # no close: as after kill -9 right after the answer
    again = Catalog(tmp_path, {})
    again.open(0)
    topic = again.topics["wide"]
    assert len(topic.partitions) == 300 and topic.configs == {"cleanup.policy": "compact"}
    assert topic.partitions[299].config.compact and all(p.log_end_offset == 0 for p in topic.partitions)
    again.close()


def test_partitions_a_restart_finds_unmade_are_made_after_it_without_an_append(tmp_path):
    catalog = _catalog(tmp_path)
    catalog.create("wide", 200, {})  # recorded; the kill -9 came before the worker thread made any directory
    again = Catalog(tmp_path, {})
    again.open(0)
    assert not any((tmp_path / f"wide-{i}").exists() for i in range(200))

    async def main():
        again.prepare_pending()
        await asyncio.gather(*again.preparing)

    asyncio.run(main())
    assert all((tmp_path / f"wide-{i}" / name).is_file() for i in range(200) for name in SEGMENT_FILES)
    partition = again.partition("wide", 7)
    assert partition.append(ONE, now_ms=0).base_offset == 0 and partition.read(0, 1 << 20) == ONE
    again.close()


def test_a_directory_cut_short_by_a_stop_during_its_first_append_reads_as_empty(tmp_path, caplog):
    catalog = _catalog(tmp_path)
    catalog.create("t", 2, {})
    catalog.close()
    (tmp_path / "t-0").mkdir()  # the stop came after the mkdir
    (tmp_path / "t-1").mkdir()  # ... or after the .log, before its indexes
    (tmp_path / "t-1" / "00000000000000000000.log").write_bytes(b"")
    again = _catalog(tmp_path)
    for i in (0, 1):
        partition = again.partition("t", i)
        assert partition.on_disk and partition.log_end_offset == 0
        assert partition.append(ONE, now_ms=0).base_offset == 0 and partition.read(0, 1 << 20) == ONE
    again.close()


def test_directories_left_under_a_new_topics_names_are_not_reused(tmp_path):
    stale = tmp_path / "ghost-1"  # e.g. the broker was stopped between a deletion's record and its renames
    stale.mkdir()
    (stale / "00000000000000000000.log").write_bytes(b"\0" * 100)
    (tmp_path / "ghost-x-0").mkdir()  # another topic's ("ghost-x"), which must stay
    catalog = _catalog(tmp_path)

    topic = _created_and_prepared(catalog, "ghost", 2)
    assert (stale / "00000000000000000000.log").stat().st_size == 0  # made again, empty
    assert (tmp_path / "ghost-x-0").is_dir() and not any(name.endswith("-delete") for name in os.listdir(tmp_path))
    assert topic.partitions[1].append(ONE, now_ms=0).base_offset == 0  # a fresh log, not the 100 stale bytes
    assert topic.partitions[1].read(0, 1 << 20) == ONE
    catalog.close()


def test_deleting_a_topic_never_written_to_leaves_nothing(tmp_path):
    catalog = _catalog(tmp_path)

    async def main():
        await catalog.create_async("brief", 200, {})
        await catalog.delete_async("brief")  # while the directories are being made: what was made goes too
        await asyncio.gather(*catalog.preparing)
        await asyncio.gather(*catalog.removing)

    asyncio.run(main())
    assert "brief" not in catalog.topics and _entries(tmp_path) == {"meta.properties", "kcli-topics.json"}
    assert json.loads((tmp_path / "kcli-topics.json").read_text()) == {}
    catalog.close()


def test_a_deleted_topics_directories_are_renamed_then_removed(tmp_path):
    catalog = _catalog(tmp_path)
    renamed = []

    async def main():
        await catalog.create_async("gone", 3, {})
        await asyncio.gather(*catalog.preparing)
        catalog.partition("gone", 2).append(ONE, now_ms=0)
        await catalog.delete_async("gone")
        renamed.extend(name for name in os.listdir(tmp_path) if name.startswith("gone"))
        await asyncio.gather(*catalog.removing)

    asyncio.run(main())
    assert renamed and all(name.endswith("-delete") for name in renamed)  # gone, or renamed
    assert not [name for name in os.listdir(tmp_path) if name.startswith("gone")]
    catalog.close()


def test_a_delete_directory_left_by_a_stop_is_removed_on_open(tmp_path):
    left = tmp_path / "gone-0.0123456789abcdef0123456789abcdef-delete"
    left.mkdir(parents=True)
    (left / "00000000000000000000.log").write_bytes(b"\0" * 10)
    catalog = _catalog(tmp_path)
    assert not left.exists() and "gone" not in catalog.topics
    catalog.close()


def test_a_long_topic_names_delete_directory_stays_within_255_characters(tmp_path):
    name = "n" * 249
    catalog = _catalog(tmp_path)
    catalog.create(name, 1, {})
    catalog.partition(name, 0).append(ONE, now_ms=0)
    directory = catalog.partition(name, 0).directory
    [target] = catalog._rename_for_deletion([catalog.forget(name)[0]])
    assert not directory.exists() and len(target.name) == 255 and target.name.endswith("-delete")
    assert target.name.startswith("n" * 200) and "-0." in target.name
    catalog.close()


def test_partitions_added_to_a_topic_deleted_meanwhile_are_not_added(tmp_path):
    catalog = _catalog(tmp_path)

    async def main():
        await catalog.create_async("doomed", 1, {})
        task = asyncio.create_task(catalog.add_partitions_async("doomed", 200))
        await asyncio.sleep(0)
        catalog.delete("doomed")  # DeleteTopics runs while the leftovers are looked for
        return await task

    assert asyncio.run(main()) is False
    assert "doomed" not in catalog.topics and not list(tmp_path.glob("doomed-*"))
    assert json.loads((tmp_path / "kcli-topics.json").read_text()) == {}
    catalog.close()


def test_added_partitions_are_recorded_then_made(tmp_path):
    catalog = _catalog(tmp_path)

    async def main():
        await catalog.create_async("grows", 1, {})
        catalog.partition("grows", 0).append(ONE, now_ms=0)
        return await catalog.add_partitions_async("grows", 500)

    assert asyncio.run(main()) is True  # asyncio.run waits for the worker threads: the directories are made
    assert json.loads((tmp_path / "kcli-topics.json").read_text())["grows"]["partitions"] == 500
    assert len(list(tmp_path.glob("grows-*"))) == 500 and not catalog.partition("grows", 499).on_disk
    assert catalog.partition("grows", 0).read(0, 1 << 20) == ONE
    catalog.close()


def test_a_new_partition_reopens_as_it_was_made_without_rewriting_its_files(tmp_path, caplog):
    files = ["00000000000000000000.index", "00000000000000000000.log", "00000000000000000000.timeindex"]
    idle = Partition.create(tmp_path / "t-0", "t", 0, LogConfig())
    written = Partition.create(tmp_path / "t-1", "t", 1, LogConfig())
    assert sorted(p.name for p in (tmp_path / "t-0").iterdir()) == files
    written.append(ONE, now_ms=0)
    idle.close()
    written.close()
    made = {tmp_path / "t-0" / name: (tmp_path / "t-0" / name).stat().st_mtime_ns for name in files}
    with caplog.at_level(logging.WARNING, logger="kcli.broker.log"):
        for i, end in ((0, 0), (1, 1)):
            again = Partition.open(tmp_path / f"t-{i}", "t", i, LogConfig(), recover=False)
            assert again.log_end_offset == end and len(again.read(0, 1 << 20)) == len(ONE) * end
            again.close()
    assert "index" not in caplog.text  # nothing was missing, nothing rebuilt
    assert {p: p.stat().st_mtime_ns for p in made} == made  # the idle partition's empty files were left alone
