"""Configuration: embedded defaults, overridden by a TOML file, overridden by ``IMNM_CDS_<SECTION>_<KEY>`` variables.

The defaults run the service with no set-up at all (SQLite file, no FHIR server needed when the EHR prefetches).
Every key is listed in the README's configuration table; ``imnm-cds config`` prints the effective values.
``check_startup`` and ``check_listening`` are what every way of starting the service refuses to start with.
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import os
import socket
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from hooks import knowledge
from hooks.cards import OVERRIDE_REASON_CODES

ENV_PREFIX = "IMNM_CDS_"


class ConfigError(ValueError):
    """The configuration file or environment names an unknown key or gives a value of the wrong type."""

    EXIT_CODE = 2  # what every way of starting the service exits with, having said why (:meth:`say`)

    def say(self) -> None:
        """The one line an operator reads on standard error."""
        print(f"configuration error: {self}", file=sys.stderr)


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    # The URL EHRs call us at (behind a proxy this differs from what Flask sees); used for JWT `aud`.
    public_base_url: str = ""
    timezone: str = "UTC"
    workers: int = 2
    threads: int = 4


@dataclass
class LimitsConfig:
    max_body_bytes: int = 5 * 1024 * 1024
    max_json_depth: int = 64
    max_bundle_entries: int = 20_000
    max_fhir_response_bytes: int = 20 * 1024 * 1024


@dataclass
class FhirConfig:
    timeout_seconds: float = 3.0
    budget_seconds: float = 4.0
    max_pages: int = 20
    page_size: int = 500
    allow_http: bool = False  # plain-http FHIR servers only for local testing


@dataclass
class ClinicalConfig:
    valueset_dirs: list[str] = field(default_factory=list)
    thresholds_file: str = ""
    strict_validation: bool = False  # validate every prefetched resource with fhir.resources (slow)


@dataclass
class FeaturesConfig:
    explain: bool = True  # allow ?explain=true on service calls
    sandbox: bool = False


@dataclass
class AuthClient:
    iss: str = ""
    jwks_url: str = ""
    jwks_file: str = ""
    jku_allowlist: list[str] = field(default_factory=list)
    fhir_servers: list[str] = field(default_factory=list)


@dataclass
class AuthConfig:
    required: bool = True
    algorithms: list[str] = field(default_factory=lambda: ["ES384", "RS384"])
    leeway_seconds: int = 30
    max_token_age_seconds: int = 300
    clients: list[AuthClient] = field(default_factory=list)
    jwks_cache_seconds: int = 600
    jwks_timeout_seconds: float = 3.0
    jwks_max_bytes: int = 256 * 1024


@dataclass
class StorageConfig:
    url: str = "sqlite:///imnm-cds.sqlite3"
    audit_request_bodies: bool = False
    retention_days: int = 365


def _snooze_days_by_reason() -> dict[str, int]:
    """How long an override with each coded reason (hooks.cards.OVERRIDE_REASONS) holds the rule back."""
    return {
        "patient-declined": 90,            # the patient's decision rarely changes within weeks
        "already-addressed": 30,           # done elsewhere; re-check after a month in case it was not
        "not-clinically-appropriate": 90,
        "data-incorrect": 7,               # the chart should be fixed soon; nag again once it has had time
        "benefit-outweighs-risk": 30,
        "specialist-directed": 90,
        "oncologic-indication": 180,
    }


@dataclass
class FeedbackConfig:
    # The tables (snooze_days_by_*) merge over the layer below (these defaults, then the file, then the environment):
    # a site lists only the entries it changes. Rule ids and reason codes are checked against the knowledge base.
    # An override with a coded reason snoozes the same rule for the same patient this many days (0: never).
    snooze_days: int = 30  # for a reason code not in snooze_days_by_reason
    snooze_days_by_reason: dict[str, int] = field(default_factory=_snooze_days_by_reason)
    # Per rule: {"rule-id" = days} or {"rule-id/reason-code" = days}; wins over the per-reason value.
    snooze_days_by_rule: dict[str, int] = field(default_factory=dict)
    snooze_without_reason: bool = False  # an override with no reason Coding does not snooze by default
    never_snooze_rules: list[str] = field(default_factory=list)  # besides critical cards, which never snooze


@dataclass
class CorsConfig:
    origins: list[str] = field(default_factory=list)


@dataclass
class Settings:
    server: ServerConfig = field(default_factory=ServerConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    fhir: FhirConfig = field(default_factory=FhirConfig)
    clinical: ClinicalConfig = field(default_factory=ClinicalConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    feedback: FeedbackConfig = field(default_factory=FeedbackConfig)
    cors: CorsConfig = field(default_factory=CorsConfig)
    source: str = "embedded defaults"

    @classmethod
    def load(cls, path: str | Path | None = None, env: Mapping[str, str] | None = None,
             overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Settings:
        settings = cls()
        env = os.environ if env is None else env
        path = path or env.get(f"{ENV_PREFIX}CONFIG") or None
        if path:
            try:
                with open(path, "rb") as handle:
                    document = tomllib.load(handle)
            except OSError as exc:
                raise ConfigError(f"cannot read {path}: {exc.strerror}") from exc
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
            for section, values in document.items():
                _apply(settings, section, values, f"{path} [{section}]")
            settings.source = str(path)
        for section, values in (overrides or {}).items():
            _apply(settings, section, values, f"override [{section}]")
        if f"{ENV_PREFIX}DATABASE_URL" in env:
            _apply(settings, "storage", {"url": env[f"{ENV_PREFIX}DATABASE_URL"]}, f"{ENV_PREFIX}DATABASE_URL")
        for name, raw in env.items():
            if not name.startswith(ENV_PREFIX) or name in (f"{ENV_PREFIX}CONFIG", f"{ENV_PREFIX}DATABASE_URL"):
                continue
            section, _, key = name[len(ENV_PREFIX):].lower().partition("_")
            if not key:
                raise ConfigError(f"{name}: expected {ENV_PREFIX}<SECTION>_<KEY>")
            if (section, key) == ("auth", "clients"):
                raise ConfigError(f"{name}: EHR clients are tables; configure [[auth.clients]] in the TOML file")
            _apply(settings, section, {key: _from_env(settings, section, key, raw, name)}, name)
        return settings

    def printable(self) -> dict[str, Any]:
        """Every value, as ``imnm-cds config`` shows it: the database password masked."""
        values = dataclasses.asdict(self)
        values["storage"]["url"] = make_url(self.storage.url).render_as_string(hide_password=True)
        return values


def _section(settings: Settings, section: str, where: str) -> Any:
    if section == "source" or not hasattr(settings, section):
        raise ConfigError(f"{where}: unknown section [{section}]")
    return getattr(settings, section)


def _apply(settings: Settings, section: str, values: Any, where: str) -> None:
    target = _section(settings, section, where)
    if not isinstance(values, Mapping):
        raise ConfigError(f"{where}: [{section}] must be a table")
    hints = get_type_hints(type(target))
    for key, value in values.items():
        if key not in hints:
            raise ConfigError(f"{where}: unknown key {section}.{key}")
        if section == "auth" and key == "clients":
            if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
                raise ConfigError(f"{where}: auth.clients must be an array of tables")
            clients = []
            for item in value:
                client = AuthClient()
                client_hints = get_type_hints(AuthClient)
                for ckey, cvalue in item.items():
                    if ckey not in client_hints:
                        raise ConfigError(f"{where}: unknown key auth.clients.{ckey}")
                    setattr(client, ckey, _check(cvalue, client_hints[ckey], f"{where}: auth.clients.{ckey}"))
                clients.append(client)
            value = clients
        else:
            value = _check(value, hints[key], f"{where}: {section}.{key}")
            if isinstance(value, dict):
                value = {**getattr(target, key), **value}
            if (check := _VALUE_CHECKS.get((section, key))) is not None:
                check(value, f"{where}: {section}.{key}")
        setattr(target, key, value)


def _check(value: Any, hint: Any, where: str) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be an integer")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number")
        value = float(value)
    elif hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string")
    elif getattr(hint, "__origin__", None) is list and not isinstance(value, list):
        raise ConfigError(f"{where} must be an array")
    elif getattr(hint, "__origin__", None) is dict:  # the snooze tables: name -> days
        if not isinstance(value, Mapping) or not all(
                isinstance(days, int) and not isinstance(days, bool) and days >= 0 for days in value.values()):
            raise ConfigError(f"{where} must be a table of whole numbers of days (0 or more)")
        value = dict(value)
    return value


def _rule_ids() -> frozenset[str]:
    return frozenset(loaded.rule.id for loaded in knowledge.discovered_rules())


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"unknown {kind} {name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")


def _refuse_unknown(problems: list[str], where: str) -> None:
    if problems:
        raise ConfigError(f"{where}: {'; '.join(problems)}")


def _check_rule_ids(names: list[Any], where: str) -> None:
    """A misspelt rule id would leave its rule snoozable, so names are refused as the thresholds file's are."""
    rule_ids = _rule_ids()
    _refuse_unknown([_unknown("rule id", str(name), rule_ids) for name in names if name not in rule_ids], where)


def _check_reason_codes(table: dict[str, int], where: str) -> None:
    _refuse_unknown([_unknown("override reason code", code, OVERRIDE_REASON_CODES)
                     for code in table if code not in OVERRIDE_REASON_CODES], where)


def _check_rule_keys(table: dict[str, int], where: str) -> None:
    """Keys are ``rule-id`` or ``rule-id/reason-code``."""
    rule_ids, problems = _rule_ids(), []
    for key in table:
        rule_id, slash, reason = key.partition("/")
        if rule_id not in rule_ids:
            problems.append(_unknown("rule id", rule_id, rule_ids))
        elif slash and reason not in OVERRIDE_REASON_CODES:
            problems.append(_unknown("override reason code", reason, OVERRIDE_REASON_CODES) + f" in {key!r}")
    _refuse_unknown(problems, where)


def _check_database_url(url: str, where: str) -> None:
    try:
        make_url(url)
    except ArgumentError:
        raise ConfigError(f"{where}: not a database URL (e.g. sqlite:///imnm-cds.sqlite3)") from None


# What a value must be beyond its type, by (section, key): checked as each layer is applied, so the error names it.
_VALUE_CHECKS: dict[tuple[str, str], Callable[[Any, str], None]] = {
    ("feedback", "never_snooze_rules"): _check_rule_ids,
    ("feedback", "snooze_days_by_reason"): _check_reason_codes,
    ("feedback", "snooze_days_by_rule"): _check_rule_keys,
    ("storage", "url"): _check_database_url,
}


def _from_env(settings: Settings, section: str, key: str, raw: str, name: str) -> Any:
    target = _section(settings, section, name)
    hint = get_type_hints(type(target)).get(key)
    if hint is None:
        raise ConfigError(f"{name}: unknown key {section}.{key}")
    if getattr(hint, "__origin__", None) is dict:
        return _table_from_env(raw, name)
    try:
        if hint is bool:
            if raw.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                raise ValueError(raw)
            return raw.lower() in ("1", "true", "yes", "on")
        if hint is int:
            return int(raw)
        if hint is float:
            return float(raw)
        if getattr(hint, "__origin__", None) is list:
            return [item.strip() for item in raw.split(",") if item.strip()]
    except ValueError as exc:
        raise ConfigError(f"{name}: cannot read {raw!r} as {getattr(hint, '__name__', hint)}") from exc
    return raw


def _table_from_env(raw: str, name: str) -> dict[str, int]:
    """``key=days,key=days``, as the TOML table ``{key = days, ...}`` would give it."""
    table = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        key, equals, days = (text.strip() for text in item.partition("="))
        if not equals or not key:
            raise ConfigError(f"{name}: cannot read {item!r}; write key=days,key=days")
        try:
            table[key] = int(days)
        except ValueError:
            raise ConfigError(f"{name}: {key} = {days!r} is not a whole number of days") from None
    return table


def _is_loopback(host: str) -> bool:
    try:
        return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
    except (OSError, ValueError):
        return False


def check_listening(settings: Settings, hosts: Iterable[str]) -> None:
    """With authentication off, only loopback: every way of starting the service calls this with the addresses it
    will listen on (``imnm-cds serve``, and gunicorn's master for the Dockerfile's command)."""
    if settings.auth.required:
        return
    for host in hosts:
        if not _is_loopback(host):
            raise ConfigError(f"refusing to listen on {host} with authentication off; use 127.0.0.1 or configure "
                              "[auth]")


def check_startup(settings: Settings) -> None:
    """What a worker refuses to start with (service.app.create_app), checked without starting one: so that
    ``imnm-cds serve``, ``imnm-cds config`` and gunicorn's master stop with one line, not a traceback from every
    worker. The database is not opened (that would create and migrate it)."""
    from service import jwt_auth, security  # here: they import this module

    if settings.auth.required:
        jwt_auth.check_settings(settings)
    security.allowed_origins(settings)
    try:
        ZoneInfo(settings.server.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"server.timezone: unknown time zone {settings.server.timezone!r}") from None
    try:
        knowledge.load(settings.clinical.valueset_dirs, settings.clinical.thresholds_file or None)
    except OSError as exc:
        raise ConfigError(f"[clinical] cannot read {exc.filename}: {exc.strerror}") from exc
    except ValueError as exc:  # the thresholds file names a parameter that does not exist, or breaks a bound
        raise ConfigError(f"[clinical] {exc}") from exc
