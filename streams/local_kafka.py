"""A real single-node Apache Kafka (KRaft) on loopback, for machines without Docker.

The broker jars are resolved from Maven Central by the machine's Maven, from the small pom in
`deploy/kafka/`, into a cache outside the repository, and reused on the next run. `start`
formats KRaft storage, launches one combined broker+controller JVM bound to 127.0.0.1, waits
until a real metadata request succeeds, and records port, pid and log file in a state directory.
`stop` stops that process by its recorded pid only.

A test can add listeners with other security protocols (SASL_SSL, say), their properties, and
SCRAM users created when storage is formatted; the PLAINTEXT listener on loopback stays, and
without extras the broker is exactly the one `watchfloor kafka start` runs.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kafka.errors import KafkaConfigurationError, KafkaError

if TYPE_CHECKING:
    from streams.connection import KafkaSecurity

log = logging.getLogger(__name__)

# 4.1.1: the newest 4.x release that aiokafka 0.14 (under faust-streaming 0.15) and
# kafka-python 3.0 were both verified against here, transactions included (see README).
KAFKA_VERSION = "4.1.1"

REPO_ROOT = Path(__file__).resolve().parent.parent
POM_PATH = REPO_ROOT / "deploy" / "kafka" / "pom.xml"

# A cold JVM formats storage and starts the broker in a few seconds here; a minute covers a
# loaded CI machine without letting a broken start hang anyone.
DEFAULT_START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0

MISSING_TOOL_HELP = (
    "Install a Java 17+ runtime and Apache Maven (Debian: apt-get install openjdk-17-jre-headless "
    "maven), or point watchfloor at an existing broker with WATCHFLOOR_KAFKA_BOOTSTRAP=host:port, "
    "or run the stack in deploy/ with Docker (docker compose -f deploy/docker-compose.yml up)."
)


class LocalKafkaError(Exception):
    """A local broker could not be fetched, started, found or stopped; the text says why."""


@dataclass(frozen=True)
class ScramUser:
    """A SCRAM credential written into KRaft storage when it is formatted."""

    name: str
    password: str
    mechanism: str = "SCRAM-SHA-512"

    def __repr__(self) -> str:
        return f"ScramUser(name={self.name!r}, mechanism={self.mechanism!r})"


@dataclass(frozen=True)
class BrokerInfo:
    """What `start` records about a running broker."""

    port: int
    controller_port: int
    pid: int
    log_file: str
    data_dir: str
    version: str
    # Extra listeners by name, with their ports (none for `watchfloor kafka start`).
    listeners: dict[str, int] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def bootstrap_of(self, listener: str) -> str:
        """The bootstrap address of an extra listener."""
        return f"127.0.0.1:{self.listeners[listener]}"


def default_cache_dir() -> Path:
    """Where the Kafka jars are cached: `WATCHFLOOR_CACHE_DIR`, else the XDG cache directory."""
    explicit = os.environ.get("WATCHFLOOR_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "watchfloor"


def default_state_dir() -> Path:
    """Where the broker's pid, port and data live: `WATCHFLOOR_STATE_DIR`, else XDG state."""
    explicit = os.environ.get("WATCHFLOOR_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "watchfloor"


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on `host:port` (checked by binding it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As the broker binds: connections of a broker just stopped, left in TIME_WAIT, do not
        # keep it from starting again on its port.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def new_cluster_id(draw: Callable[[], uuid.UUID] = uuid.uuid4) -> str:
    """A random KRaft cluster id: a UUID in URL-safe base64, as Kafka's own tool makes them.

    Like Kafka's ``Uuid.randomUuid``, one starting with a dash is drawn again: the storage tool
    would take it for an option and refuse to format (one start in 64 failed so).

    >>> new_cluster_id(iter([uuid.UUID(bytes=b"\\xf8" * 16), uuid.UUID(int=1)]).__next__)
    'AAAAAAAAAAAAAAAAAAAAAQ'
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(draw().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel has just reported free on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def pid_is_alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie (exited, not yet reaped) does not count."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _pid_runs_our_broker(pid: int, config_file: Path) -> bool:
    """Whether `pid` is still the broker we started, not a process that reused its number."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return pid_is_alive(pid)
    return b"kafka.Kafka" in cmdline and str(config_file).encode() in cmdline


class LocalKafka:
    """One local broker, identified by its state directory.

    >>> broker = LocalKafka(state_dir=Path("/nonexistent/watchfloor-doctest"))
    >>> broker.status() is None
    True

    `listeners` adds named listeners (name -> security protocol, e.g. ``{"SECURE":
    "SASL_SSL"}``) on free loopback ports; `properties` adds to or overrides the broker's
    properties (e.g. ``listener.name.secure.*``); `scram_users` are created at format time.
    """

    def __init__(
        self,
        *,
        cache_dir: Path | None = None,
        state_dir: Path | None = None,
        version: str = KAFKA_VERSION,
        listeners: Mapping[str, str] | None = None,
        properties: Mapping[str, str] | None = None,
        scram_users: Sequence[ScramUser] = (),
    ) -> None:
        self.extra_listeners = dict(listeners or {})
        reserved = {"PLAINTEXT", "CONTROLLER"} & {name.upper() for name in self.extra_listeners}
        if reserved:
            raise LocalKafkaError(f"listener names {sorted(reserved)} are taken by the launcher")
        self.extra_properties = dict(properties or {})
        self.scram_users = tuple(scram_users)
        self.version = version
        self.cache_dir = cache_dir or default_cache_dir()
        self.state_dir = (state_dir or default_state_dir()) / "kafka"
        self.jar_dir = self.cache_dir / "kafka" / version / "jars"

    # -- paths -------------------------------------------------------------------------------

    @property
    def _state_file(self) -> Path:
        return self.state_dir / "broker.json"

    @property
    def _config_file(self) -> Path:
        return self.state_dir / "server.properties"

    @property
    def _log_config_file(self) -> Path:
        return self.state_dir / "log4j2.properties"

    @property
    def _data_dir(self) -> Path:
        return self.state_dir / "data"

    @property
    def _log_file(self) -> Path:
        return self.state_dir / "logs" / "server.log"

    # -- jars --------------------------------------------------------------------------------

    def ensure_jars(self) -> Path:
        """Resolve the broker jars into the cache once; later calls reuse them."""
        marker = self.jar_dir / ".complete"
        if marker.exists():
            return self.jar_dir
        _require_tool("java")
        _require_tool("mvn")
        if not POM_PATH.exists():
            raise LocalKafkaError(f"the Kafka pom is missing at {POM_PATH}; is this a full clone?")
        partial = self.jar_dir.with_name("jars.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        log.info("resolving Apache Kafka %s jars with Maven into %s", self.version, self.jar_dir)
        command = [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(POM_PATH),
            f"-Dkafka.version={self.version}",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={partial}",
            "-DincludeScope=runtime",
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
            raise LocalKafkaError(f"Maven could not resolve the Kafka {self.version} jars:\n{tail}")
        shutil.rmtree(self.jar_dir, ignore_errors=True)
        partial.rename(self.jar_dir)
        marker.touch()
        return self.jar_dir

    # -- lifecycle ---------------------------------------------------------------------------

    def status(self) -> BrokerInfo | None:
        """The running broker recorded in the state directory, or None."""
        try:
            info = BrokerInfo(**json.loads(self._state_file.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if not _pid_runs_our_broker(info.pid, self._config_file):
            return None
        return info

    def start(
        self, port: int | None = None, timeout_s: float = DEFAULT_START_TIMEOUT_S
    ) -> BrokerInfo:
        """Start the broker (or report the one already running) and wait until it answers."""
        running = self.status()
        if running is not None:
            if port is not None and port != running.port:
                raise LocalKafkaError(
                    f"a local broker is already running on port {running.port} (pid "
                    f"{running.pid}); stop it first with `watchfloor kafka stop`"
                )
            return running
        self._clear_stale_state()
        if port is not None and not port_is_free(port):
            raise LocalKafkaError(
                f"port {port} on 127.0.0.1 is in use by another process; choose another with "
                "--port, or leave it out to get a free one"
            )
        java = _require_tool("java")
        jars = self.ensure_jars()
        broker_port = port or free_port()
        taken = {broker_port}
        controller_port = _another_free_port(taken)
        listener_ports = {name: _another_free_port(taken) for name in self.extra_listeners}

        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        self._write_config(broker_port, controller_port, listener_ports)
        classpath = f"{jars}/*"
        jvm = [
            java,
            "-Xms256m",
            "-Xmx1g",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self._log_config_file}",
            "-cp",
            classpath,
        ]
        self._format_storage(jvm)

        with open(self._log_file.with_name("stdout.log"), "ab") as console:
            process = subprocess.Popen(
                [*jvm, "kafka.Kafka", str(self._config_file)],
                stdout=console,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        info = BrokerInfo(
            port=broker_port,
            controller_port=controller_port,
            pid=process.pid,
            log_file=str(self._log_file),
            data_dir=str(self._data_dir),
            version=self.version,
            listeners=listener_ports,
        )
        self._state_file.write_text(json.dumps(asdict(info), indent=2))
        try:
            self._wait_ready(info, process, timeout_s)
        except LocalKafkaError:
            self._terminate(process.pid)
            self._state_file.unlink(missing_ok=True)
            raise
        return info

    def stop(self) -> BrokerInfo | None:
        """Stop the recorded broker by its pid; None when none was running."""
        info = self.status()
        if info is None:
            self._clear_stale_state()
            return None
        self._terminate(info.pid)
        self._state_file.unlink(missing_ok=True)
        return info

    # -- internals ---------------------------------------------------------------------------

    def _clear_stale_state(self) -> None:
        if not self._state_file.exists():
            return
        with contextlib.suppress(OSError, ValueError, TypeError):
            stale = json.loads(self._state_file.read_text())
            log.warning(
                "removing stale broker state: pid %s is no longer a running broker",
                stale.get("pid"),
            )
        self._state_file.unlink(missing_ok=True)

    def _write_config(
        self, broker_port: int, controller_port: int, listener_ports: Mapping[str, int]
    ) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        extra = "".join(f",{name}://127.0.0.1:{port}" for name, port in listener_ports.items())
        protocols = "".join(f",{name}:{self.extra_listeners[name]}" for name in listener_ports)
        settings = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{broker_port},CONTROLLER://127.0.0.1:{controller_port}"
                + extra
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{broker_port}" + extra,
            "controller.listener.names": "CONTROLLER",
            # The broker talks to itself in plain text on loopback; only clients need security.
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": (
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT" + protocols
            ),
            "log.dirs": str(self._data_dir),
            # One node: every internal topic must accept a replication factor of one.
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "8",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "8",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            # Tests and the demo start consumers right away; the default 3 s delay only waits.
            "group.initial.rebalance.delay.ms": "0",
            "num.partitions": "1",
            "auto.create.topics.enable": "true",
            "log.retention.hours": "168",
            **self.extra_properties,
        }
        self._config_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
        self._log_config_file.write_text(
            "status = warn\n"
            "appender.file.type = RollingFile\n"
            "appender.file.name = file\n"
            f"appender.file.fileName = {self._log_file}\n"
            f"appender.file.filePattern = {self._log_file}.%i\n"
            "appender.file.layout.type = PatternLayout\n"
            "appender.file.layout.pattern = [%d] %p %m (%c)%n\n"
            "appender.file.policies.type = Policies\n"
            "appender.file.policies.size.type = SizeBasedTriggeringPolicy\n"
            "appender.file.policies.size.size = 50MB\n"
            "appender.file.strategy.type = DefaultRolloverStrategy\n"
            "appender.file.strategy.max = 3\n"
            "rootLogger.level = info\n"
            "rootLogger.appenderRef.file.ref = file\n"
        )

    def _format_storage(self, jvm: list[str]) -> None:
        if (self._data_dir / "meta.properties").exists():
            return
        cluster_id = new_cluster_id()
        # KRaft keeps SCRAM credentials in its metadata log, so they can be created here,
        # before the broker runs, instead of through an admin client afterwards.
        scram = [
            argument
            for user in self.scram_users
            for argument in (
                "--add-scram",
                f"{user.mechanism}=[name={user.name},password={user.password}]",
            )
        ]
        result = subprocess.run(
            [
                *jvm,
                "kafka.tools.StorageTool",
                "format",
                "--ignore-formatted",
                "-t",
                cluster_id,
                "-c",
                str(self._config_file),
                *scram,
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            raise LocalKafkaError(
                "formatting KRaft storage failed:\n" + (result.stdout + result.stderr).strip()
            )

    def _wait_ready(
        self, info: BrokerInfo, process: subprocess.Popen[bytes], timeout_s: float
    ) -> None:
        deadline = time.monotonic() + timeout_s
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise LocalKafkaError(
                    f"the broker exited with code {process.returncode} while starting; "
                    f"last lines of {info.log_file}:\n{_tail(Path(info.log_file))}"
                )
            if not _accepts_connections(info.port):
                # A plain connect first: the client's own reconnect back-off would add seconds.
                time.sleep(0.1)
                continue
            try:
                metadata_request(info.bootstrap, timeout_s=5.0)
                return
            except KafkaConfigurationError:
                raise
            except (KafkaError, OSError) as error:  # the broker is not listening yet
                last_error = str(error) or type(error).__name__
            time.sleep(0.25)
        raise LocalKafkaError(
            f"the broker did not answer a metadata request within {timeout_s:.0f} s "
            f"({last_error}); see {info.log_file}"
        )

    def _terminate(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            if not pid_is_alive(pid):
                _reap(pid)
                return
            time.sleep(0.1)
        log.warning("broker pid %s ignored SIGTERM for %.0f s; killing it", pid, STOP_TIMEOUT_S)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        _reap(pid)


def metadata_request(
    bootstrap: str, timeout_s: float = 5.0, security: KafkaSecurity | None = None
) -> list[int]:
    """Ask `bootstrap` for cluster metadata; returns the broker ids. Raises when unanswered.

    Within `timeout_s`: a rejected password or an untrusted certificate raises
    `streams.connection.BrokerAccessError` naming that reason.
    """
    from kafka import KafkaAdminClient

    from streams.connection import BrokerAccessError, client_failures, failure_reason

    with client_failures() as logged:
        try:
            admin = KafkaAdminClient(
                bootstrap_servers=bootstrap,
                request_timeout_ms=int(timeout_s * 1000),
                bootstrap_timeout_ms=int(timeout_s * 1000),
                client_id="watchfloor-probe",
                **(security.kafka_python() if security is not None else {}),
            )
        except KafkaError as error:
            reason = failure_reason(error, logged)
            if reason == str(error):
                raise
            raise BrokerAccessError(reason) from error
    try:
        cluster = admin.describe_cluster()
    finally:
        admin.close()
    return [int(broker["broker_id"]) for broker in cluster["brokers"]]


def _another_free_port(taken: set[int]) -> int:
    """A free port not in `taken` (which it joins)."""
    port = free_port()
    while port in taken:
        port = free_port()
    taken.add(port)
    return port


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise LocalKafkaError(f"`{name}` was not found on PATH. {MISSING_TOOL_HELP}")
    return path


def _is_zombie(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return False
    return fields[0] == "Z"


def _reap(pid: int) -> None:
    """Collect the exit status when the broker is our own child, so no zombie lingers."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log written)"
