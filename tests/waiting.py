"""Waiting on a condition with a deadline: the tests' only way to wait."""

from __future__ import annotations

import asyncio
import time


def wait_for(condition, timeout: float = 10.0, what: str = "condition", step: float = 0.02):
    """``condition()``'s first truthy value, polled every ``step`` seconds; AssertionError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(step)


async def wait_for_async(condition, timeout: float = 10.0, what: str = "condition", step: float = 0.01):
    """``wait_for`` inside an event loop: the loop keeps running (its timers, its tasks) between polls."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(step)
