"""Configuration: embedded defaults, overridden by a TOML file, overridden by ``IMNM_CDS_<SECTION>_<KEY>`` variables.

The defaults run the service with no set-up at all (SQLite file, no FHIR server needed when the EHR prefetches).
Every key is listed in the README's configuration table; ``imnm-cds config`` prints the effective values.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

ENV_PREFIX = "IMNM_CDS_"


class ConfigError(ValueError):
    """The configuration file or environment names an unknown key or gives a value of the wrong type."""


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
            with open(path, "rb") as handle:
                document = tomllib.load(handle)
            for section, values in document.items():
                _apply(settings, section, values, f"{path} [{section}]")
            settings.source = str(path)
        for section, values in (overrides or {}).items():
            _apply(settings, section, values, f"override [{section}]")
        if f"{ENV_PREFIX}DATABASE_URL" in env:
            settings.storage.url = env[f"{ENV_PREFIX}DATABASE_URL"]
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

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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
    return value


def _from_env(settings: Settings, section: str, key: str, raw: str, name: str) -> Any:
    target = _section(settings, section, name)
    hint = get_type_hints(type(target)).get(key)
    if hint is None:
        raise ConfigError(f"{name}: unknown key {section}.{key}")
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
