"""Catalog.create_gradually / add_partitions_gradually: a topic is published only whole; a cut-short creation leaves nothing."""

import asyncio
import json

import pytest

from kcli.broker.log.catalog import PARTITIONS_PER_STEP, Catalog
from tests.waiting import wait_for_async


def _catalog(tmp_path):
    catalog = Catalog(tmp_path, {})
    catalog.open(0)
    return catalog


def test_cancelled_creation_leaves_no_topic_and_no_directories(tmp_path):
    catalog = _catalog(tmp_path)

    async def main():
        task = asyncio.create_task(catalog.create_gradually("big", 10 * PARTITIONS_PER_STEP, {}))
        # a step or so in: some partitions exist on disk, the topic is not listed yet
        await wait_for_async(lambda: list(tmp_path.glob("big-*")), 10, "the first partitions on disk", step=0.001)
        assert list(tmp_path.glob("big-*")) and "big" not in catalog.topics and not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert "big" not in catalog.topics and not list(tmp_path.glob("big-*"))
    assert not (tmp_path / "kcli-topics.json").exists()  # never saved
    catalog.close()


def test_directories_left_by_an_unfinished_creation_are_not_reused(tmp_path):
    stale = tmp_path / "ghost-1"  # e.g. the broker was killed while creating "ghost": no topic lists it
    stale.mkdir()
    (stale / "00000000000000000000.log").write_bytes(b"\0" * 100)
    catalog = _catalog(tmp_path)
    topic = asyncio.run(catalog.create_gradually("ghost", 2, {}))
    assert [p.log_end_offset for p in topic.partitions] == [0, 0]
    assert (stale / "00000000000000000000.log").stat().st_size == 0
    assert json.loads((tmp_path / "kcli-topics.json").read_text())["ghost"]["partitions"] == 2
    catalog.close()


def test_partitions_added_to_a_topic_deleted_meanwhile_are_removed(tmp_path):
    catalog = _catalog(tmp_path)

    async def main():
        await catalog.create_gradually("doomed", 1, {})
        task = asyncio.create_task(catalog.add_partitions_gradually("doomed", 1 + 4 * PARTITIONS_PER_STEP))
        await asyncio.sleep(0)
        catalog.delete("doomed")  # DeleteTopics runs between two steps
        return await task

    assert asyncio.run(main()) is False
    assert "doomed" not in catalog.topics and not list(tmp_path.glob("doomed-*"))
    catalog.close()


def test_a_new_partition_reopens_as_it_was_made_without_rewriting_its_files(tmp_path, caplog):
    import logging

    from kcli.broker.log.partition import LogConfig, Partition
    from tests.wire_requests import record_batch

    files = ["00000000000000000000.index", "00000000000000000000.log", "00000000000000000000.timeindex"]
    idle = Partition.create(tmp_path / "t-0", "t", 0, LogConfig())
    written = Partition.create(tmp_path / "t-1", "t", 1, LogConfig())
    assert sorted(p.name for p in (tmp_path / "t-0").iterdir()) == files
    written.append(record_batch([b"a"]), now_ms=0)
    idle.close()
    written.close()
    made = {tmp_path / "t-0" / name: (tmp_path / "t-0" / name).stat().st_mtime_ns for name in files}
    with caplog.at_level(logging.WARNING, logger="kcli.broker.log"):
        for i, end in ((0, 0), (1, 1)):
            again = Partition.open(tmp_path / f"t-{i}", "t", i, LogConfig(), recover=False)
            assert again.log_end_offset == end and len(again.read(0, 1 << 20)) == len(record_batch([b"a"])) * end
            again.close()
    assert "index" not in caplog.text  # nothing was missing, nothing rebuilt
    assert {p: p.stat().st_mtime_ns for p in made} == made  # the idle partition's empty files were left alone
