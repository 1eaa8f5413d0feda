"""Config files kcli ships: server.properties (ZooKeeper mode), kraft/server.properties (standalone),
producer.properties, consumer.properties."""

from importlib.resources import files


def shipped(name: str) -> str:
    """The text of a shipped config file, e.g. ``shipped("kraft/server.properties")``."""
    return files(__name__).joinpath(name).read_text(encoding="utf-8")


def tutorial_path(path):
    """``config/server.properties`` as the Kafka tutorial types it: the shipped file when no such file is here.

    Returns ``(path to use, shipped name or None)``; any other path is returned as given.
    """
    from pathlib import Path, PurePath

    if path is None or Path(path).exists():
        return path, None
    parts = PurePath(path).parts
    if len(parts) < 2 or parts[0] != "config":
        return path, None
    name = "/".join(parts[1:])
    candidate = files(__name__).joinpath(name)
    if not candidate.is_file():
        return path, None
    return Path(str(candidate)), f"config/{name}"
