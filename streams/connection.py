"""How watchfloor reaches Kafka securely: one validated object, every client's keyword arguments.

`KafkaSecurity` holds the security protocol, SASL mechanism and credentials, and the TLS files.
It is built once from flags and `WATCHFLOOR_KAFKA_*` variables (see `streams.cli_support`) and
turned here, and only here, into what each client library wants: kafka-python's and aiokafka's
keyword arguments, and Faust's `broker_credentials`. Secrets are `Secret` objects, which never
show their value in a repr, a log line or an error.

Examples
--------
>>> plain = KafkaSecurity()
>>> plain.kafka_python(), plain.aiokafka(), plain.faust_credentials() is None
({}, {}, True)
>>> scram = KafkaSecurity(protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
...                       sasl_username="alice", sasl_password=Secret("s3cret"))
>>> scram
KafkaSecurity(protocol='SASL_SSL', sasl_mechanism='SCRAM-SHA-512', sasl_username='alice', \
ssl_cafile=None, ssl_certfile=None, ssl_keyfile=None, ssl_check_hostname=True)
>>> sorted(scram.kafka_python())
['sasl_mechanism', 'sasl_plain_password', 'sasl_plain_username', 'security_protocol', \
'ssl_context']
>>> KafkaSecurity(protocol="SASL_SSL")
Traceback (most recent call last):
...
streams.connection.SecurityConfigError: security protocol SASL_SSL needs a SASL mechanism \
(PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal, get_args

log = logging.getLogger(__name__)

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]

PROTOCOLS: Final[tuple[str, ...]] = get_args(SecurityProtocol)
MECHANISMS: Final[tuple[str, ...]] = get_args(SaslMechanism)
_TLS: Final = frozenset({"SSL", "SASL_SSL"})
_SASL: Final = frozenset({"SASL_PLAINTEXT", "SASL_SSL"})


class SecurityConfigError(ValueError):
    """The connection settings are unsafe or inconsistent; the text says which and why."""


class BrokerAccessError(ConnectionError):
    """The broker refused the connection (authentication, TLS); the text says why."""


class Secret:
    """A password or key that is never shown: `repr` and `str` print stars.

    >>> password = Secret("hunter2")
    >>> password, f"{password}", password.reveal()
    (Secret('********'), '********', 'hunter2')
    >>> password == Secret("hunter2"), password == Secret("other")
    (True, False)
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The value itself, for the one call that needs it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    def __str__(self) -> str:
        return "********"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> Any:
        # Pickling would write the value out wherever the pickle goes; nothing needs it.
        raise TypeError("a Secret is not picklable")


def read_secret_file(path: Path, what: str) -> Secret:
    """A secret from a file, without its trailing newline; a clear error when unreadable."""
    try:
        text = path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as error:
        raise SecurityConfigError(f"{what} file {path}: {error.strerror or error}") from error
    except UnicodeDecodeError as error:
        raise SecurityConfigError(f"{what} file {path}: not UTF-8 text") from error
    if not text:
        raise SecurityConfigError(f"{what} file {path} is empty")
    return Secret(text)


def bootstrap_hosts(bootstrap: str) -> list[str]:
    """The host names of a bootstrap list.

    >>> bootstrap_hosts("127.0.0.1:9092, kafka-2.force.local:9093,[::1]:9094")
    ['127.0.0.1', 'kafka-2.force.local', '::1']
    """
    hosts = []
    for entry in bootstrap.split(","):
        server = entry.strip()
        if server.startswith("["):
            hosts.append(server[1 : server.find("]")])
        else:
            hosts.append(server.rsplit(":", 1)[0] if ":" in server else server)
    return [host for host in hosts if host]


def is_loopback(host: str) -> bool:
    """Whether `host` can only be this machine (traffic never leaves it).

    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("10.0.0.5")
    (True, True, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, kw_only=True)
class KafkaSecurity:
    """How to authenticate to Kafka and protect the connection; PLAINTEXT by default."""

    protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: Secret | None = field(default=None, repr=False)
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_key_password: Secret | None = field(default=None, repr=False)
    ssl_check_hostname: bool = True

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise SecurityConfigError(
                f"security protocol must be one of {', '.join(PROTOCOLS)}, got {self.protocol!r}"
            )
        if self.sasl_mechanism is not None and self.sasl_mechanism not in MECHANISMS:
            raise SecurityConfigError(
                f"SASL mechanism must be one of {', '.join(MECHANISMS)}, "
                f"got {self.sasl_mechanism!r}"
            )
        if self.uses_sasl:
            if self.sasl_mechanism is None:
                raise SecurityConfigError(
                    f"security protocol {self.protocol} needs a SASL mechanism "
                    f"({', '.join(MECHANISMS[:-1])} or {MECHANISMS[-1]})"
                )
            if not self.sasl_username or self.sasl_password is None:
                raise SecurityConfigError(
                    f"SASL mechanism {self.sasl_mechanism} needs a username and a password "
                    "(or a password file)"
                )
        else:
            given = [
                name
                for name, value in (
                    ("a SASL mechanism", self.sasl_mechanism),
                    ("a SASL username", self.sasl_username),
                    ("a SASL password", self.sasl_password),
                )
                if value is not None
            ]
            if given:
                raise SecurityConfigError(
                    f"{given[0]} is set but the security protocol is {self.protocol}; "
                    "use SASL_SSL (or SASL_PLAINTEXT on a trusted network)"
                )
        if not self.uses_tls:
            files = [
                name
                for name, value in (
                    ("an SSL CA file", self.ssl_cafile),
                    ("an SSL certificate file", self.ssl_certfile),
                    ("an SSL key file", self.ssl_keyfile),
                    ("an SSL key password", self.ssl_key_password),
                )
                if value is not None
            ]
            if files:
                raise SecurityConfigError(
                    f"{files[0]} is set but the security protocol is {self.protocol}, which "
                    "does not use TLS; use SSL or SASL_SSL"
                )
        if self.ssl_keyfile is not None and self.ssl_certfile is None:
            raise SecurityConfigError("an SSL key file needs its certificate file too")
        if self.ssl_key_password is not None and self.ssl_certfile is None:
            raise SecurityConfigError("an SSL key password needs a certificate and key file")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in _TLS

    @property
    def uses_sasl(self) -> bool:
        return self.protocol in _SASL

    def check(self, bootstrap: str) -> None:
        """Refuse settings unsafe for `bootstrap`, and TLS files that cannot be used.

        >>> plain = KafkaSecurity(protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN",
        ...                       sasl_username="u", sasl_password=Secret("p"))
        >>> plain.check("127.0.0.1:9092")
        >>> plain.check("kafka.force.local:9092")
        Traceback (most recent call last):
        ...
        streams.connection.SecurityConfigError: SASL PLAIN over SASL_PLAINTEXT would send the \
password in clear text to kafka.force.local; use SASL_SSL
        """
        remote = [host for host in bootstrap_hosts(bootstrap) if not is_loopback(host)]
        if remote and self.protocol == "SASL_PLAINTEXT" and self.sasl_mechanism == "PLAIN":
            raise SecurityConfigError(
                "SASL PLAIN over SASL_PLAINTEXT would send the password in clear text to "
                f"{remote[0]}; use SASL_SSL"
            )
        if remote and self.protocol == "SASL_PLAINTEXT":
            log.warning(
                "Kafka traffic to %s is not encrypted (SASL_PLAINTEXT); use SASL_SSL", remote[0]
            )
        if remote and self.protocol == "PLAINTEXT":
            # Allowed (a broker on a private network may accept nothing else), but said: officer
            # events and alerts cross the network readable, and the broker cannot tell who writes.
            log.warning(
                "Kafka traffic to %s is neither encrypted nor authenticated (PLAINTEXT): anyone "
                "on the network path can read events and alerts, and any client can write to "
                "the topics; use SASL_SSL",
                remote[0],
            )
        if remote and self.uses_tls and not self.ssl_check_hostname:
            log.warning("TLS host name verification is off for %s", remote[0])
        if self.uses_tls:
            self.ssl_context()

    def ssl_context(self) -> ssl.SSLContext | None:
        """A verifying client TLS context from the CA, certificate and key files; None without TLS.

        Without a CA file the system's trusted CAs are used.
        """
        if not self.uses_tls:
            return None
        for what, path in (
            ("SSL CA file", self.ssl_cafile),
            ("SSL certificate file", self.ssl_certfile),
            ("SSL key file", self.ssl_keyfile),
        ):
            if path is not None:
                _check_readable(path, what)
        try:
            context = ssl.create_default_context(
                ssl.Purpose.SERVER_AUTH,
                cafile=str(self.ssl_cafile) if self.ssl_cafile is not None else None,
            )
        except (ssl.SSLError, OSError) as error:
            raise SecurityConfigError(
                f"SSL CA file {self.ssl_cafile}: not a usable PEM CA certificate ({error})"
            ) from error
        context.check_hostname = self.ssl_check_hostname
        if not self.ssl_check_hostname:
            context.verify_mode = ssl.CERT_REQUIRED
        if self.ssl_certfile is not None:
            password = self.ssl_key_password.reveal() if self.ssl_key_password else None
            try:
                context.load_cert_chain(
                    str(self.ssl_certfile),
                    str(self.ssl_keyfile) if self.ssl_keyfile is not None else None,
                    password=password,
                )
            except (ssl.SSLError, OSError) as error:
                # The library's message names no secret, only what failed to load.
                raise SecurityConfigError(
                    f"SSL certificate {self.ssl_certfile} and key could not be loaded "
                    f"(wrong key password, or not a matching PEM pair): {error}"
                ) from error
        return context

    def _sasl(self) -> dict[str, Any]:
        if not self.uses_sasl or self.sasl_password is None:
            return {}
        return {
            "sasl_mechanism": self.sasl_mechanism,
            "sasl_plain_username": self.sasl_username,
            "sasl_plain_password": self.sasl_password.reveal(),
        }

    def kafka_python(self) -> dict[str, Any]:
        """Keyword arguments for kafka-python's KafkaProducer, KafkaConsumer and admin client.

        Nothing for PLAINTEXT, so clients built before security existed behave as they did.
        """
        if self.protocol == "PLAINTEXT":
            return {}
        options: dict[str, Any] = {"security_protocol": self.protocol, **self._sasl()}
        if self.uses_tls:
            options["ssl_context"] = self.ssl_context()
        return options

    def aiokafka(self) -> dict[str, Any]:
        """Keyword arguments for aiokafka's producer and consumer (same names as kafka-python)."""
        return self.kafka_python()

    def faust_credentials(self) -> Any:
        """Faust's `broker_credentials`: None, `faust.SSLCredentials` or `faust.SASLCredentials`."""
        if self.protocol == "PLAINTEXT":
            return None
        import faust

        context = self.ssl_context()
        if not self.uses_sasl:
            return faust.SSLCredentials(context)
        assert self.sasl_password is not None  # guaranteed by __post_init__
        return faust.SASLCredentials(
            username=self.sasl_username,
            password=self.sasl_password.reveal(),
            ssl_context=context,
            mechanism=self.sasl_mechanism,
        )

    def environment(self) -> dict[str, str]:
        """The `WATCHFLOOR_KAFKA_*` variables that give a child process these settings.

        Passed in the environment, never on a command line that `ps` would show.

        >>> KafkaSecurity().environment()
        {'WATCHFLOOR_KAFKA_SECURITY_PROTOCOL': 'PLAINTEXT'}
        """
        values: dict[str, str | None] = {
            "WATCHFLOOR_KAFKA_SECURITY_PROTOCOL": self.protocol,
            "WATCHFLOOR_KAFKA_SASL_MECHANISM": self.sasl_mechanism,
            "WATCHFLOOR_KAFKA_SASL_USERNAME": self.sasl_username,
            "WATCHFLOOR_KAFKA_SASL_PASSWORD": (
                self.sasl_password.reveal() if self.sasl_password else None
            ),
            "WATCHFLOOR_KAFKA_SSL_CAFILE": _text(self.ssl_cafile),
            "WATCHFLOOR_KAFKA_SSL_CERTFILE": _text(self.ssl_certfile),
            "WATCHFLOOR_KAFKA_SSL_KEYFILE": _text(self.ssl_keyfile),
            "WATCHFLOOR_KAFKA_SSL_KEY_PASSWORD": (
                self.ssl_key_password.reveal() if self.ssl_key_password else None
            ),
            "WATCHFLOOR_KAFKA_SSL_CHECK_HOSTNAME": None if self.ssl_check_hostname else "false",
        }
        return {name: value for name, value in values.items() if value is not None}


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _check_readable(path: Path, what: str) -> None:
    try:
        with open(path, "rb") as handle:
            handle.read(1)
    except OSError as error:
        raise SecurityConfigError(f"{what} {path}: {error.strerror or error}") from error


def describe_failure(error: BaseException) -> str:
    """A one-line reason for a failed connection, naming authentication and TLS problems.

    >>> describe_failure(RuntimeError("Authentication failed: invalid credentials"))
    'authentication failed: check the SASL mechanism, username and password (Authentication \
failed: invalid credentials)'
    """
    text = str(error) or type(error).__name__
    name = type(error).__name__
    if isinstance(error, BrokerAccessError):
        return text
    if isinstance(error, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
        return f"TLS certificate verification failed ({text}); check the CA file"
    if "Authentication" in name or "SaslAuthenticat" in name or "authentication" in text.lower():
        return f"authentication failed: check the SASL mechanism, username and password ({text})"
    return text


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def client_failures() -> Iterator[list[str]]:
    """Collect what the Kafka clients log about failing connections, instead of printing it.

    kafka-python retries a failed bootstrap (a rejected password, an untrusted certificate)
    until its timeout and then raises only "Unable to bootstrap"; the reason is in its log.

    >>> with client_failures() as seen:
    ...     logging.getLogger("kafka.net").error("Connection failed: Authentication failed")
    >>> seen
    ['Connection failed: Authentication failed']
    """
    collector = _Collector()
    loggers = [logging.getLogger(name) for name in ("kafka", "aiokafka")]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(collector)
        logger.setLevel(logging.WARNING)
        logger.propagate = False
    try:
        yield collector.messages
    finally:
        for logger, (level, propagate) in zip(loggers, saved, strict=True):
            logger.removeHandler(collector)
            logger.setLevel(level)
            logger.propagate = propagate


def failure_reason(error: BaseException, logged: list[str]) -> str:
    """The clearest reason for a failed connection: an authentication or TLS failure the
    client logged (a broker may also just drop a rejected client, so every line is searched),
    else the error itself.

    >>> failure_reason(TimeoutError("Unable to bootstrap"), [
    ...     "<KafkaSSLTransport>: socket disconnected",
    ...     "<KafkaSSLTransport>: Abort ([Error 58] SaslAuthenticationFailedError: "
    ...     "Authentication failed: Invalid username or password)"])
    'authentication failed: check the SASL mechanism, username and password (Authentication \
failed: Invalid username or password)'
    """
    for sign in ("Authentication failed", "CERTIFICATE_VERIFY_FAILED", "Handshake failed"):
        for message in logged:
            at = message.find(sign)
            if at >= 0:
                detail = message[at:].rstrip(")") if sign == "Authentication failed" else message
                return describe_failure(RuntimeError(detail))
    return describe_failure(error)


def _refusal(logged: list[str]) -> bool:
    return any(
        sign in message
        for message in logged
        for sign in ("Authentication failed", "CERTIFICATE_VERIFY_FAILED", "Handshake failed")
    )


def probe(bootstrap: str, security: KafkaSecurity, timeout_s: float = 10.0) -> None:
    """Connect to `bootstrap` as `security` says; raise `BrokerAccessError` saying why not.

    A broker that does not answer is retried until `timeout_s`; one that refuses the password
    or whose certificate does not verify fails at once, since retrying cannot help. (aiokafka
    makes one pass over the bootstrap servers and reports each failure; kafka-python would
    retry a refused password for its whole bootstrap timeout.)
    """
    import asyncio
    import time

    from aiokafka import AIOKafkaClient

    async def attempt() -> None:
        client = AIOKafkaClient(
            bootstrap_servers=bootstrap,
            request_timeout_ms=int(timeout_s * 1000),
            **security.aiokafka(),
        )
        try:
            await asyncio.wait_for(client.bootstrap(), timeout_s)
        finally:
            await client.close()

    deadline = time.monotonic() + timeout_s
    with client_failures() as logged:
        while True:
            logged.clear()
            try:
                asyncio.run(attempt())
                return
            # Deliberately broad: aiokafka, ssl and the socket layer each raise their own types,
            # and every one of them means "not connected", with the reason in the log.
            except Exception as error:
                if _refusal(logged):
                    raise BrokerAccessError(failure_reason(error, logged)) from error
                if time.monotonic() >= deadline:
                    last = logged[-1] if logged else describe_failure(error)
                    raise BrokerAccessError(
                        f"no answer within {timeout_s:.0f} s ({last})"
                    ) from error
            time.sleep(0.5)
