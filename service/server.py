"""Runs the application under gunicorn (the same server and settings the Dockerfile uses)."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from service import gunicorn_conf
from service.config import Settings, check_listening, check_startup


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings  # checked by application(); gunicorn_conf.on_starting does not check them again
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # as gunicorn does with a configuration file: a name it lacks is ignored
                self.cfg.set(key, value)

    def load(self) -> Any:
        from service.app import create_app, tune_garbage_collector

        app = create_app(self.settings)
        tune_garbage_collector()
        return app


def application(settings: Settings, host: str, port: int) -> BaseApplication:
    """gunicorn with service/gunicorn_conf.py's settings, serving ``settings`` on ``host:port``. Raises ConfigError,
    before any worker starts, for what a worker would refuse or for authentication off beyond loopback."""
    check_listening(settings, [host])
    check_startup(settings)
    options = {name: getattr(gunicorn_conf, name) for name in gunicorn_conf.SETTINGS}
    options.update(bind=f"{host}:{port}", workers=settings.server.workers, threads=settings.server.threads)
    return _Gunicorn(settings, options)


def run(settings: Settings, host: str, port: int) -> None:
    application(settings, host, port).run()
