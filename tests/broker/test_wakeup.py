"""Wakeup: the wait behind the Fetch long-poll and the group timer."""

import asyncio

from kcli.broker.wakeup import Wakeup


def test_notify_wakes_everyone_waiting_and_a_timeout_is_false():
    async def main():
        wakeup = Wakeup()
        waiting = [asyncio.ensure_future(wakeup.wait(60)) for _ in range(2)]
        await asyncio.sleep(0)
        wakeup.notify()
        assert await asyncio.gather(*waiting) == [True, True]
        assert await wakeup.wait(0) is False
        assert await wakeup.wait(-1) is False

    asyncio.run(main())


def test_a_notify_before_waiting_is_not_remembered():
    async def main():
        wakeup = Wakeup()
        wakeup.notify()
        assert await wakeup.wait(0.01) is False

    asyncio.run(main())


def test_cancelled_in_the_iteration_it_is_notified_a_waiting_loop_still_ends():
    """The broker's shutdown cancels its group timer; ``wait_for(event.wait())`` on 3.11 returned normally here."""

    async def main():
        wakeup = Wakeup()

        async def timer():
            while True:
                await wakeup.wait(60)

        task = asyncio.ensure_future(timer())
        await asyncio.sleep(0)
        wakeup.notify()
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=10)
        assert task in done and task.cancelled()

    asyncio.run(main())


def test_notify_of_a_key_wakes_only_who_watches_it_or_everything():
    async def main():
        wakeup = Wakeup()
        on_a = asyncio.ensure_future(wakeup.wait(60, [("t", 0)]))
        on_a_or_b = asyncio.ensure_future(wakeup.wait(60, [("t", 0), ("t", 1)]))
        on_anything = asyncio.ensure_future(wakeup.wait(60))
        await asyncio.sleep(0)
        wakeup.notify(("t", 1))
        await asyncio.sleep(0)
        assert (on_a.done(), on_a_or_b.done(), on_anything.done()) == (False, True, True)
        assert wakeup.woken == 2 and wakeup.waiting() == 1
        wakeup.notify(("t", 2))
        await asyncio.sleep(0)
        assert not on_a.done() and wakeup.woken == 2
        wakeup.notify()
        assert await on_a is True
        assert wakeup.woken == 3 and wakeup.waiting() == 0

    asyncio.run(main())


def test_a_waiter_that_times_out_stops_watching_its_keys():
    async def main():
        wakeup = Wakeup()
        assert await wakeup.wait(0, [("t", 0), ("t", 1)]) is False
        assert wakeup.waiting() == 0 and wakeup._watching == {}

    asyncio.run(main())
