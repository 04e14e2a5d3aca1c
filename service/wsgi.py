"""WSGI entry point for gunicorn: ``gunicorn service.wsgi:app`` (configuration from IMNM_CDS_CONFIG / env)."""

from service.app import create_app, tune_garbage_collector

app = create_app()
tune_garbage_collector()
