"""``kcli certs``: a development CA and broker/client certificates for TLS listeners, in one command."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from kcli.cli import render


def certs(
    directory: Path = typer.Option(Path("kcli-certs"), "--dir", help="Where to write the CA, the key stores and client.properties."),
    hostname: Optional[List[str]] = typer.Option(
        None, "--hostname", help="A host name or IP address the broker certificate names (repeatable; default: localhost and 127.0.0.1)."),
) -> None:
    """Create a local CA, a broker certificate and a client certificate for development TLS.

    Example: kcli certs --dir certs, then kcli server-start --override listeners=SSL://localhost:9093
    with the printed ssl.* settings, and clients with --command-config certs/client.properties
    """
    from kcli.tools import certs as tool
    from kcli.tools.errors import ToolError

    try:
        render.dev_certs(tool.make(directory, list(hostname or ["localhost", "127.0.0.1"])))
    except ToolError as exc:
        render.fail(exc.message)
