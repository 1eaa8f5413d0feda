"""kcli.stream.testing used the way a user's own unit test would use it: the example app, no broker."""

from __future__ import annotations

import json
from pathlib import Path

from kcli.stream import testing

APP = str(Path(__file__).resolve().parents[2] / "examples" / "stream" / "orders.py")
CONFIG = str(Path(__file__).resolve().parents[2] / "examples" / "stream" / "application.properties")


def test_brew_turns_an_order_into_a_cup():
    with testing.run(APP, config=CONFIG) as stream:
        stream.input.send({"id": 7, "coffee": "latte"}, "brew-in-0")
        cup = stream.output.receive("brew-out-0")
        assert json.loads(cup.payload) == {"id": 7, "coffee": "latte", "cup": "a latte for order 7"}
        assert cup.headers["contentType"] == "application/json"
        assert stream.output.receive("cups") is None  # taken already: cups is brew-out-0's destination


def test_the_source_is_polled_and_its_orders_go_to_its_destination():
    with testing.run(APP, config=CONFIG, properties={"spring.integration.poller.max-messages-per-poll": "3"}) as stream:
        assert stream.poll("orders") == 3
        sent = [testing.json_payload(stream.output.receive("orders")) for _ in range(3)]
        assert [set(order) for order in sent] == [{"id", "coffee"}] * 3
        assert len({order["id"] for order in sent}) == 3


def test_the_sink_serves_what_it_is_sent(capsys):
    with testing.run(APP, config=CONFIG) as stream:
        stream.input.send({"id": 1, "coffee": "mocha"}, "cups")  # by destination
    assert capsys.readouterr().out == "served 1 mocha\n"


def test_a_bad_order_is_retried_with_back_off_then_dead_lettered():
    waits: list[float] = []
    with testing.run(APP, config=CONFIG, sleep=waits.append) as stream:
        stream.input.send({"coffee": "latte"}, "brew-in-0")  # no id: brew raises KeyError
        assert stream.output.receive("brew-out-0") is None
        dead = stream.output.receive("error.orders.baristas")
        assert dead.headers["x-exception-fqcn"] == "builtins.KeyError"
        assert json.loads(dead.payload) == {"coffee": "latte"}
        assert waits == [1.0, 2.0] and stream.failed == 1  # 3 attempts: 1 s, then 2 s between them
