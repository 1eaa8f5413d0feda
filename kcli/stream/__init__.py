"""``kcli stream``: Spring Cloud Stream's Source / Processor / Sink functions in Python, bound by Spring's
own properties to Kafka and RabbitMQ — both at once.

Layering: this package uses client libraries (kafka-python, pika) and ``kcli.tools``-level helpers,
never the broker's internals; ``kcli.cli.stream`` is its command-line shell.
"""

from kcli.stream.errors import StreamError
from kcli.stream.functions import processor, sink, source
from kcli.stream.message import Message

__all__ = ["Message", "StreamError", "processor", "sink", "source"]
