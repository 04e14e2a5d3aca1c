"""WSGI entry point for gunicorn: ``gunicorn service.wsgi:app`` (configuration from IMNM_CDS_CONFIG / env)."""

from service.app import create_app, freeze_startup_objects

app = create_app()
freeze_startup_objects()
