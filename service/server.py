"""Runs the application under gunicorn (the same server and settings the Dockerfile uses)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from service import gunicorn_conf
from service.config import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from service.app import create_app, tune_garbage_collector

        app = create_app(self.settings)
        tune_garbage_collector()
        return app


def run(settings: Settings, host: str, port: int) -> None:
    options = {name: getattr(gunicorn_conf, name) for name in gunicorn_conf.SETTINGS}
    options.update(bind=f"{host}:{port}", workers=settings.server.workers, threads=settings.server.threads)
    _Gunicorn(settings, options).run()
