"""AcceptErrorLog: accept() failures are logged once per interval, with a count of the rest."""

import asyncio
import errno
import logging

from kcli.accept_errors import AcceptErrorLog

EMFILE = OSError(errno.EMFILE, "Too many open files")


def test_one_line_per_interval_with_the_count(caplog):
    accept_errors = AcceptErrorLog(logging.getLogger("test.accept"), interval_s=60)
    with caplog.at_level(logging.ERROR, logger="test.accept"):
        logged = [accept_errors.record(EMFILE, now) for now in (1000.0, 1000.0, 1001.0, 1059.9, 1060.0, 1061.0)]
    assert logged == [True, False, False, False, True, False]
    assert [r.getMessage() for r in caplog.records] == [
        "Cannot accept connections: Too many open files; retrying every second",
        "Cannot accept connections: Too many open files (3 more since the last report); retrying every second",
    ]
    assert all(r.exc_info is None for r in caplog.records)  # no traceback
    assert accept_errors.suppressed == 1


def test_the_loop_handler_takes_accept_failures_and_passes_on_the_rest(caplog):
    accept_errors = AcceptErrorLog(logging.getLogger("test.accept"), interval_s=60)
    loop = asyncio.new_event_loop()
    try:
        loop.set_exception_handler(accept_errors.handler)
        with caplog.at_level(logging.ERROR):
            for _ in range(100):  # one selector tick with a full backlog, as Python 3.11 reports it
                loop.call_exception_handler({"message": "socket.accept() out of system resource", "exception": EMFILE})
            loop.call_exception_handler({"message": "Accept failed on a socket", "exception": EMFILE})  # proactor (Windows)
            loop.call_exception_handler({"message": "something else", "exception": ValueError("boom")})
    finally:
        loop.close()
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("Cannot accept connections: Too many open files; retrying every second") == 1
    assert accept_errors.suppressed == 100
    assert any(m.startswith("something else") for m in messages)  # the default handler still reports other errors
