"""Kafka over TLS with SASL (SCRAM-SHA-512 and PLAIN), end to end, with pseudonymised ids.

A second local broker (the session's stays as it is) gets a SASL_SSL listener with a server
certificate signed by a CA made here, and SCRAM users created when its storage is formatted.
The worker, `replay --to-kafka`, `tail` and `reveal` connect through that listener only; the
test's own helpers use the broker's loopback PLAINTEXT listener to publish topics and read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from kafka import KafkaAdminClient
from rocksdict import AccessType, Options, Rdict

from streams.cli import main
from streams.connection import KafkaSecurity, Secret
from streams.local_kafka import BrokerInfo, LocalKafka, LocalKafkaError, ScramUser
from streams.pseudonym import Pseudonymiser
from streams.service.messages import decode_events
from streams.service.topology import (
    ALERT_ENTITIES,
    BY_OFFICER_ENTITY,
    OFFICER_TABLES,
    PEER_ENTITY,
    PEER_TABLES,
)
from tests.integration.busy_week import CLOCK_OFFICER, write_history
from tests.integration.conftest import DeploymentFactory
from tests.integration.service_support import Deployment, read_committed

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRAM_USER = ScramUser("alice", "alice-scram-Secret-8d1f")
PLAIN_USER, PLAIN_PASSWORD = "bob", "bob-plain-Secret-77c2"
KEYSTORE_PASSWORD = "keystore-pass-3e9a"
PSEUDONYM_KEY = b"integration-test-key-of-48-bytes-0123456789abcdef"
OFFICER_FIELDS = ("officer_id", "actor_id", "approver_id", "counterpart_id")
# A JVM, a TLS handshake and a SCRAM exchange on a loaded 2-core machine: generous, bounded.
COMMAND_DEADLINE_S = 120.0


@dataclass(frozen=True)
class SecureBroker:
    info: BrokerInfo
    ca_file: Path
    other_ca_file: Path
    root: Path

    @property
    def plaintext(self) -> str:
        return self.info.bootstrap

    @property
    def secure(self) -> str:
        return self.info.bootstrap_of("SECURE")


def _make_ca(name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, a server keystore (PKCS#12) it signed for 127.0.0.1/localhost, and a second CA.

    Returns (keystore, CA PEM, unrelated CA PEM).
    """
    ca_key, ca_cert = _make_ca("watchfloor test CA")
    _, other_cert = _make_ca("some other CA")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    keystore = folder / "server.p12"
    keystore.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"kafka",
            key,
            cert,
            [ca_cert],
            serialization.BestAvailableEncryption(KEYSTORE_PASSWORD.encode()),
        )
    )
    ca_file = folder / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    other = folder / "other-ca.pem"
    other.write_bytes(other_cert.public_bytes(serialization.Encoding.PEM))
    return keystore, ca_file, other


@pytest.fixture(scope="module")
def secure_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureBroker]:
    """A broker of its own with a SASL_SSL listener (SCRAM-SHA-512 and PLAIN)."""
    root = tmp_path_factory.mktemp("secure-kafka")
    keystore, ca_file, other_ca = make_certificates(root)
    jaas = "listener.name.secure.{}.sasl.jaas.config"
    broker = LocalKafka(
        state_dir=root / "state",
        listeners={"SECURE": "SASL_SSL"},
        properties={
            "listener.name.secure.sasl.enabled.mechanisms": "SCRAM-SHA-512,PLAIN",
            jaas.format("scram-sha-512"): (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
            jaas.format("plain"): (
                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                f'user_{PLAIN_USER}="{PLAIN_PASSWORD}";'
            ),
            "listener.name.secure.ssl.keystore.type": "PKCS12",
            "listener.name.secure.ssl.keystore.location": str(keystore),
            "listener.name.secure.ssl.keystore.password": KEYSTORE_PASSWORD,
            "listener.name.secure.ssl.key.password": KEYSTORE_PASSWORD,
        },
        scram_users=[SCRAM_USER],
    )
    try:
        info = broker.start()
    except LocalKafkaError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the SASL_SSL broker did not start: {error}", pytrace=False)
        pytest.skip(f"the SASL_SSL broker did not start: {error}")
    try:
        yield SecureBroker(info, ca_file, other_ca, root)
    finally:
        broker.stop()


def security_env(
    broker: SecureBroker, *, mechanism: str = "SCRAM-SHA-512", password: str | None = None
) -> dict[str, str]:
    """Environment for a watchfloor command that connects through the SASL_SSL listener."""
    user, right = (
        (SCRAM_USER.name, SCRAM_USER.password)
        if mechanism == "SCRAM-SHA-512"
        else (PLAIN_USER, PLAIN_PASSWORD)
    )
    password_file = broker.root / f"password-{mechanism}-{password or 'right'}"
    password_file.write_text((password or right) + "\n")
    key_file = broker.root / "pseudonym.key"
    key_file.write_bytes(PSEUDONYM_KEY)
    return {
        "WATCHFLOOR_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "WATCHFLOOR_KAFKA_SASL_MECHANISM": mechanism,
        "WATCHFLOOR_KAFKA_SASL_USERNAME": user,
        "WATCHFLOOR_KAFKA_SASL_PASSWORD_FILE": str(password_file),
        "WATCHFLOOR_KAFKA_SSL_CAFILE": str(broker.ca_file),
        "WATCHFLOOR_PSEUDONYM_KEY_FILE": str(key_file),
    }


def _forwarded_events(value: bytes) -> list[bytes]:
    """The events of a by-officer batch; none from the other internal messages."""
    try:
        return decode_events(value)[0]
    except ValueError:
        return []


def watchfloor(
    args: list[str], env: dict[str, str], timeout_s: float = COMMAND_DEADLINE_S
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WATCHFLOOR_")}
    return subprocess.run(
        [sys.executable, "-m", "streams.cli", *args],
        cwd=REPO_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


@pytest.fixture
def deployment(secure_broker: SecureBroker, deployment_factory: DeploymentFactory) -> Deployment:
    """Topics made over plain text on loopback; the workers connect through SASL_SSL."""
    return deployment_factory(
        secure_broker.plaintext, worker_bootstrap=secure_broker.secure, partitions=2
    )


def test_worker_processes_events_through_sasl_ssl_and_reveal_restores_the_ids(
    secure_broker: SecureBroker, deployment: Deployment, tmp_path: Path
) -> None:
    scram = security_env(secure_broker)
    plain = security_env(secure_broker, mechanism="PLAIN")
    reference = write_history(tmp_path)
    _long_officer_ids(tmp_path)
    common = ["--bootstrap", secure_broker.secure, "--topic-prefix", deployment.prefix]

    # History published over SASL_SSL with PLAIN, reference data first.
    events = str(tmp_path / "events.jsonl")
    published = watchfloor(
        ["replay", events, "--reference", str(reference), "--to-kafka", *common], plain
    )
    assert published.returncode == 0, published.stderr

    # The same history replayed offline under the same key is what live must give.
    offline = tmp_path / "offline.jsonl"
    key = ["--pseudonym-key-file", scram["WATCHFLOOR_PSEUDONYM_KEY_FILE"], "--no-progress"]
    assert main(["replay", events, "--reference", str(reference), "--out", str(offline), *key]) == 0
    clock = Pseudonymiser(PSEUDONYM_KEY).pseudonym(CLOCK_OFFICER)
    expected = sorted(
        line
        for line in offline.read_bytes().splitlines()
        if orjson.loads(line)["officer_id"] != clock
    )
    assert expected, "the scenario must raise alerts"

    # State on disk in RocksDB, as a deployment keeps it by default.
    worker = deployment.start_worker(extra_env=scram, store="rocksdb")
    live = sorted(deployment.read_alerts(expected=len(expected), deadline_s=240.0))
    assert live == expected, worker.log_tail()
    # Officer ids in alerts, state and internal topics are pseudonyms only.
    officers = set(LONG_IDS.values())
    assert all(orjson.loads(a)["officer_id"].startswith("ps-") for a in live)
    # The idle heartbeat writes to this topic every second, so it is read for a while, not
    # until it falls silent.
    internal = deployment.read_topic("internal.by-officer", idle_s=3.0, deadline_s=10.0)
    assert internal and all(key is None or key.startswith(b"ps-") for key, _ in internal)
    forwarded = [orjson.loads(raw) for _, value in internal for raw in _forwarded_events(value)]
    assert forwarded and all(
        event[name].startswith("ps-")
        for event in forwarded
        for name in OFFICER_FIELDS
        if name in event
    )
    assert SCRAM_USER.password not in worker.log_path.read_text(errors="replace")

    # tail reads the alerts over SASL_SSL too.
    tailed = watchfloor(
        ["tail", "--json", "--from-beginning", "--limit", "1", "--idle-timeout", "60", *common],
        scram,
    )
    assert tailed.returncode == 0, tailed.stderr
    assert tailed.stdout.strip().encode() in live

    # With the key, reveal maps the live alerts back (directory from the officers topic).
    alerts_file = tmp_path / "live.jsonl"
    alerts_file.write_bytes(b"\n".join(live) + b"\n")
    revealed = watchfloor(["reveal", str(alerts_file), "--from-kafka", *common], plain)
    assert revealed.returncode == 0, revealed.stderr
    ids = {orjson.loads(line)["officer_id"] for line in revealed.stdout.splitlines()}
    assert ids and ids <= officers
    assert "ps-" not in revealed.stdout
    # (Without the right key nothing is revealed: tests/unit/test_pseudonym.py.)
    assert worker.stop() == 0, worker.log_tail()

    # Nothing the worker wrote holds an officer id in clear: not a topic it writes (alerts,
    # internal hops, table changelogs), not its tables on disk. The input and reference topics
    # hold them by nature (reveal reads the officers topic), and so may dead letters (the
    # input as it came); there are none here.
    pseudonyms = {Pseudonymiser(PSEUDONYM_KEY).pseudonym(o).encode() for o in officers}
    written = _worker_topics(deployment)
    assert {f"{deployment.app_id}-{t}-changelog" for t in (*OFFICER_TABLES, *PEER_TABLES)} <= set(
        written
    )
    read = {
        topic: read_committed(deployment.bootstrap, topic, idle_s=2.0, deadline_s=30.0)
        for topic in written
    }
    assert read[f"{deployment.app_id}-officer-state-changelog"]
    assert read[deployment.settings.topic(BY_OFFICER_ENTITY)]
    for topic, records in read.items():
        assert not _clear_ids_in(records, officers), f"officer ids in clear in {topic}"
    databases = sorted(worker.state_dir.rglob("*.db"))
    tables = {db.name.rsplit("-", 1)[0] for db in databases}
    assert set(OFFICER_TABLES) | set(PEER_TABLES) <= tables, databases
    for db in databases:
        assert not _clear_ids_in(_rocksdb_items(db), officers), f"officer ids in clear in {db}"
    # What was read is the state itself: the officers' pseudonyms key their states.
    state_keys = {
        key
        for db in databases
        if db.name.startswith("officer-state-")
        for key, _ in _rocksdb_items(db)
    }
    assert pseudonyms <= state_keys


# Officer ids long enough that finding one in binary state cannot be chance, as "P1" could.
LONG_IDS = {f"P{i}": f"PC-48213-{i:04d}" for i in range(1, 6)}


def _long_officer_ids(folder: Path) -> None:
    """Give the busy week's officers long ids in its events and reference data."""
    for path in (folder / "events.jsonl", folder / "reference" / "officers.jsonl"):
        text = path.read_bytes()
        for short, long in LONG_IDS.items():
            text = text.replace(f'"{short}"'.encode(), f'"{long}"'.encode())
        path.write_bytes(text)


def _worker_topics(deployment: Deployment) -> list[str]:
    """Every topic a worker of `deployment` writes: its own (named after the app id), the alert
    and internal topics."""
    admin = KafkaAdminClient(bootstrap_servers=deployment.bootstrap)
    try:
        names = admin.list_topics()
    finally:
        admin.close()
    settings = deployment.settings
    contract = {settings.topic(e) for e in (*ALERT_ENTITIES, BY_OFFICER_ENTITY, PEER_ENTITY)}
    return sorted(n for n in names if n.startswith(f"{deployment.app_id}-") or n in contract)


def _rocksdb_items(path: Path) -> list[tuple[bytes, bytes]]:
    db = Rdict(str(path), options=Options(raw_mode=True), access_type=AccessType.read_only())
    try:
        return [(bytes(k), bytes(v)) for k, v in db.items()]
    finally:
        db.close()


def _clear_ids_in(records: list[tuple[bytes | None, bytes]], officers: set[str]) -> set[str]:
    """The officer ids found in clear in the records' keys and values (peer-stage snapshots,
    zlib-compressed, are read decompressed)."""
    found: set[str] = set()
    for key, value in records:
        for stored in (key or b"", value or b""):
            data = stored
            with contextlib.suppress(zlib.error):
                data = zlib.decompress(stored)
            found |= {o for o in officers if o.encode() in data}
    return found


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-512", "PLAIN"])
def test_wrong_credentials_fail_fast_with_a_clear_error(
    secure_broker: SecureBroker, deployment: Deployment, mechanism: str
) -> None:
    common = ["--bootstrap", secure_broker.secure, "--topic-prefix", deployment.prefix]
    wrong_password = f"not-the-{mechanism}-password"
    wrong = security_env(secure_broker, mechanism=mechanism, password=wrong_password)
    assert wrong["WATCHFLOOR_KAFKA_SASL_MECHANISM"] == mechanism
    began = time.monotonic()
    state = str(deployment.root / "state")
    served = watchfloor(
        [
            "serve",
            *common,
            "--app-id",
            deployment.app_id,
            "--store",
            "memory",
            "--state-dir",
            state,
        ],
        wrong,
    )
    took = time.monotonic() - began
    assert served.returncode == 1, served.stderr
    last_line = served.stderr.strip().splitlines()[-1]
    assert last_line.startswith("watchfloor serve: the Kafka broker at"), served.stderr
    assert "authentication failed" in last_line, served.stderr
    output = served.stderr + served.stdout
    # Neither the password given nor the right one is ever printed.
    assert wrong_password not in output
    assert SCRAM_USER.password not in output and PLAIN_PASSWORD not in output
    assert took < 30.0, f"took {took:.0f} s to give up"


def test_a_ca_that_did_not_sign_the_broker_is_named_as_a_tls_failure(
    secure_broker: SecureBroker, deployment: Deployment
) -> None:
    common = ["--bootstrap", secure_broker.secure, "--topic-prefix", deployment.prefix]
    untrusted = {
        **security_env(secure_broker),
        "WATCHFLOOR_KAFKA_SSL_CAFILE": str(secure_broker.other_ca_file),
    }
    tailed = watchfloor(["tail", "--idle-timeout", "5", *common], untrusted)
    assert tailed.returncode == 1
    assert "certificate verification failed" in tailed.stderr, tailed.stderr


def test_plaintext_client_is_refused_by_the_secure_listener(secure_broker: SecureBroker) -> None:
    """The check every command makes first: with the right settings it answers, without not."""
    from streams.local_kafka import metadata_request

    security = KafkaSecurity(
        protocol="SASL_SSL",
        sasl_mechanism="PLAIN",
        sasl_username=PLAIN_USER,
        sasl_password=Secret(PLAIN_PASSWORD),
        ssl_cafile=secure_broker.ca_file,
    )
    assert metadata_request(secure_broker.secure, timeout_s=30.0, security=security)
    with pytest.raises(Exception):  # noqa: B017 - any failure, as long as it fails
        metadata_request(secure_broker.secure, timeout_s=5.0)
