"""Config files kcli ships: server.properties (ZooKeeper mode), kraft/server.properties (standalone),
producer.properties, consumer.properties."""

from importlib.resources import files


def shipped(name: str) -> str:
    """The text of a shipped config file, e.g. ``shipped("kraft/server.properties")``."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")
