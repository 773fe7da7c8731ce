"""Kafka security settings: each client's arguments, refusals that say why, secrets never shown."""

from __future__ import annotations

import logging
import pickle
import ssl
from pathlib import Path

import pytest

from streams.cli import main
from streams.connection import KafkaSecurity, Secret, SecurityConfigError
from streams.service.settings import ServiceSettings, SettingsError

PASSWORD = "hunter2-Never-Shown"


def scram(**overrides: object) -> KafkaSecurity:
    fields: dict[str, object] = {
        "protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_username": "alice",
        "sasl_password": Secret(PASSWORD),
    }
    fields.update(overrides)
    return KafkaSecurity(**fields)  # type: ignore[arg-type]


def test_plaintext_adds_nothing_to_any_client() -> None:
    security = KafkaSecurity()
    assert security.kafka_python() == {}
    assert security.aiokafka() == {}
    assert security.faust_credentials() is None


def test_sasl_ssl_gives_every_client_the_mechanism_credentials_and_a_verifying_context() -> None:
    options = scram().kafka_python()
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("alice", PASSWORD)
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert scram().aiokafka().keys() == options.keys()


def test_faust_gets_sasl_credentials_with_tls_or_ssl_credentials_without_sasl() -> None:
    import faust

    credentials = scram().faust_credentials()
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert PASSWORD not in repr(credentials)
    assert isinstance(KafkaSecurity(protocol="SSL").faust_credentials(), faust.SSLCredentials)


def test_aiokafka_accepts_the_arguments() -> None:
    import asyncio

    from aiokafka import AIOKafkaProducer

    async def build() -> None:
        producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", **scram().aiokafka())
        assert producer.client._security_protocol == "SASL_SSL"

    asyncio.run(build())


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"protocol": "SASL_SSL"}, "needs a SASL mechanism"),
        ({"protocol": "SASL_SSL", "sasl_mechanism": "PLAIN"}, "needs a username and a password"),
        ({"sasl_mechanism": "PLAIN"}, "security protocol is PLAINTEXT"),
        ({"protocol": "SASL_SSL", "sasl_mechanism": "GSSAPI"}, "SASL mechanism must be one of"),
        ({"protocol": "TLS"}, "security protocol must be one of"),
        ({"ssl_cafile": Path("ca.pem")}, "does not use TLS"),
        ({"protocol": "SSL", "ssl_keyfile": Path("k.pem")}, "needs its certificate file"),
    ],
)
def test_inconsistent_settings_are_refused_with_the_reason(
    fields: dict[str, object], reason: str
) -> None:
    with pytest.raises(SecurityConfigError, match=reason):
        KafkaSecurity(**fields)  # type: ignore[arg-type]


def test_plain_over_an_unencrypted_connection_is_refused_unless_on_loopback() -> None:
    plain = scram(protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN")
    plain.check("127.0.0.1:9092,localhost:9093")
    with pytest.raises(SecurityConfigError, match=r"clear text to kafka-1\.force\.example"):
        plain.check("127.0.0.1:9092,kafka-1.force.example:9092")
    with pytest.raises(SettingsError, match="clear text"):
        ServiceSettings(bootstrap="10.1.2.3:9092", security=plain)


def test_plaintext_to_a_remote_host_is_allowed_with_a_warning_naming_the_risk(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="streams.connection"):
        KafkaSecurity().check("127.0.0.1:9092,localhost:9093,[::1]:9094")
        assert not caplog.records
        ServiceSettings(bootstrap="127.0.0.1:9092,kafka-1.force.example:9092")
    (warning,) = caplog.records
    assert warning.levelno == logging.WARNING
    assert "kafka-1.force.example" in warning.getMessage()
    assert "neither encrypted nor authenticated (PLAINTEXT)" in warning.getMessage()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="streams.connection"):
        scram().check("kafka-1.force.example:9092")
    assert not caplog.records


def test_missing_or_unusable_tls_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(SecurityConfigError, match=r"SSL CA file .*missing\.pem"):
        scram(ssl_cafile=tmp_path / "missing.pem").check("127.0.0.1:9092")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(SecurityConfigError, match="not a usable PEM CA certificate"):
        scram(ssl_cafile=garbage).ssl_context()


def test_secrets_never_show_in_reprs_or_pickles() -> None:
    security = scram()
    settings = ServiceSettings(bootstrap="127.0.0.1:9092", security=security)
    for shown in (repr(security), repr(settings), str(security.sasl_password)):
        assert PASSWORD not in shown
    with pytest.raises(TypeError):
        pickle.dumps(Secret(PASSWORD))


def _serve(capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str) -> tuple[int, str]:
    remote = "kafka-1.force.example:9092"
    code = main(["serve", "--bootstrap", remote, "--state-dir", str(tmp_path), *extra])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (
            [
                "--kafka-security-protocol",
                "sasl_plaintext",
                "--kafka-sasl-mechanism",
                "plain",
                "--kafka-sasl-username",
                "u",
                "--kafka-sasl-password",
                PASSWORD,
            ],
            "would send the password in clear text",
        ),
        (
            ["--kafka-security-protocol", "SASL_SSL", "--kafka-sasl-mechanism", "SCRAM-SHA-512"],
            "needs a username and a password",
        ),
        (
            [
                "--kafka-security-protocol",
                "SASL_SSL",
                "--kafka-sasl-mechanism",
                "SCRAM-SHA-512",
                "--kafka-sasl-username",
                "u",
                "--kafka-sasl-password",
                PASSWORD,
                "--kafka-ssl-cafile",
                "/nonexistent/ca.pem",
            ],
            "SSL CA file /nonexistent/ca.pem: No such file",
        ),
        (["--session-timeout", "2"], "session timeout must be within 6..300 seconds, got 2"),
        (["--pseudonym-key", "too-short"], "at least 32"),
        (["--pseudonym-key-file", "/nonexistent/key"], "pseudonym key file /nonexistent/key"),
    ],
)
def test_serve_refuses_unsafe_or_inconsistent_configuration_saying_why(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, arguments: list[str], reason: str
) -> None:
    code, output = _serve(capsys, tmp_path, *arguments)
    assert code == 1
    assert "refusing to start" in output and reason in output
    assert PASSWORD not in output


def test_a_password_and_a_password_file_together_are_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    code, output = _serve(
        capsys,
        tmp_path,
        "--kafka-sasl-password",
        PASSWORD,
        "--kafka-sasl-password-file",
        str(password_file),
    )
    assert code == 1 and "not both" in output and PASSWORD not in output


def test_help_never_shows_secrets_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WATCHFLOOR_KAFKA_SASL_PASSWORD", PASSWORD)
    monkeypatch.setenv("WATCHFLOOR_PSEUDONYM_KEY", PASSWORD * 3)
    monkeypatch.setenv("WATCHFLOOR_KAFKA_SSL_KEY_PASSWORD", PASSWORD)
    for command in ("serve", "tail", "replay", "reveal", "simulate", "demo"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        shown = capsys.readouterr().out
        assert "WATCHFLOOR_KAFKA_SECURITY_PROTOCOL" in shown, command
        assert PASSWORD not in shown, command
