import pytest
from typer.testing import CliRunner

from kcli.cli.app import app


@pytest.fixture
def kcli():
    """Run ``kcli ARGS`` in-process; returns typer's Result (stdout, stderr, exit_code)."""
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(app, list(args), input=input, catch_exceptions=False)

    return run
