"""FileLock: one holder per file across processes, threads and handles; the OS lets go of a killed holder."""

import subprocess
import sys
import threading

from kcli.file_lock import FileLock
from tests.waiting import wait_for

HOLDER = """
import sys, time
from pathlib import Path
from kcli.file_lock import FileLock
lock = FileLock(Path(sys.argv[1]))
print(lock.try_lock(), flush=True)
time.sleep(120)
"""


def test_a_second_handle_in_the_same_process_or_another_thread_is_refused(tmp_path):
    path = tmp_path / ".lock"
    first = FileLock(path)
    assert first.try_lock() and first.locked
    assert not FileLock(path).try_lock()  # same thread, another handle: flock, not lockf
    from_thread = []
    thread = threading.Thread(target=lambda: from_thread.append(FileLock(path).try_lock()))
    thread.start()
    thread.join(10)
    assert from_thread == [False]
    first.unlock()
    assert not first.locked
    second = FileLock(path)
    assert second.try_lock()
    second.unlock()
    assert path.exists()  # never deleted


def test_a_killed_holder_lets_go(tmp_path):
    path = tmp_path / ".lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "True"
        assert not FileLock(path).try_lock()
        holder.kill()
        holder.wait(10)
        lock = FileLock(path)
        wait_for(lock.try_lock, 10, "the OS to release a killed process's lock")
        lock.unlock()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
        holder.stdout.close()
