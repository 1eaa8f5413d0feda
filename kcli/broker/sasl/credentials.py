"""ScramCredentialStore: the SCRAM users, durable in ``<log.dir>/scram-credentials.json``.

File format (JSON, rewritten whole through a temporary file and an atomic
rename): ``{"<user>": {"<mechanism>": {"salt": b64, "stored_key": b64,
"server_key": b64, "iterations": n}}}``. Only the salted, hashed keys are
kept, never a password (Kafka's ScramCredential in its metadata log).
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from kcli.broker.sasl.scram import ScramCredential

FILE_NAME = "scram-credentials.json"


class ScramCredentialStore:
    def __init__(self, log_dir: Path):
        self.path = Path(log_dir) / FILE_NAME
        self._users: dict[str, dict[str, ScramCredential]] = {}

    def load(self) -> None:
        if not self.path.exists():
            return
        raw = json.loads(self.path.read_text(encoding="utf-8"))
        self._users = {
            user: {
                mech: ScramCredential(base64.b64decode(c["salt"]), base64.b64decode(c["stored_key"]),
                                      base64.b64decode(c["server_key"]), int(c["iterations"]))
                for mech, c in mechs.items()
            }
            for user, mechs in raw.items()
        }

    def get(self, user: str, mechanism: str) -> ScramCredential | None:
        return self._users.get(user, {}).get(mechanism)

    def users(self) -> dict[str, dict[str, ScramCredential]]:
        return self._users

    def upsert(self, user: str, mechanism: str, credential: ScramCredential) -> None:
        self._users.setdefault(user, {})[mechanism] = credential

    def delete(self, user: str, mechanism: str) -> bool:
        mechs = self._users.get(user, {})
        if mechs.pop(mechanism, None) is None:
            return False
        if not mechs:
            del self._users[user]
        return True

    def save(self) -> None:
        data = {
            user: {
                mech: {"salt": base64.b64encode(c.salt).decode(), "stored_key": base64.b64encode(c.stored_key).decode(),
                       "server_key": base64.b64encode(c.server_key).decode(), "iterations": c.iterations}
                for mech, c in mechs.items()
            }
            for user, mechs in self._users.items()
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
