"""Produce's handler (kcli/broker/handlers/produce.py) on a broker's own event loop: a request that waits for
nothing is answered by a plain call (no coroutine, no Task); one whose partition is due an fsync
(flush.messages) gives a coroutine whose answer comes once the fsync is done."""

from __future__ import annotations

import asyncio
import time
from types import CoroutineType

from kcli.broker import dispatch
from kcli.broker.context import RequestContext
from kcli.broker.handlers import produce
from kcli.broker.log import segment as segment_file
from kcli.broker.server import Broker
from kcli.protocol.kafka import frame, produce_codec
from kcli.protocol.kafka.errors import ErrorCode
from tests.conftest import broker_config
from tests.wire_requests import record_batch
from kafka.protocol.producer import ProduceRequest


def _request(topic: str, acks: int = 1):
    request = ProduceRequest(version=8, transactional_id=None, acks=acks, timeout_ms=30000,
                             topic_data=[(topic, [(0, record_batch([b"a"]))])])
    request.with_header(correlation_id=7, client_id="handler-test")
    data = bytes(request.encode(header=True))
    return dispatch.ROUTES[0].decode(data, frame.peek_head(data))


def _served(tmp_path, monkeypatch, scenario) -> None:
    fsyncs: list[int] = []
    real_fsync = segment_file.fsync

    def counted(fd: int) -> None:
        fsyncs.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(segment_file, "fsync", counted)

    async def main():
        broker = Broker(broker_config(tmp_path / "logs"))
        await broker.start()
        try:
            broker.catalog.create("plain", 1, {})
            broker.catalog.create("durable", 1, {"flush.messages": "1"})
            ctx = RequestContext(broker.state, 8, "handler-test", int(time.time() * 1000))
            await scenario(ctx, fsyncs)
        finally:
            await broker.stop()
            broker.unlock()

    asyncio.run(main())


def test_a_produce_that_waits_for_nothing_is_answered_by_a_plain_call(tmp_path, monkeypatch):
    async def scenario(ctx, fsyncs):
        answer = produce.handle(_request("plain"), ctx)
        assert isinstance(answer, produce_codec.ProduceResponse)
        (name, (partition,)), = answer.responses
        assert (name, partition.error_code, partition.base_offset) == ("plain", ErrorCode.NONE, 0)
        assert produce.handle(_request("plain", acks=0), ctx) is None
        assert fsyncs == []

    _served(tmp_path, monkeypatch, scenario)


def test_a_produce_due_an_fsync_is_answered_once_the_fsync_is_done(tmp_path, monkeypatch):
    async def scenario(ctx, fsyncs):
        pending = produce.handle(_request("durable"), ctx)
        assert type(pending) is CoroutineType
        answer = await pending
        assert fsyncs  # the answer came after the partition's fsync
        (name, (partition,)), = answer.responses
        assert (name, partition.error_code, partition.base_offset) == ("durable", ErrorCode.NONE, 0)

    _served(tmp_path, monkeypatch, scenario)
