"""MemoryPool (queued.max.request.bytes): Kafka's non-strict SimpleMemoryPool, with waiters served first come, first served."""

import asyncio

from kcli.broker.memory_pool import MemoryPool


def test_unbounded_never_waits():
    async def main():
        pool = MemoryPool(-1)
        await pool.allocate(1 << 40)
        pool.release(1 << 40)
        assert pool.waiting == 0

    asyncio.run(main())


def test_any_memory_left_allows_an_allocation_and_none_left_waits_in_order():
    async def main():
        pool = MemoryPool(100)
        await pool.allocate(99)
        await pool.allocate(50)  # 1 byte left is enough: non-strict
        assert pool.available == -49
        order = []

        async def take(name, n):
            await pool.allocate(n)
            order.append(name)

        first, second = asyncio.ensure_future(take("first", 10)), asyncio.ensure_future(take("second", 10))
        await asyncio.sleep(0)
        assert pool.waiting == 2 and order == []
        pool.release(50)  # available 1: the first waiter goes, which uses it up
        await asyncio.sleep(0)
        assert order == ["first"] and pool.available == -9 and pool.waiting == 1
        pool.release(99)
        await asyncio.gather(first, second)
        assert order == ["first", "second"] and pool.available == 80

    asyncio.run(main())


def test_a_cancelled_waiter_leaves_the_line_and_passes_its_turn_on():
    async def main():
        pool = MemoryPool(10)
        await pool.allocate(10)
        cancelled = asyncio.ensure_future(pool.allocate(5))
        served = asyncio.ensure_future(pool.allocate(5))
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.sleep(0)
        assert pool.waiting == 1
        pool.release(10)
        await asyncio.wait_for(served, 5)
        assert pool.available == 5 and pool.waiting == 0

    asyncio.run(main())
