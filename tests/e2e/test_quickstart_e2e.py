"""The tutorial as a user runs it, every step a ``kcli`` process; then ``kill -9`` and a restart lose nothing."""

from tests.e2e.test_server_process import ServerProcess, overrides
from tests.processes import kcli


def test_tutorial_survives_kill_9(tmp_path):
    server = ServerProcess(*overrides(tmp_path))
    assert server.address, "".join(server.lines)
    bootstrap = "%s:%d" % server.address
    try:
        created = kcli("topics", "--create", "--topic", "coffee", "--bootstrap-server", bootstrap)
        assert created.stdout == "Created topic coffee.\n", created.stderr
        produced = kcli("console-producer", "--topic", "coffee", "--bootstrap-server", bootstrap,
                        input="first event\nsecond event\nthird event\n")
        assert produced.returncode == 0, produced.stderr
        consumed = kcli("console-consumer", "--topic", "coffee", "--from-beginning", "--max-messages", "3",
                        "--bootstrap-server", bootstrap)
        assert consumed.stdout == "first event\nsecond event\nthird event\n"
        assert "Processed a total of 3 messages" in consumed.stderr
    finally:
        server.proc.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean shutdown
        server.wait()
    assert not (tmp_path / "logs" / ".kafka_cleanshutdown").exists()

    restarted = ServerProcess(*overrides(tmp_path))
    assert restarted.address, "".join(restarted.lines)
    try:
        consumed = kcli("console-consumer", "--topic", "coffee", "--from-beginning", "--max-messages", "3",
                        "--bootstrap-server", "%s:%d" % restarted.address)
        assert consumed.stdout == "first event\nsecond event\nthird event\n"
        assert (tmp_path / "logs" / "coffee-0" / "00000000000000000000.log").is_file()
    finally:
        restarted.proc.terminate()
        restarted.wait()
