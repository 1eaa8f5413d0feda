"""The broker's ZooKeeper mode: register as a Kafka 3.x broker does and keep the topic znodes current.

Used when ``zookeeper.connect`` is set. Start-up, in Kafka's order: open the
session (giving up after ``zookeeper.connection.timeout.ms``), create the
persistent paths, adopt ``/cluster/id`` or publish the log directory's own, take
in topics only ZooKeeper knows, then — once the listener is bound — create the
ephemeral ``/brokers/ids/<id>`` and ``/controller``, bump ``/controller_epoch``
and write every topic's znodes (contents: ``kcli.broker.znodes``).

Afterwards the catalog reports each topic change to ``topic_changed`` on the
event loop; a snapshot is queued and one worker thread writes it, in order, so
the loop never waits on ZooKeeper. kazoo runs its own connection thread; after
a lost session it reconnects and the worker registers again. ``close`` drains
the queue and closes the session, so the ephemerals vanish at once.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import BadVersionError, KazooException, NodeExistsError, NoNodeError
from kazoo.retry import KazooRetry

from kcli.broker import znodes
from kcli.broker.config import BrokerConfig
from kcli.broker.log.catalog import Catalog, InconsistentClusterId, Topic, topic_name_problem
from kcli.broker.znodes import TopicRecord, ZooKeeperConnect, ZooKeeperError

log = logging.getLogger("kcli.broker.zookeeper")
_KAZOO_LOG = logging.getLogger("kcli.broker.kazoo")  # kazoo's own retry chatter: kcli reports state changes itself
_KAZOO_LOG.setLevel(logging.CRITICAL + 1)
_REGISTER = object()  # queue item: register again after a lost session
_STOP = object()
_CLOSE_WAIT_S = 5
_WAITING_NOTICE_S = 0.5  # connecting longer than this says "Waiting for ZooKeeper"


async def _on_daemon_thread(func, *args):
    """``func(*args)`` on a daemon thread: Ctrl+C during a long ZooKeeper wait must not wait for it (``to_thread`` would)."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future = loop.create_future()

    def settle(outcome, failed: bool) -> None:
        if not done.done():
            done.set_exception(outcome) if failed else done.set_result(outcome)

    def run() -> None:
        try:
            outcome, failed = func(*args), False
        except BaseException as exc:  # handed to the awaiting task
            outcome, failed = exc, True
        try:
            loop.call_soon_threadsafe(settle, outcome, failed)
        except RuntimeError:  # the loop is gone: start-up was interrupted
            pass

    threading.Thread(target=run, name="kcli-zookeeper-call", daemon=True).start()
    return await done


def record(topic: Topic) -> TopicRecord:
    return TopicRecord(topic.name, topic.topic_id, len(topic.partitions), dict(topic.configs))


class ZooKeeperRegistration:
    def __init__(self, config: BrokerConfig):
        self.config = config
        self.connect_string = ZooKeeperConnect.parse(config.zookeeper_connect or "")
        self.controller_epoch = 0
        self._client: KazooClient | None = None
        self._catalog: Catalog | None = None
        self._queue: queue.Queue = queue.Queue()
        self._written: dict[str, TopicRecord] = {}  # the worker's view: what ZooKeeper holds now
        self._endpoint: tuple[str, int] | None = None
        self._endpoints: list[tuple[str, str, str, int]] | None = None  # every listener: (name, protocol, host, port)
        self._lost = False
        self._closing = False
        self._worker = threading.Thread(target=self._run, name="kcli-zookeeper", daemon=True)

    @property
    def client_id(self) -> tuple[int, bytes] | None:
        """(session id, password) while connected."""
        return self._client.client_id if self._client else None

    @property
    def session_id(self) -> int | None:
        return self.client_id[0] if self.client_id else None

    # -- start-up (called from the event loop) -----------------------------------

    async def open(self, catalog: Catalog) -> None:
        """Connect, open the catalog under ZooKeeper's cluster id, and take in topics only ZooKeeper has.

        On failure the caller closes the session."""
        cluster_id, stored = await self._blocking(self._connect)
        try:
            catalog.open(self.config.node_id, cluster_id)
        except InconsistentClusterId as exc:
            raise ZooKeeperError(str(exc)) from None
        for topic in stored:
            if topic.name not in catalog.topics and topic_name_problem(topic.name) is None:
                catalog.create(topic.name, topic.partitions, topic.configs, topic_id=topic.topic_id)
        if cluster_id is None:
            await self._blocking(self._publish_cluster_id, catalog.cluster_id)
        self._catalog = catalog

    async def register(self, host: str, port: int, endpoints: list[tuple[str, str, str, int]] | None = None) -> None:
        """Register ``/brokers/ids/<id>`` and ``/controller`` and write every topic; then follow the catalog."""
        records = [record(t) for t in self._catalog.topics.values()]
        self._catalog.listeners.append(self.topic_changed)  # same loop step as the snapshot: no change is missed
        self._endpoint = (host, port)
        self._endpoints = endpoints
        await self._blocking(self._register, records, True)
        self._worker.start()

    def topic_changed(self, name: str) -> None:
        """Catalog listener: queue what the topic looks like now (None once deleted)."""
        topic = self._catalog.topics.get(name)
        self._queue.put((name, record(topic) if topic else None))

    async def aclose(self) -> None:
        """``close`` without holding up the loop more than a few seconds (kazoo can block in a handshake)."""
        if self._client is None or not self._client.connected:  # no session to end cleanly: do not wait
            threading.Thread(target=self.close, name="kcli-zookeeper-close", daemon=True).start()
            return
        try:
            await asyncio.wait_for(_on_daemon_thread(self.close), _CLOSE_WAIT_S)
        except asyncio.TimeoutError:
            log.warning("ZooKeeper did not acknowledge closing the session within %d s", _CLOSE_WAIT_S)

    def close(self) -> None:
        """Write what is queued (while connected), then close the session: ephemerals go at once."""
        if self._worker.is_alive():
            self._queue.put(_STOP)
            self._worker.join(_CLOSE_WAIT_S - 1 if self._client and self._client.connected else 0.5)
        self._closing = True
        if self._client is not None:
            self._client.stop()
            self._client.close()

    # -- blocking work (kazoo calls; off the event loop) ----------------------------

    async def _blocking(self, func, *args):
        try:
            return await _on_daemon_thread(func, *args)
        except KazooException as exc:
            raise ZooKeeperError(
                f"ZooKeeper at {self.config.zookeeper_connect} failed during start-up: {type(exc).__name__} {exc}".rstrip()
            ) from None

    def _connect(self) -> tuple[str | None, list[TopicRecord]]:
        timeout_ms = self.config.zookeeper_connection_timeout_ms
        try:
            self._client = KazooClient(
                hosts=self.connect_string.hosts,
                timeout=self.config.zookeeper_session_timeout_ms / 1000,
                connection_retry=KazooRetry(max_tries=-1, max_delay=1, interrupt=lambda: self._closing),
                command_retry=KazooRetry(max_tries=-1, max_delay=1, interrupt=lambda: self._closing),
                logger=_KAZOO_LOG,
            )
        except (ValueError, KazooException) as exc:
            raise ZooKeeperError(
                f"Invalid zookeeper.connect '{self.config.zookeeper_connect}': {exc}. Use host:port[,host:port][/chroot], e.g. localhost:2181"
            ) from None
        connected = self._client.start_async()
        if not connected.wait(min(_WAITING_NOTICE_S, timeout_ms / 1000)) and not self._client.connected:
            # Kafka's ZooKeeperClient logs "Waiting until connected." before it waits; say so before the wait is long.
            log.warning("Waiting for ZooKeeper at %s (up to %d ms: zookeeper.connection.timeout.ms)", self.connect_string.hosts, timeout_ms)
            connected.wait(max(0.0, timeout_ms / 1000 - _WAITING_NOTICE_S))
        if not self._client.connected:
            self._client.stop()
            self._client.close()
            raise ZooKeeperError(
                f"Timed out waiting for connection to ZooKeeper at {self.connect_string.hosts} while in state: CONNECTING "
                f"(zookeeper.connection.timeout.ms={timeout_ms}). Start ZooKeeper first (kcli zookeeper-start), "
                "fix zookeeper.connect, or start without it to run standalone"
            ) from None
        self._client.add_listener(self._state_changed)
        if self.connect_string.chroot:
            self._ensure(self.connect_string.chroot)
            self._client.chroot = self.connect_string.chroot  # Kafka creates a missing chroot the same way
        for path in znodes.PERSISTENT_PATHS:
            self._ensure(path)
        data = self._get(znodes.CLUSTER_ID)
        return (znodes.parse_cluster_id(data) if data else None), self._read_topics()

    def _read_topics(self) -> list[TopicRecord]:
        found = []
        for name in sorted(self._client.get_children(znodes.TOPICS)):
            assignment = self._get(znodes.topic_path(name))
            topic = znodes.parse_topic(name, assignment, self._get(znodes.topic_config_path(name))) if assignment else None
            if topic is not None:
                found.append(topic)
        return found

    def _publish_cluster_id(self, cluster_id: str) -> None:
        self._ensure("/cluster")
        try:
            self._client.create(znodes.CLUSTER_ID, znodes.cluster_id_json(cluster_id))
        except NodeExistsError:  # another broker was quicker: it has to be the same cluster
            theirs = znodes.parse_cluster_id(self._get(znodes.CLUSTER_ID))
            if theirs != cluster_id:
                raise ZooKeeperError(str(InconsistentClusterId(theirs, cluster_id))) from None

    def _register(self, records: list[TopicRecord], starting: bool) -> None:
        host, port = self._endpoint
        now_ms = int(time.time() * 1000)
        node_id = self.config.node_id
        self._create_ephemeral(znodes.broker_path(node_id), znodes.broker_json(self._listener_name(), host, port, now_ms, self._endpoints), starting)
        self._elect(node_id, now_ms)
        if self._get(znodes.FEATURE) is None:
            self._put(znodes.FEATURE, znodes.feature_json())
        for topic in records:
            self._write_topic(topic)
        self._purge_config_changes(now_ms)
        log.info("Registered broker %d at path %s with addresses: PLAINTEXT://%s:%d", node_id, znodes.broker_path(node_id), host, port)

    def _elect(self, node_id: int, now_ms: int) -> None:
        """Become the controller: create ephemeral ``/controller`` and bump ``/controller_epoch`` in one multi, as Kafka does."""
        while True:
            try:
                epoch_data, epoch_stat = self._client.get(znodes.CONTROLLER_EPOCH)
                epoch = int(epoch_data or b"0")
            except NoNodeError:
                try:
                    self._client.create(znodes.CONTROLLER_EPOCH, b"0")
                except NodeExistsError:
                    pass  # another broker created it first
                continue
            election = self._client.transaction()
            election.create(znodes.CONTROLLER, znodes.controller_json(node_id, now_ms), ephemeral=True)
            election.set_data(znodes.CONTROLLER_EPOCH, str(epoch + 1).encode(), version=epoch_stat.version)
            created, bumped = election.commit()
            if not isinstance(created, Exception) and not isinstance(bumped, Exception):
                self.controller_epoch = epoch + 1
                return
            if isinstance(bumped, BadVersionError):
                continue  # another election moved the epoch between the read and the multi: read it again
            if not isinstance(created, NodeExistsError):
                raise created if isinstance(created, Exception) else bumped
            try:
                data, stat = self._client.get(znodes.CONTROLLER)
            except NoNodeError:
                continue  # the controller went away meanwhile: stand again
            if stat.ephemeralOwner == self.session_id:  # our own multi, applied before a lost connection was retried
                self.controller_epoch = epoch
                return
            log.info("Broker %s is the controller; broker %d follows it", znodes.parse_controller(data), node_id)
            self.controller_epoch = epoch
            return

    def _create_ephemeral(self, path: str, data: bytes, starting: bool) -> None:
        """Create ``path`` for this session; wait out one a killed broker's session still holds."""
        wait_s = 2 * self.config.zookeeper_session_timeout_ms / 1000
        deadline = time.monotonic() + wait_s
        while True:
            try:
                self._client.create(path, data, ephemeral=True)
                return
            except NodeExistsError:
                pass
            gone = threading.Event()
            stat = self._client.exists(path, watch=lambda event: gone.set())
            if stat is None:
                continue
            if stat.ephemeralOwner == self.session_id:
                self._client.set(path, data)
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not starting:
                raise ZooKeeperError(
                    f"Error while creating ephemeral at {path}, node already exists and owner '0x{stat.ephemeralOwner:x}' does not "
                    f"match current session '0x{self.session_id:x}'. Another broker uses broker.id={self.config.node_id}: "
                    "stop it, or give this one another broker.id"
                )
            log.warning("%s is still held by session 0x%x (a broker stopped without closing it?); waiting up to %.0f s for it to expire",
                        path, stat.ephemeralOwner, remaining)
            gone.wait(remaining)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            try:
                self._client.retry(self._apply, item)  # every item is idempotent: retried whole after a connection loss
            except Exception as exc:  # a failed write must not end the worker
                if not self._closing:
                    log.warning("Could not update ZooKeeper: %s", exc or type(exc).__name__)

    def _apply(self, item) -> None:
        if item is _REGISTER:  # a new session, perhaps on a ZooKeeper that lost its data
            for path in znodes.PERSISTENT_PATHS:
                self._ensure(path)
            if self._get(znodes.CLUSTER_ID) is None:
                self._publish_cluster_id(self._catalog.cluster_id)
            self._register(list(self._written.values()), False)
            return
        name, topic = item
        if topic is None:
            self._delete_topic(name)
        else:
            self._write_topic(topic)

    def _write_topic(self, topic: TopicRecord) -> None:
        before = self._written.get(topic.name)
        for path, data in znodes.topic_znodes(topic, self.config.node_id, self.controller_epoch):
            self._put(path, data, overwrite=not path.endswith("/state"))
        if before is not None and before.configs != topic.configs:
            self._client.create(f"{znodes.CONFIG_CHANGES}/{znodes.CONFIG_CHANGE_PREFIX}", znodes.config_change_json(topic.name), sequence=True)
        self._written[topic.name] = topic

    def _delete_topic(self, name: str) -> None:
        for path in (znodes.topic_path(name), znodes.topic_config_path(name)):
            self._client.delete(path, recursive=True)  # kazoo's recursive delete ignores a missing node
        self._written.pop(name, None)

    def _purge_config_changes(self, now_ms: int) -> None:
        children = {}
        for child in self._client.get_children(znodes.CONFIG_CHANGES):
            stat = self._client.exists(f"{znodes.CONFIG_CHANGES}/{child}")
            if stat is not None:
                children[child] = stat.ctime
        for child in znodes.expired_config_changes(children, now_ms):
            try:
                self._client.delete(f"{znodes.CONFIG_CHANGES}/{child}")
            except NoNodeError:
                pass

    def _state_changed(self, state: str) -> None:  # kazoo's thread: never block here
        if state == KazooState.LOST:
            self._lost = True
            if not self._closing:
                log.warning("ZooKeeper session expired; the broker registers again once reconnected")
        elif state == KazooState.SUSPENDED and not self._closing:
            log.warning("Lost the connection to ZooKeeper; reconnecting")
        elif state == KazooState.CONNECTED and self._lost:
            self._lost = False
            self._queue.put(_REGISTER)

    # -- znode helpers ----------------------------------------------------------------

    def _get(self, path: str) -> bytes | None:
        try:
            return self._client.get(path)[0]
        except NoNodeError:
            return None

    def _ensure(self, path: str) -> None:
        """Create ``path`` and missing parents with null data, as Kafka's ``createRecursive``."""
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            try:
                self._client.create("/" + "/".join(parts[:i]), None)
            except NodeExistsError:
                pass

    def _put(self, path: str, data: bytes | None, overwrite: bool = True) -> None:
        try:
            self._client.create(path, data)
        except NodeExistsError:
            if overwrite and data is not None and self._get(path) != data:
                self._client.set(path, data)

    def _listener_name(self) -> str:
        key = "advertised.listeners" if "advertised.listeners" in self.config.props else "listeners"
        return self.config.props[key].split(",")[0].partition("://")[0].strip().upper()
