"""The SQL storage layer: issued cards, audit calls, feedback, snoozes and the JWT ``jti`` replay cache.

Everything several workers or replicas must agree on lives in one database (a SQLite file by default,
PostgreSQL in production), so that feedback posted to one replica suppresses the card on every other.
"""

from service.storage.database import open_engine, upgrade
from service.storage.replay import SqlReplayCache
from service.storage.sql_store import FeedbackItem, FeedbackResult, SqlStore, open_store

__all__ = ["FeedbackItem", "FeedbackResult", "SqlReplayCache", "SqlStore", "open_engine", "open_store", "upgrade"]
