"""The RabbitMQ binder, on pika (pure Python, no dependencies, works on Windows), with Spring Cloud
Stream's RabbitMQ binder's topology (RabbitExchangeQueueProvisioner):

* destination ``D`` → a durable ``topic`` exchange ``D`` (``prefix`` prepended, ``exchange-type`` to change it);
  a producer publishes with routing key ``D``, or ``D-<partition>`` when partitioned;
* a consumer with group ``G`` → the durable queue ``D.G`` (``G`` alone with ``queue-name-group-only``) bound
  with ``binding-routing-key`` (default ``#``); partitioned: ``D.G-<i>`` bound with ``D-<i>`` for its
  ``instance-index``, or for each partition of its ``instance-index-list``;
* no group → an exclusive auto-delete queue ``D.anonymous.<base64url uuid>``;
* ``auto-bind-dlq=true`` → the queue gets ``x-dead-letter-exchange=DLX`` and ``x-dead-letter-routing-key=D.G``,
  and the durable queue ``D.G.dlq`` is bound to the direct exchange ``DLX`` with key ``D.G``. A message whose
  retries ran out is republished there with ``x-exception-message``/``-stacktrace``/``-fqcn``,
  ``x-original-exchange`` and ``x-original-routingKey`` (``republish-to-dlq``, the default) or rejected for the
  broker to dead-letter (``republish-to-dlq=false``); without a DLQ it is rejected (dropped unless ``requeue-rejected``).

Deliveries are acknowledged only after the function returned and its outputs were committed (a
transactional publishing channel, committed per batch), so a crash redelivers them: at-least-once. ``prefetch`` (default 1) bounds unacknowledged deliveries.
pika's BlockingConnection belongs to one thread: each consumer has its own, and producers keep one per thread.
"""

from __future__ import annotations

import base64
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from kcli.stream.bindings import BinderConfig, Binding
from kcli.stream.errors import StreamError
from kcli.stream.handler import Outbound, exception_headers
from kcli.stream.properties import StreamProperties

DLX = "DLX"


def _ext(binding: Binding) -> dict[str, str]:
    return binding.consumer.extended if binding.direction == "in" else binding.producer.extended


def _flag(binding: Binding, key: str, default: bool) -> bool:
    return StreamProperties.boolean(key, _ext(binding).get(key), default)


def exchange_name(binding: Binding, destination: str | None = None) -> str:
    return _ext(binding).get("prefix", "") + (destination or binding.destinations[0])


def queue_name(binding: Binding, destination: str, group: str, partition: int | None = None) -> str:
    ext = _ext(binding)
    base = group if _flag(binding, "queue-name-group-only", False) else f"{ext.get('prefix', '')}{destination}.{group}"
    return base if partition is None else f"{base}-{partition}"


def dlq(binding: Binding, queue: str) -> tuple[str, str, str] | None:
    """``(exchange, queue, routing key)`` of the dead-letter queue when ``auto-bind-dlq``; else None."""
    if binding.group is None or not _flag(binding, "auto-bind-dlq", False):
        return None
    ext = _ext(binding)
    return (ext.get("dead-letter-exchange", DLX), ext.get("dead-letter-queue-name", f"{queue}.dlq"),
            ext.get("dead-letter-routing-key", queue))


def topology(binding: Binding) -> dict[str, Any]:
    """What ``binding`` maps to on RabbitMQ, without connecting (``kcli stream bindings``)."""
    if binding.direction == "out":
        count = binding.producer.partition_count
        key = f"{binding.destination}-<partition>" if binding.producer.partition_key_expression else binding.destination
        return {"exchange": exchange_name(binding), "routing key": key, "partitions": str(count) if count > 1 else "",
                "queues": ", ".join(queue_name(binding, binding.destination, g) for g in binding.producer.required_groups)}
    c = binding.consumer
    partitions = partitions_consumed(binding)
    if not binding.group:
        queues = [f"{binding.destinations[0]}.anonymous.<id>"]
    else:
        queues = [queue_name(binding, binding.destinations[0], binding.group, p) for p in partitions]
    dead = [d for d in (dlq(binding, q) for q in queues) if d]
    return {"exchange": exchange_name(binding), "queue": ", ".join(queues),
            "dlq": ", ".join(f"{d[1]} (via {d[0]})" for d in dead),
            "partitions": f"{','.join(map(str, partitions))} of {c.instance_count}" if partitions != [None] else ""}


def partitions_consumed(binding: Binding) -> list[int | None]:
    """A partitioned consumer's partitions: ``instance-index-list``, else its ``instance-index``; [None] unpartitioned."""
    c = binding.consumer
    if not c.partitioned:
        return [None]
    return list(c.instance_index_list) or [c.instance_index]


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, Any]
    delivery_tag: int
    exchange: str
    routing_key: str
    settled: bool = False

    @property
    def where(self) -> str:
        return f"{self.exchange}/{self.routing_key}#{self.delivery_tag}"


class RabbitBinder:
    def __init__(self, config: BinderConfig):
        import logging

        import pika

        logging.getLogger("pika").setLevel(logging.CRITICAL)  # its connection errors become one StreamError line
        props = config.properties
        self.name = config.name
        address = props.get("spring.rabbitmq.addresses")
        host = props.get("spring.rabbitmq.host", "localhost") or "localhost"
        port = props.integer("spring.rabbitmq.port", props.get("spring.rabbitmq.port"), 5672)
        if address:
            first = address.split(",")[0].strip().removeprefix("amqp://")
            host, _, p = first.rpartition("@")[2].partition(":")
            port = int(p) if p else 5672
        self.host, self.port = host, port
        credentials = pika.PlainCredentials(props.get("spring.rabbitmq.username", "guest") or "guest",
                                            props.get("spring.rabbitmq.password", "guest") or "guest")
        self._params = dict(host=host, port=port, virtual_host=props.get("spring.rabbitmq.virtual-host", "/") or "/",
                            credentials=credentials, connection_attempts=1, socket_timeout=5, blocked_connection_timeout=30)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list = []
        self.connect(heartbeat=0).close()  # fail now, in one line, if it is not there

    def connect(self, heartbeat: int | None = None):
        import pika

        params = pika.ConnectionParameters(**self._params, **({} if heartbeat is None else {"heartbeat": heartbeat}))
        try:
            return pika.BlockingConnection(params)
        except pika.exceptions.ProbableAuthenticationError:
            raise StreamError(f"RabbitMQ at {self.host}:{self.port} refused the credentials (spring.rabbitmq.username/password)") from None
        except pika.exceptions.AMQPError as exc:
            raise StreamError(f"Cannot connect to RabbitMQ at {self.host}:{self.port} (binder '{self.name}', "
                              f"spring.rabbitmq.host/port): {type(exc).__name__}; start it with `rabbitmq-server` "
                              f"(Debian: apt-get install rabbitmq-server)") from None

    def _channel(self):
        """This thread's publishing channel, transactional: what it published is on the broker once
        ``tx_commit`` returns (one round trip per batch, where publisher confirms in pika's blocking
        API cost one per message)."""
        channel = getattr(self._local, "channel", None)
        if channel is None or channel.is_closed:
            connection = self.connect(heartbeat=0)
            with self._lock:
                self._connections.append(connection)
            channel = connection.channel()
            channel.tx_select()
            self._local.channel = channel
        return channel

    def declare_exchange(self, channel, binding: Binding, name: str) -> None:
        ext = _ext(binding)
        if _flag(binding, "declare-exchange", True):
            channel.exchange_declare(name, ext.get("exchange-type", "topic"), durable=_flag(binding, "exchange-durable", True),
                                     auto_delete=_flag(binding, "exchange-auto-delete", False))

    def declare_group_queue(self, channel, binding: Binding, destination: str, group: str, partition: int | None) -> str:
        queue = queue_name(binding, destination, group, partition)
        dead = dlq(binding, queue)
        arguments = {"x-dead-letter-exchange": dead[0], "x-dead-letter-routing-key": dead[2]} if dead else None
        if dead:
            channel.exchange_declare(dead[0], "direct", durable=True)
            channel.queue_declare(dead[1], durable=True)
            channel.queue_bind(dead[1], dead[0], dead[2])
        durable = _flag(binding, "durable-subscription", True)
        channel.queue_declare(queue, durable=durable, auto_delete=not durable, arguments=arguments)
        key = f"{destination}-{partition}" if partition is not None else _ext(binding).get("binding-routing-key", "#")
        channel.queue_bind(queue, exchange_name(binding, destination), key)
        return queue

    def producer(self, binding: Binding) -> RabbitOutput:
        channel = self._channel()
        self.declare_exchange(channel, binding, exchange_name(binding))
        count = binding.producer.partition_count
        for group in binding.producer.required_groups:
            for partition in (range(count) if binding.producer.partition_key_expression else [None]):
                self.declare_group_queue(channel, binding, binding.destination, group, partition)
        return RabbitOutput(self, binding)

    def consumer(self, binding: Binding, worker: int) -> RabbitInput:
        return RabbitInput(self, binding)

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            try:
                connection.close()
            except Exception:  # already closed by the broker or the network
                pass


class RabbitOutput:
    def __init__(self, binder: RabbitBinder, binding: Binding):
        self.binder = binder
        self.binding = binding
        self.exchange = exchange_name(binding)
        self.persistent = _ext(binding).get("delivery-mode", "PERSISTENT").upper() == "PERSISTENT"

    def partition_count(self) -> int:
        return self.binding.producer.partition_count

    def send(self, out: Outbound) -> None:
        import pika

        key = self.binding.destination if out.partition is None else f"{self.binding.destination}-{out.partition}"
        headers = {k: (v if isinstance(v, (str, int, bool, bytes)) else str(v)) for k, v in out.headers.items() if k != "contentType"}
        properties = pika.BasicProperties(content_type=out.content_type, headers={**headers, "contentType": out.content_type},
                                          delivery_mode=2 if self.persistent else 1)
        self.binder._channel().basic_publish(self.exchange, key, out.body, properties)

    def flush(self) -> None:
        """Commits this thread's publishes: they are on the broker when it returns."""
        self.binder._channel().tx_commit()


class RabbitInput:
    def __init__(self, binder: RabbitBinder, binding: Binding):
        self.binder = binder
        self.binding = binding
        self.connection = binder.connect()
        self.channel = self.connection.channel()
        c = binding.consumer
        ext = c.extended
        self.channel.basic_qos(prefetch_count=int(ext.get("prefetch", "1")))
        self.queues = []
        self.dead: dict[str, tuple[str, str, str] | None] = {}
        for destination in binding.destinations:
            binder.declare_exchange(self.channel, binding, exchange_name(binding, destination))
            if binding.group:
                for partition in partitions_consumed(binding):
                    queue = binder.declare_group_queue(self.channel, binding, destination, binding.group, partition)
                    self.queues.append(queue)
                    self.dead[queue] = dlq(binding, queue)
            else:
                prefix = ext.get("anonymous-group-prefix", "anonymous.")
                suffix = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
                queue = f"{destination}.{prefix}{suffix}"
                self.channel.queue_declare(queue, exclusive=True, auto_delete=True)
                self.channel.queue_bind(queue, exchange_name(binding, destination), ext.get("binding-routing-key", "#"))
                self.queues.append(queue)
                self.dead[queue] = None
        self.republish = StreamProperties.boolean("republish-to-dlq", ext.get("republish-to-dlq"), True)
        self.requeue_rejected = StreamProperties.boolean("requeue-rejected", ext.get("requeue-rejected"), False)
        self._received: list[Delivery] = []
        self._queue_of: dict[int, str] = {}
        for queue in self.queues:
            self.channel.basic_consume(queue, lambda ch, method, props, body, q=queue: self._on_message(q, method, props, body))

    def _on_message(self, queue: str, method, props, body: bytes) -> None:
        headers = dict(props.headers or {})
        if props.content_type and "contentType" not in headers:
            headers["contentType"] = props.content_type
        headers = {k: (v.decode("utf-8", "replace") if isinstance(v, bytes) and k == "contentType" else v) for k, v in headers.items()}
        headers.update(amqp_receivedExchange=method.exchange, amqp_receivedRoutingKey=method.routing_key)  # Spring's AmqpHeaders
        self._queue_of[method.delivery_tag] = queue
        self._received.append(Delivery(body, headers, method.delivery_tag, method.exchange, method.routing_key))

    def poll(self, timeout_s: float) -> list[Delivery]:
        if not self._received:
            self.connection.process_data_events(time_limit=timeout_s)
        received, self._received = self._received, []
        return received

    def dead_letter_target(self, delivery: Delivery) -> str | None:
        dead = self.dead.get(self._queue_of.get(delivery.delivery_tag, self.queues[0]))
        return dead[1] if dead else None

    def dead_letter(self, delivery: Delivery, exc: BaseException) -> str | None:
        import pika

        queue = self._queue_of.pop(delivery.delivery_tag, self.queues[0])
        dead = self.dead.get(queue)
        delivery.settled = True
        if dead and self.republish:
            headers = {**{k: v for k, v in delivery.headers.items() if k != "contentType" and not k.startswith("amqp_")},
                       **exception_headers(exc),
                       "x-original-exchange": delivery.exchange, "x-original-routingKey": delivery.routing_key}
            content_type = delivery.headers.get("contentType")
            properties = pika.BasicProperties(content_type=content_type, headers=headers, delivery_mode=2)
            publisher = self.binder._channel()
            publisher.basic_publish(dead[0], dead[2], delivery.body, properties)
            publisher.tx_commit()  # on the broker before the original is acknowledged
            self.channel.basic_ack(delivery.delivery_tag)
            return dead[1]
        self.channel.basic_reject(delivery.delivery_tag, requeue=self.requeue_rejected and not dead)
        return dead[1] if dead else None

    def ack(self, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            self._queue_of.pop(d.delivery_tag, None)
            if not d.settled:
                self.channel.basic_ack(d.delivery_tag)
                d.settled = True

    def rewind(self, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            if not d.settled:
                self.channel.basic_nack(d.delivery_tag, requeue=True)
                d.settled = True

    def close(self) -> None:
        try:
            self.connection.close()  # unacknowledged deliveries go back to their queues
        except Exception:  # already closed by the broker or the network
            pass
