"""The statements in every hook call's path, run on the database driver (DB-API) instead of through SQLAlchemy.

Measured under gunicorn on the W1 benchmark (issue 6): SQLAlchemy's execution machinery around the snooze look-up
and the two audit inserts cost ~0.8 ms of CPU per call, several times the database's own work. Here each
statement is plain SQL built once from the table definitions (``models``), and each value is converted the way
SQLAlchemy itself stores it, so every other reader (feedback, the report, purge) sees the same rows; tests read
rows written here back through SQLAlchemy, on SQLite and on PostgreSQL. Everything off the hot path stays on
SQLAlchemy. Only the two supported drivers are known: sqlite3 and psycopg (another one is refused at start-up).
A JSON column's None is SQL NULL here and in the models (``none_as_null``), never the JSON text 'null'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Engine, Table
from sqlalchemy.exc import SQLAlchemyError

from service import json_writer


def _sqlite_time(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite storage format for a UTC time (text, so comparisons in SQL are text comparisons)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def _sqlite_json(value: Any) -> str | None:
    return None if value is None else json_writer.dumps(value)


def _read_sqlite_time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _unchanged(value: Any) -> Any:
    return value


@dataclass(frozen=True)
class Insert:
    """``INSERT`` of every column of a table but its auto-numbered key, with each value converted for the driver."""

    sql: str
    columns: tuple[tuple[str, Callable[[Any], Any]], ...]

    def parameters(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return {name: convert(row.get(name)) for name, convert in self.columns}


class DriverSql:
    """SQL text, placeholders and value conversions for the driver behind ``engine``."""

    def __init__(self, engine: Engine) -> None:
        dialect, driver = engine.dialect.name, engine.dialect.driver
        if (dialect, driver) == ("sqlite", "pysqlite"):
            self.placeholder: Callable[[str], str] = ":{}".format
            self.write_time: Callable[[Any], Any] = _sqlite_time
            self._write_json: Callable[[Any], Any] = _sqlite_json
            self.read_time: Callable[[Any], datetime | None] = _read_sqlite_time
        elif (dialect, driver) == ("postgresql", "psycopg"):
            from psycopg.types.json import Json  # the driver of the PostgreSQL URLs we accept (docs/operations.md)

            self.placeholder = "%({})s".format
            self.write_time = _unchanged
            self._write_json = lambda value: None if value is None else Json(value, dumps=json_writer.dumps)
            self.read_time = _unchanged
        else:
            raise ValueError(f"unsupported database driver {dialect}+{driver}: use sqlite:/// or "
                             "postgresql+psycopg:// (docs/operations.md)")
        # What a failed statement raises: the driver's errors, SQLAlchemy's (e.g. the pool's timeout), or a value
        # that did not convert.
        self.errors: tuple[type[Exception], ...] = (SQLAlchemyError, engine.dialect.dbapi.Error,  # type: ignore[union-attr]
                                                    TypeError, ValueError)

    def insert(self, table: Table) -> Insert:
        columns = [c for c in table.columns if c is not table.autoincrement_column]
        sql = (f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
               f"VALUES ({', '.join(self.placeholder(c.name) for c in columns)})")
        return Insert(sql, tuple((c.name, self._converter(c.type)) for c in columns))

    def _converter(self, column_type: Any) -> Callable[[Any], Any]:
        if isinstance(column_type, DateTime):
            return self.write_time
        if isinstance(column_type, JSON):
            return self._write_json
        return _unchanged
