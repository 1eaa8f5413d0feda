"""The real peers some tests drive — Debian's kcat, Apache ZooKeeper and its zkCli.sh — may be missing.

A test that needs one skips with the reason and the package to install, so the suite runs on a machine
without them. ``.ci/run`` installs them and sets ``KCLI_REQUIRE_PEERS=1``: there a missing peer fails
the test instead, so CI cannot pass by skipping.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

REQUIRED = "KCLI_REQUIRE_PEERS"


def missing(reason: str) -> NoReturn:
    """Skip the test for ``reason`` (fail it where ``KCLI_REQUIRE_PEERS=1``)."""
    if os.environ.get(REQUIRED) == "1":
        pytest.fail(f"{reason} ({REQUIRED}=1: CI must run it)")
    pytest.skip(reason)
