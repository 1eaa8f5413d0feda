"""kcli's client tools against SASL_PLAINTEXT and SASL_SSL listeners, with --command-config, --producer.config and
--consumer.config files written as Kafka's documentation writes them; SCRAM users made with kcli configs."""

from __future__ import annotations

import logging

import pytest

from kcli.broker.server import run_in_thread
from tests.processes import kcli
from tests.secured import address, make_certs, plain_jaas, properties_file, secured_config

ADMIN_JAAS = plain_jaas({"admin": "admin-secret"}, login=("admin", "admin-secret"))


@pytest.fixture
def setup(tmp_path):
    certs = make_certs(tmp_path / "certs")
    config = secured_config(tmp_path / "logs", "SASL_PLAINTEXT,SASL_SSL", certs, jaas=ADMIN_JAAS)
    admin = properties_file(tmp_path / "admin.properties", "SASL_PLAINTEXT", "PLAIN", "admin", "admin-secret")
    alice = properties_file(tmp_path / "alice.properties", "SASL_SSL", "SCRAM-SHA-256", "alice", "alice-secret", certs)
    return config, admin, alice


def test_every_tool_reaches_the_secured_listeners_and_scram_users_outlive_a_restart(setup, tmp_path):
    config, admin, alice = setup
    running = run_in_thread(config)
    try:
        plain = address(running, "SASL_PLAINTEXT")
        created = kcli("configs", "--bootstrap-server", plain, "--command-config", admin, "--alter",
                       "--add-config", "SCRAM-SHA-256=[iterations=8192,password=alice-secret]", "--entity-type", "users", "--entity-name", "alice")
        assert created.returncode == 0, created.stderr
        assert created.stdout.strip() == "Completed updating config for user alice."
        described = kcli("configs", "--bootstrap-server", plain, "--command-config", admin, "--describe", "--entity-type", "users")
        assert described.stdout.strip() == "SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-256=iterations=8192"
        secure = address(running, "SASL_SSL")
        topics = kcli("topics", "--bootstrap-server", secure, "--command-config", alice, "--create", "--topic", "coffee")
        assert topics.returncode == 0, topics.stderr
        produced = kcli("console-producer", "--bootstrap-server", secure, "--producer.config", alice, "--topic", "coffee", input="flat white\n")
        assert produced.returncode == 0, produced.stderr
        consumed = kcli("console-consumer", "--bootstrap-server", secure, "--consumer.config", alice, "--topic", "coffee",
                        "--from-beginning", "--max-messages", "1", "--group", "baristas")
        assert consumed.stdout.strip() == "flat white", consumed.stderr
        groups = kcli("consumer-groups", "--bootstrap-server", secure, "--command-config", alice, "--list")
        assert groups.stdout.split() == ["baristas"], groups.stderr
        offsets = kcli("get-offsets", "--bootstrap-server", secure, "--command-config", alice, "--topic", "coffee")
        assert offsets.stdout.strip() == "coffee:0:1", offsets.stderr
        log_dirs = kcli("log-dirs", "--bootstrap-server", secure, "--command-config", alice, "--describe", "--topic-list", "coffee")
        assert log_dirs.returncode == 0 and '"partition":"coffee-0"' in log_dirs.stdout, log_dirs.stderr
        (tmp_path / "delete.json").write_text('{"partitions":[{"topic":"coffee","partition":0,"offset":1}],"version":1}', encoding="utf-8")
        deleted = kcli("delete-records", "--bootstrap-server", secure, "--command-config", alice, "--offset-json-file", tmp_path / "delete.json")
        assert deleted.returncode == 0 and "low_watermark: 1" in deleted.stdout, deleted.stderr
    finally:
        running.stop()
    assert "alice-secret" not in (tmp_path / "logs" / "scram-credentials.json").read_text()
    running = run_in_thread(config)
    try:
        listed = kcli("topics", "--bootstrap-server", address(running, "SASL_SSL"), "--command-config", alice, "--list")
        assert "coffee" in listed.stdout.split(), listed.stderr
    finally:
        running.stop()


TOOLS_WITH_A_CONFIG = {  # every tool that logs in with a properties file, as the tool names the file's option
    "topics": ("--command-config", "--list"),
    "consumer-groups": ("--command-config", "--list"),
    "configs": ("--command-config", "--describe", "--entity-type", "topics", "--entity-name", "t"),
    "console-producer": ("--producer.config", "--topic", "t"),
    "console-consumer": ("--consumer.config", "--topic", "t", "--from-beginning", "--timeout-ms", "60000"),
}


def test_a_wrong_password_fails_every_tool_at_the_first_refused_login_in_one_line(setup, tmp_path, caplog):
    """Kafka's clients stop at the first SaslAuthenticationException; kafka-python alone would retry until its timeout."""
    config, admin, _ = setup
    wrong = tmp_path / "wrong.properties"
    wrong.write_text(admin.read_text().replace("admin-secret", "nope") + "default.api.timeout.ms=120000\n", encoding="utf-8")
    caplog.set_level(logging.INFO, logger="kcli.broker")
    running = run_in_thread(config)
    results = {}
    try:
        bootstrap = address(running, "SASL_PLAINTEXT")
        for tool, (option, *args) in TOOLS_WITH_A_CONFIG.items():
            caplog.clear()
            result = kcli(tool, "--bootstrap-server", bootstrap, option, wrong, *args, input="hello\n", timeout=60)
            refused = [r for r in caplog.records if r.getMessage().startswith("Failed authentication")]
            results[tool] = (result.returncode, result.stderr.strip().splitlines(), len(refused))
    finally:
        running.stop()
    for tool, (returncode, lines, refused) in results.items():
        assert returncode == 1 and refused == 1, (tool, returncode, lines, refused)
        assert len(lines) == 1 and lines[0].endswith("Authentication failed: Invalid username or password"), (tool, lines)
