"""Fixtures for ``kcli stream``: one real RabbitMQ node per test session, a fresh virtual host per test."""

from __future__ import annotations

import uuid

import pytest

from tests.rabbit_real import start_rabbitmq


@pytest.fixture(scope="session")
def rabbitmq(tmp_path_factory):
    """An isolated RabbitMQ node (its own name, ports and data), started once, stopped at the end of the session."""
    node = start_rabbitmq(tmp_path_factory.mktemp("rabbitmq"))
    yield node
    node.stop()


@pytest.fixture
def vhost(rabbitmq):
    """A virtual host of this test's own, so what exists in it after a run is exactly what the run declared."""
    name = f"t-{uuid.uuid4().hex[:8]}"
    rabbitmq.ctl("add_vhost", name)
    rabbitmq.ctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    yield name
    rabbitmq.ctl("delete_vhost", name)


def rabbit_props(rabbitmq, vhost: str, binder: str | None = None) -> dict[str, str]:
    """Properties pointing a RabbitMQ binder (the named binder's environment, or the application's) at the test node."""
    prefix = f"spring.cloud.stream.binders.{binder}.environment." if binder else ""
    return {f"{prefix}spring.rabbitmq.host": rabbitmq.host, f"{prefix}spring.rabbitmq.port": str(rabbitmq.port),
            f"{prefix}spring.rabbitmq.virtual-host": vhost}
