"""Bootstrap servers: Kafka's parsing rules, and the wait that reports the first refused connection at once."""

import socket

import pytest

from kcli.tools.bootstrap import BootstrapServer, BrokerNotAvailable, Refused, normalize, parse, wait_for_broker
from kcli.tools.errors import ToolError


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_kafkas_forms_are_read():
    assert parse("localhost:9092") == [BootstrapServer("localhost", 9092)]
    assert parse(" a:1 , ,PLAINTEXT://b.example:2,[::1]:3") == [BootstrapServer("a", 1), BootstrapServer("b.example", 2), BootstrapServer("::1", 3)]
    assert normalize("PLAINTEXT://localhost:9092, [::1]:9093") == "localhost:9092,[::1]:9093"


@pytest.mark.parametrize(("text", "message"), [
    ("localhost:abc", "Invalid url in bootstrap.servers: localhost:abc"),
    ("localhost", "Invalid url in bootstrap.servers: localhost"),
    ("local host:9092", "Invalid url in bootstrap.servers: local host:9092"),
    ("localhost:99999", "Invalid port in bootstrap.servers: localhost:99999"),
    ("", "No resolvable bootstrap urls given in bootstrap.servers"),
    (",", "No resolvable bootstrap urls given in bootstrap.servers"),
])
def test_malformed_servers_are_kafkas_config_errors(text, message):
    with pytest.raises(ToolError) as caught:
        parse(text)
    assert caught.value.message == message


def test_the_first_refusal_is_reported_before_any_retry_then_the_wait_times_out():
    port = unused_port()
    clock = [100.0]
    refusals, sleeps = [], []

    def sleep(seconds):
        sleeps.append(seconds)
        clock[0] += seconds

    def refused(refusal):
        refusals.append(refusal)
        assert not sleeps and clock[0] == 100.0  # at the first refusal, before any retry or wait

    with pytest.raises(BrokerNotAvailable):
        wait_for_broker(f"localhost:{port}", 3000, refused, now=lambda: clock[0], sleep=sleep)
    assert len(refusals) == 1 and len(sleeps) > 5  # reported once, though retried until the deadline
    assert refusals[0] == Refused(BootstrapServer("localhost", port), "127.0.0.1")
    assert refusals[0].warning == f"Connection to node -1 (localhost/127.0.0.1:{port}) could not be established. Broker may not be available."
    assert Refused(BootstrapServer("127.0.0.1", port), "127.0.0.1").warning.startswith(f"Connection to node -1 (/127.0.0.1:{port})")
    assert 3.0 <= clock[0] - 100.0 < 3.5


def test_a_listening_server_ends_the_wait_with_the_time_left():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        refusals = []
        left = wait_for_broker(f"127.0.0.1:{unused_port()},127.0.0.1:{server.getsockname()[1]}", 5000, refusals.append)
    assert 0 < left <= 5000
    assert refusals == []  # one of the servers answered in the first round


def test_a_name_that_does_not_resolve():
    unresolved = []
    with pytest.raises(ToolError) as caught:
        wait_for_broker("no-such-host.invalid:9092", 1000, None, unresolved.append)
    assert caught.value.message == "No resolvable bootstrap urls given in bootstrap.servers"
    assert unresolved == [BootstrapServer("no-such-host.invalid", 9092)]


def test_a_broker_on_any_address_of_a_name_will_do():
    """``localhost`` can resolve to ::1 before 127.0.0.1; a broker listening on 127.0.0.1 only is still found."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        refusals = []
        assert wait_for_broker(f"localhost:{server.getsockname()[1]}", 5000, refusals.append) > 0
    assert refusals == []
