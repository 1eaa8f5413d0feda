"""Sessions: ids, passwords, negotiated timeouts and expiry, driven by ``now`` (ms).

- A requested timeout is clamped to [minSessionTimeout, maxSessionTimeout],
  by default [2, 20] x tickTime (ZooKeeperServer.processConnectRequest).
- Every packet re-arms expiry to ``now + timeout`` rounded up to the next
  tick (ExpiryQueue.roundToNextInterval), so a silent session expires
  between ``timeout`` and ``timeout + tickTime`` after its last packet.
- Ids are ``((now << 24) >>> 8) | (1 << 56)`` then + 1 per session, and the
  password is 16 bytes of ``java.util.Random(id ^ 0xB3415C00).nextBytes``
  (SessionTrackerImpl, ZooKeeperServer.generatePasswd): a reattaching client's
  password is checked by deriving it again, so nothing secret is stored.
- Sessions restored after a restart get a fresh expiry from load time.
"""

from __future__ import annotations

from dataclasses import dataclass

_MASK48 = (1 << 48) - 1
_MASK64 = (1 << 64) - 1
_SUPER_SECRET = 0xB3415C00


def password(session_id: int) -> bytes:
    """java.util.Random(session_id ^ superSecret).nextBytes(16)."""
    seed = ((session_id ^ _SUPER_SECRET) ^ 0x5DEECE66D) & _MASK48
    out = bytearray()
    while len(out) < 16:
        seed = (seed * 0x5DEECE66D + 0xB) & _MASK48
        rnd = seed >> 16  # next(32), as an unsigned 32-bit value
        for _ in range(min(4, 16 - len(out))):
            out.append(rnd & 0xFF)
            rnd >>= 8
    return bytes(out)


def first_session_id(now: int) -> int:
    return (((now << 24) & _MASK64) >> 8) | (1 << 56)


@dataclass(slots=True)
class Session:
    session_id: int
    timeout: int
    expires_at: int


class SessionTracker:
    def __init__(self, tick_time: int, min_timeout: int, max_timeout: int, now: int):
        self.tick_time = tick_time
        self.min_timeout = min_timeout
        self.max_timeout = max_timeout
        self.sessions: dict[int, Session] = {}
        self._next_id = first_session_id(now)

    def negotiate(self, requested: int) -> int:
        return max(self.min_timeout, min(requested, self.max_timeout))

    def next_id(self) -> int:
        session_id = self._next_id
        while session_id in self.sessions:
            session_id += 1
        self._next_id = session_id + 1
        return session_id

    def _deadline(self, now: int, timeout: int) -> int:
        return ((now + timeout) // self.tick_time + 1) * self.tick_time

    def add(self, session_id: int, timeout: int, now: int) -> Session:
        session = Session(session_id, timeout, self._deadline(now, timeout))
        self.sessions[session_id] = session
        if session_id >= self._next_id and (session_id >> 56) == (self._next_id >> 56):
            self._next_id = session_id + 1
        return session

    def touch(self, session_id: int, now: int, timeout: int | None = None) -> bool:
        """Re-arm expiry; False when the session is gone."""
        session = self.sessions.get(session_id)
        if session is None:
            return False
        if timeout is not None:
            session.timeout = timeout
        session.expires_at = self._deadline(now, session.timeout)
        return True

    def expired(self, now: int) -> list[int]:
        return [s.session_id for s in self.sessions.values() if s.expires_at <= now]

    def remove(self, session_id: int) -> None:
        self.sessions.pop(session_id, None)

    def valid(self, session_id: int, passwd: bytes | None) -> bool:
        return session_id in self.sessions and passwd == password(session_id)
