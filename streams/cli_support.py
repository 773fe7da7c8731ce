"""Small pieces shared by the CLI commands: environment fallbacks and the error they raise."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streams.connection import KafkaSecurity, Secret
    from streams.pseudonym import Pseudonymiser

Handler = Callable[[argparse.Namespace], int]


class CommandError(Exception):
    """A failure the user can act on; the CLI prints it as one line and exits 1."""


def env_default(variable: str, default: str) -> str:
    """The value of `variable` in the environment, or `default`.

    >>> env_default("WATCHFLOOR_SURELY_UNSET_FOR_DOCTEST", "x")
    'x'
    """
    return os.environ.get(variable, default)


class _FromEnvironment(str):
    """A default read from the environment, converted by argparse only when its flag is left
    out, so that a bad value fails the command that uses it, not every command."""

    variable: str


def add_option(
    parser: argparse._ActionsContainer,
    flag: str,
    *,
    env: str,
    default: Any = None,
    help: str,
    type: Callable[[str], Any] = str,
    **kwargs: Any,
) -> None:
    """Add `flag` with a `WATCHFLOOR_*` environment fallback that `--help` shows.

    A bad environment value is a usage error (exit 2) naming the variable and what it takes, and
    only for a command that has the flag: argparse converts a string default after parsing.
    """
    raw = os.environ.get(env)
    value: Any = default
    if raw is not None:
        value = _FromEnvironment(raw)
        value.variable = env
    shown = "" if default is None else f", default {default}"
    parser.add_argument(
        flag,
        default=value,
        type=_checking_environment(type, kwargs.get("choices")),
        help=f"{help} (env {env}{shown})",
        **kwargs,
    )


# What a conversion takes, for the message about a bad environment value.
_EXPECTED: dict[Any, str] = {int: "expected a whole number", float: "expected a number"}


def _checking_environment(
    convert: Callable[[str], Any], choices: Any = None
) -> Callable[[str], Any]:
    """`convert`, and for a value from the environment a message naming the variable.

    >>> value = _FromEnvironment("abc"); value.variable = "WATCHFLOOR_WEB_PORT"
    >>> _checking_environment(int)(value)
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: environment variable WATCHFLOOR_WEB_PORT='abc': expected a \
whole number
    >>> _checking_environment(int)("7")
    7
    """

    def checked(text: str) -> Any:
        variable = getattr(text, "variable", None)
        if variable is None:
            return convert(text)
        shown = "(hidden)" if convert is _secret else repr(str(text))
        try:
            value = convert(str(text))
        except (ValueError, TypeError, argparse.ArgumentTypeError) as error:
            expected = _EXPECTED.get(convert) or (
                str(error)
                if isinstance(error, argparse.ArgumentTypeError)
                else f"not a valid {getattr(convert, '__name__', 'value')}"
            )
            raise argparse.ArgumentTypeError(
                f"environment variable {variable}={shown}: {expected}"
            ) from error
        if choices is not None and value not in choices:
            raise argparse.ArgumentTypeError(
                f"environment variable {variable}={shown}: expected one of "
                f"{', '.join(map(str, choices))}"
            )
        return value

    # argparse names the type in its own messages ("invalid int value: 'x'").
    checked.__name__ = getattr(convert, "__name__", "value")
    return checked


def resolve_bootstrap(explicit: str | None) -> str:
    """The broker to use: the flag or environment, else a running local broker."""
    if explicit:
        return explicit
    from streams.local_kafka import LocalKafka

    info = LocalKafka().status()
    if info is None:
        raise CommandError(
            "no broker given: set WATCHFLOOR_KAFKA_BOOTSTRAP or --bootstrap, or start the local "
            "one with `watchfloor kafka start`"
        )
    return info.bootstrap


def _secret(text: str) -> Secret:
    from streams.connection import Secret

    return Secret(text)


def _upper(text: str) -> str:
    return text.strip().upper()


def _switch(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(
        f"expected true or false (or 1/0, yes/no, on/off), got {text!r}"
    )


class _BadSwitch:
    """An environment value for a switch that is neither true nor false, kept as the switch's
    default so that only a command with that switch refuses it (`refuse_bad_switches`)."""

    def __init__(self, variable: str, raw: str, expected: str) -> None:
        self.variable, self.raw, self.expected = variable, raw, expected

    def __bool__(self) -> bool:
        raise TypeError(f"{self.variable} was not checked before use")


def add_switch(
    parser: argparse._ActionsContainer,
    flag: str,
    *,
    env: str,
    help: str,
    unset: bool | None = False,
    negatable: bool = False,
) -> None:
    """An on/off flag with a `WATCHFLOOR_*` fallback taking 1/0, true/false, yes/no, on/off;
    `unset` when neither is given. `--no-...` too when `negatable`.

    >>> parser = argparse.ArgumentParser()
    >>> os.environ["WATCHFLOOR_DOCTEST_SWITCH"] = "maybe"
    >>> add_switch(parser, "--json", env="WATCHFLOOR_DOCTEST_SWITCH", help="print JSON")
    >>> refuse_bad_switches(parser, parser.parse_args(["--json"]))  # the flag wins
    >>> refuse_bad_switches(parser, parser.parse_args([]))
    Traceback (most recent call last):
    ...
    SystemExit: 2
    >>> del os.environ["WATCHFLOOR_DOCTEST_SWITCH"]
    """
    raw = os.environ.get(env, "")
    default: bool | _BadSwitch | None = unset
    if raw.strip():
        try:
            default = _switch(raw)
        except argparse.ArgumentTypeError as error:
            default = _BadSwitch(env, raw, str(error))
    parser.add_argument(
        flag,
        action=argparse.BooleanOptionalAction if negatable else "store_true",
        default=default,
        help=f"{help} (env {env})",
    )


def refuse_bad_switches(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A usage error (exit 2) for a switch left to a bad environment value (`add_switch`)."""
    for value in vars(args).values():
        if isinstance(value, _BadSwitch):
            parser.error(f"environment variable {value.variable}={value.raw!r}: {value.expected}")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def log_level(text: str) -> str:
    """A log level name, in capitals.

    >>> log_level("warning")
    'WARNING'
    >>> log_level("LOUD")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'LOUD'
    """
    value = text.strip().upper()
    if value not in LOG_LEVELS:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(LOG_LEVELS)}, got {text!r}")
    return value


def add_kafka_security_options(parser: argparse.ArgumentParser) -> None:
    """TLS and SASL options for every command that talks to Kafka; see streams.connection.

    Secrets are parsed into `Secret` objects at once, so no namespace or repr shows them, and
    `--help` never shows an environment value.
    """
    group = parser.add_argument_group(
        "Kafka security", "TLS and SASL for every connection to Kafka (PLAINTEXT by default)."
    )
    option = add_option
    option(
        group,
        "--kafka-security-protocol",
        env="WATCHFLOOR_KAFKA_SECURITY_PROTOCOL",
        type=_upper,
        default="PLAINTEXT",
        help="PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL",
    )
    option(
        group,
        "--kafka-sasl-mechanism",
        env="WATCHFLOOR_KAFKA_SASL_MECHANISM",
        type=_upper,
        help="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512",
    )
    option(group, "--kafka-sasl-username", env="WATCHFLOOR_KAFKA_SASL_USERNAME", help="SASL user")
    option(
        group,
        "--kafka-sasl-password",
        env="WATCHFLOOR_KAFKA_SASL_PASSWORD",
        type=_secret,
        metavar="PASSWORD",
        help="SASL password (a file keeps it out of the process list: use the next option)",
    )
    option(
        group,
        "--kafka-sasl-password-file",
        env="WATCHFLOOR_KAFKA_SASL_PASSWORD_FILE",
        metavar="FILE",
        help="file holding the SASL password",
    )
    option(
        group,
        "--kafka-ssl-cafile",
        env="WATCHFLOOR_KAFKA_SSL_CAFILE",
        metavar="FILE",
        help="PEM CA certificates to trust (default: the system's)",
    )
    option(
        group,
        "--kafka-ssl-certfile",
        env="WATCHFLOOR_KAFKA_SSL_CERTFILE",
        metavar="FILE",
        help="PEM client certificate, for brokers that require one",
    )
    option(
        group,
        "--kafka-ssl-keyfile",
        env="WATCHFLOOR_KAFKA_SSL_KEYFILE",
        metavar="FILE",
        help="PEM private key of the client certificate",
    )
    option(
        group,
        "--kafka-ssl-key-password",
        env="WATCHFLOOR_KAFKA_SSL_KEY_PASSWORD",
        type=_secret,
        metavar="PASSWORD",
        help="password of an encrypted private key",
    )
    option(
        group,
        "--kafka-ssl-check-hostname",
        env="WATCHFLOOR_KAFKA_SSL_CHECK_HOSTNAME",
        type=_switch,
        default=True,
        metavar="BOOL",
        help="verify that the broker's certificate names the host connected to",
    )


def kafka_security_from(args: argparse.Namespace) -> KafkaSecurity:
    """The `KafkaSecurity` the options ask for; refuses unsafe or inconsistent ones, saying why.

    Commands without the security options get the default (PLAINTEXT).
    """
    from pathlib import Path

    from streams.connection import KafkaSecurity, SecurityConfigError, read_secret_file

    def path(name: str) -> Path | None:
        value = getattr(args, name, None)
        return Path(value) if value else None

    try:
        password = getattr(args, "kafka_sasl_password", None)
        password_file = path("kafka_sasl_password_file")
        if password is not None and password_file is not None:
            raise SecurityConfigError("give the SASL password or a password file, not both")
        if password_file is not None:
            password = read_secret_file(password_file, "SASL password")
        return KafkaSecurity(
            protocol=getattr(args, "kafka_security_protocol", None) or "PLAINTEXT",
            sasl_mechanism=getattr(args, "kafka_sasl_mechanism", None) or None,
            sasl_username=getattr(args, "kafka_sasl_username", None) or None,
            sasl_password=password,
            ssl_cafile=path("kafka_ssl_cafile"),
            ssl_certfile=path("kafka_ssl_certfile"),
            ssl_keyfile=path("kafka_ssl_keyfile"),
            ssl_key_password=getattr(args, "kafka_ssl_key_password", None),
            ssl_check_hostname=getattr(args, "kafka_ssl_check_hostname", True),
        )
    except SecurityConfigError as error:
        raise CommandError(f"refusing to start: {error}") from error


# Long enough for a TLS handshake and a SCRAM exchange with a loaded broker; short enough that
# a wrong password or certificate is reported at once rather than retried for half a minute.
BROKER_CHECK_TIMEOUT_S = 10.0


def check_broker(bootstrap: str, security: KafkaSecurity | None = None) -> None:
    """Fail fast and clearly when the broker does not answer or refuses us, saying why."""
    from streams.connection import BrokerAccessError, KafkaSecurity, describe_failure, probe

    try:
        probe(bootstrap, security or KafkaSecurity(), timeout_s=BROKER_CHECK_TIMEOUT_S)
    except BrokerAccessError as error:
        raise CommandError(
            f"the Kafka broker at {bootstrap} cannot be reached: {describe_failure(error)}"
        ) from error


def resolve_connection(
    args: argparse.Namespace, *, check: bool = True
) -> tuple[str, KafkaSecurity]:
    """The broker and the checked `KafkaSecurity` to reach it with (see `resolve_bootstrap`).

    With `check`, the broker is asked for metadata first, so a wrong password or an untrusted
    certificate stops the command at once with the reason.
    """
    from streams.connection import SecurityConfigError

    security = kafka_security_from(args)
    bootstrap = resolve_bootstrap(getattr(args, "bootstrap", None))
    try:
        security.check(bootstrap)
    except SecurityConfigError as error:
        raise CommandError(f"refusing to start: {error}") from error
    if check:
        check_broker(bootstrap, security)
    return bootstrap, security


def add_pseudonym_options(parser: argparse._ActionsContainer) -> None:
    """The pseudonym key: officer ids become keyed HMACs (see streams.pseudonym)."""
    add_option(
        parser,
        "--pseudonym-key",
        env="WATCHFLOOR_PSEUDONYM_KEY",
        type=_secret,
        metavar="KEY",
        help="pseudonymise officer ids with this key, at least 32 bytes (a file is safer)",
    )
    add_option(
        parser,
        "--pseudonym-key-file",
        env="WATCHFLOOR_PSEUDONYM_KEY_FILE",
        metavar="FILE",
        help="file holding the pseudonym key",
    )


def pseudonymiser_from(args: argparse.Namespace) -> Pseudonymiser | None:
    """The pseudonymiser the options configure, None without a key; refuses a bad key."""
    from pathlib import Path

    from streams.pseudonym import PseudonymKeyError, load_key

    key_file = getattr(args, "pseudonym_key_file", None)
    try:
        return load_key(getattr(args, "pseudonym_key", None), Path(key_file) if key_file else None)
    except PseudonymKeyError as error:
        raise CommandError(f"refusing to start: {error}") from error
