"""The ``imnm-cds`` command: serve, evaluate a request file, print fixtures, thresholds and the rule catalogue."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from service.config import ConfigError, Settings, check_startup

# The first-look settings when no file is named, under the environment's overrides. The sandbox (whose API is
# unauthenticated) is on only while authentication is off: IMNM_CDS_AUTH_REQUIRED=true alone turns it off too.
EMBEDDED = {"auth": {"required": False}, "features": {"sandbox": True, "explain": True}}
EMBEDDED_WITH_AUTH = {**EMBEDDED, "features": {**EMBEDDED["features"], "sandbox": False}}


def _settings(config: str | None) -> Settings:
    settings = Settings.load(config)
    if settings.source == "embedded defaults":
        settings = Settings.load(None, overrides=EMBEDDED)
        if settings.auth.required:
            settings = Settings.load(None, overrides=EMBEDDED_WITH_AUTH)
    return settings


def serve(args: argparse.Namespace) -> int:
    from service.server import run

    settings = _settings(args.config)
    run(settings, args.host or settings.server.host, args.port or settings.server.port)
    return 0


def _render_explanation(explanation: list[dict[str, Any]]) -> str:
    lines = []
    for entry in explanation:
        status = entry["status"] + (f" ({entry['indicator']})" if entry.get("indicator") else "")
        lines.append(f"{entry['number']} {entry['rule']}: {status} — {entry.get('reason', '')}")
        for key, value in (entry.get("facts") or {}).items():
            if value is not None:
                lines.append(f"      {key}: {value}")
    return "\n".join(lines)


def evaluate(args: argparse.Namespace) -> int:
    """The CDS Hooks response for a request file, through the same code path as the HTTP service."""
    from service.app import create_app
    from service.discovery import SERVICE_FOR_HOOK

    try:
        request_body = Path(args.request).read_bytes()
        document = json.loads(request_body)
    except OSError as exc:
        print(f"cannot read {args.request}: {exc.strerror}", file=sys.stderr)
        return 2
    except ValueError as exc:  # not JSON, or not UTF-8
        print(f"{args.request} is not a JSON document: {exc}", file=sys.stderr)
        return 2
    settings = _settings(args.config)
    settings.auth.required = False
    settings.features.explain = True
    hook = document.get("hook") if isinstance(document, dict) else None
    service_id = args.service or SERVICE_FOR_HOOK.get(hook if isinstance(hook, str) else "", "imnm-patient-view")
    from service.store import NullStore

    client = create_app(settings, store=NullStore()).test_client()  # in-process: nothing to keep
    query = "?explain=true" if args.explain else ""
    response = client.post(f"/cds-services/{service_id}{query}", data=request_body,
                           content_type="application/json")
    body = response.get_json()
    if args.explain and response.status_code == 200:
        extension = body.get("extension", {}).get("imnm-cds", {})
        print(_render_explanation(extension.get("explanation", [])))
        for card in body["cards"]:
            print(f"\nCARD {card['indicator'].upper()}: {card['summary']}")
        for warning in extension.get("warnings", []):
            print(f"\nWARNING: {warning}")
    else:
        print(json.dumps(body, indent=2))
    return 0 if response.status_code == 200 else 1


def fixture(args: argparse.Namespace) -> int:
    import fhir_fixtures

    fixtures = fhir_fixtures.all_fixtures()
    if not args.name:
        for name, fx in fixtures.items():
            print(f"{name:60} {fx.hook:13} {fx.story}")
        return 0
    if args.name not in fixtures:
        print(f"no fixture named {args.name!r}; run `imnm-cds fixture` for the list", file=sys.stderr)
        return 2
    print(json.dumps(fixtures[args.name].request(date.today()), indent=2))
    return 0


def thresholds(args: argparse.Namespace) -> int:
    from hooks import knowledge, parameters

    print(parameters.render_toml([r.rule for r in knowledge.discover_rules()]))
    return 0


def catalogue(args: argparse.Namespace) -> int:
    from hooks.catalogue import markdown

    print(markdown())
    return 0


def show_config(args: argparse.Namespace) -> int:
    """The effective settings, after the checks the service makes as it starts (a bad value exits 2 here too)."""
    settings = _settings(args.config)
    check_startup(settings)
    print(json.dumps(settings.printable(), indent=2))
    return 0


def _store(args: argparse.Namespace) -> tuple[Settings, Any]:
    from service.app import open_configured_store

    settings = _settings(args.config)
    return settings, open_configured_store(settings)


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def report(args: argparse.Namespace) -> int:
    """Per rule: fired, accepted, overridden by reason, acceptance rate, median latency (see docs/operations.md)."""
    from hooks import knowledge
    from service import report as reporting

    try:
        since = _since(args.since)
    except ValueError:
        print(f"--since {args.since!r} is not a date (YYYY-MM-DD) or date-time", file=sys.stderr)
        return 2
    _, store = _store(args)
    titles = {loaded.rule.id: (loaded.rule.code, loaded.rule.title) for loaded in knowledge.discover_rules()}
    built = reporting.build(store.engine, since, titles, datetime.now(UTC))
    text = reporting.RENDERERS[args.format](built)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


def purge(args: argparse.Namespace) -> int:
    """Delete audit records, issued cards and feedback older than --older-than days (default: retention_days)."""
    from datetime import timedelta

    settings, store = _store(args)
    days = args.older_than if args.older_than is not None else settings.storage.retention_days
    if days < 0:
        print("--older-than must be zero or more days", file=sys.stderr)
        return 2
    counts = store.purge(timedelta(days=days))
    print(json.dumps({"olderThanDays": days, "deleted": counts}))
    return 0


def db_upgrade(args: argparse.Namespace) -> int:
    """Migrate the configured database to the newest schema (the service also does this at start-up)."""
    from service.storage.database import current_revision, head_revision

    _, store = _store(args)
    print(f"database at revision {current_revision(store.engine)} (head {head_revision()})")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="imnm-cds", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("serve", help="run the service under gunicorn")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--config", help="TOML configuration file (default: embedded first-look settings)")
    p.set_defaults(func=serve)

    p = commands.add_parser("evaluate", help="print the CDS Hooks response for a request file")
    p.add_argument("request")
    p.add_argument("--explain", action="store_true", help="per rule: fired / not fired / suppressed / not evaluable")
    p.add_argument("--service", help="service id (default: from the request's hook)")
    p.add_argument("--config")
    p.set_defaults(func=evaluate)

    p = commands.add_parser("fixture", help="list fixtures, or print one as a request dated today")
    p.add_argument("name", nargs="?")
    p.set_defaults(func=fixture)

    commands.add_parser("thresholds", help="print the documented thresholds file").set_defaults(func=thresholds)
    commands.add_parser("catalogue", help="print the rule catalogue (Markdown)").set_defaults(func=catalogue)
    p = commands.add_parser("config", help="print the effective configuration")
    p.add_argument("--config")
    p.set_defaults(func=show_config)

    p = commands.add_parser("report", help="per-rule fired / accepted / overridden / acceptance / latency")
    p.add_argument("--since", help="only cards issued from this date (YYYY-MM-DD, UTC) on")
    p.add_argument("--format", choices=("text", "json", "html"), default="text")
    p.add_argument("--output", "-o", help="write to this file instead of standard output")
    p.add_argument("--config")
    p.set_defaults(func=report)

    p = commands.add_parser("purge", help="delete audit records and feedback older than the retention period")
    p.add_argument("--older-than", type=int, metavar="DAYS", help="default: [storage] retention_days")
    p.add_argument("--config")
    p.set_defaults(func=purge)

    p = commands.add_parser("db", help="database maintenance")
    db_commands = p.add_subparsers(dest="db_command", required=True)
    p = db_commands.add_parser("upgrade", help="migrate the database schema to the newest revision")
    p.add_argument("--config")
    p.set_defaults(func=db_upgrade)

    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        exc.say()
        return ConfigError.EXIT_CODE
    except BrokenPipeError:  # `imnm-cds fixture | head`: the reader left; end quietly, as a shell tool should
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
