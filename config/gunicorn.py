"""Gunicorn's settings in production: `gunicorn -c config/gunicorn.py config.wsgi`.

Threaded workers (gthread): a worker's main thread tells the arbiter it is alive every second while its threads
serve requests, so `timeout` catches a worker that is stuck, never a long response: an export streams its hundreds
of thousands of rows for as long as they take. A sync worker would be killed `timeout` seconds into the download.

Every value can be changed from the environment, and a command-line option overrides this file.
"""

import os


def _number(name, default):
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# One process per core (WEB_CONCURRENCY is the usual name for it); each adds its threads for requests that wait on
# the database, the cache or a slow client.
workers = _number("GUNICORN_WORKERS", _number("WEB_CONCURRENCY", os.cpu_count() or 1))
worker_class = "gthread"
threads = _number("GUNICORN_THREADS", 4)
# A worker silent this long (no heartbeat from its main thread) is killed and replaced.
timeout = _number("GUNICORN_TIMEOUT", 30)
# On a restart or a deployment, requests in progress (an export under way) have this long to finish.
graceful_timeout = _number("GUNICORN_GRACEFUL_TIMEOUT", 120)
# Connections kept open between requests from the proxy in front.
keepalive = _number("GUNICORN_KEEPALIVE", 5)
# The proxy logs every request; gunicorn only when asked ("-" for its standard output). Errors go to standard error.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
