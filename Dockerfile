# IMNM CDS: gunicorn serving the Flask app as a non-root user.
# Authentication is required by default: mount a configuration with your EHR clients at
# /etc/imnm-cds/config.toml (see docs/security.md) or the service answers every call 401.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    IMNM_CDS_SERVER_HOST=0.0.0.0 \
    IMNM_CDS_SERVER_PORT=8080 \
    IMNM_CDS_STORAGE_URL=sqlite:////var/lib/imnm-cds/imnm-cds.sqlite3

RUN groupadd --system imnm && useradd --system --gid imnm --home-dir /app --shell /usr/sbin/nologin imnm \
    && mkdir -p /app /var/lib/imnm-cds /etc/imnm-cds && chown imnm:imnm /var/lib/imnm-cds

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY hooks ./hooks
COPY fhir_fixtures ./fhir_fixtures
RUN pip install --no-cache-dir ".[postgres]" && rm -rf /root/.cache

USER imnm
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status == 200 else 1)"

CMD ["gunicorn", "-c", "python:service.gunicorn_conf", "service.wsgi:app"]
