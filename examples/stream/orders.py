"""The coffee shop: orders (a Source on Kafka) → brew (a Processor, Kafka in, RabbitMQ out) → serve (a Sink on RabbitMQ).

Run it beside `kcli server-start` and a RabbitMQ server:

    kcli stream run examples/stream/orders.py --config examples/stream/application.properties

ORDERS=N in the environment stops the Source after N orders (0, the default: no limit).
"""

from __future__ import annotations

import itertools
import os

MENU = ("latte", "espresso", "flat white", "cappuccino")
LIMIT = int(os.environ.get("ORDERS", "0"))
_numbers = itertools.count(1)


def orders() -> dict | None:
    """Source: polled (every spring.integration.poller.fixed-delay ms); None sends nothing."""
    number = next(_numbers)
    if LIMIT and number > LIMIT:
        return None
    return {"id": number, "coffee": MENU[number % len(MENU)]}


def brew(order: dict) -> dict:
    """Processor: an order in, a cup out."""
    return {"id": order["id"], "coffee": order["coffee"], "cup": f"a {order['coffee']} for order {order['id']}"}


def serve(cup: dict) -> None:
    """Sink: the cup reaches its table."""
    print(f"served {cup['id']} {cup['coffee']}", flush=True)
