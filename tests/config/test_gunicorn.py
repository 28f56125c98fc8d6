"""The gunicorn configuration production runs with (README, deployment step 5) is one gunicorn accepts, and its
workers are threaded: a worker's heartbeat is not held up by a long export, so it is never killed mid-download."""

from pathlib import Path

import pytest
from gunicorn.app.base import Application

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.py"


class ConfigOnly(Application):
    """Gunicorn's own loading of a configuration file: each value through its setting's validator."""

    def __init__(self, path):
        self.path = str(path)
        super().__init__()

    def load_config(self):
        self.load_config_from_file(self.path)

    def load(self):
        return None


@pytest.fixture
def no_gunicorn_environment(monkeypatch):
    for name in ["WORKERS", "THREADS", "BIND", "TIMEOUT", "GRACEFUL_TIMEOUT", "KEEPALIVE", "ACCESS_LOG"]:
        monkeypatch.delenv(f"GUNICORN_{name}", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)


def test_gunicorn_loads_the_configuration_with_threaded_workers_one_per_core(no_gunicorn_environment, monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 6)

    settings = ConfigOnly(CONFIG).cfg

    assert settings.worker_class_str == "gthread" and settings.threads > 1
    assert settings.workers == 6
    assert settings.timeout == 30 and settings.graceful_timeout >= settings.timeout
    assert settings.address == [("0.0.0.0", 8000)]
    assert settings.accesslog is None, "the proxy logs the requests"


def test_the_environment_sets_workers_threads_address_timeouts_and_access_log(no_gunicorn_environment, monkeypatch):
    monkeypatch.setenv("GUNICORN_WORKERS", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "8")
    monkeypatch.setenv("GUNICORN_BIND", "127.0.0.1:9000")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "20")
    monkeypatch.setenv("GUNICORN_GRACEFUL_TIMEOUT", "40")
    monkeypatch.setenv("GUNICORN_ACCESS_LOG", "-")

    settings = ConfigOnly(CONFIG).cfg

    assert (settings.workers, settings.threads, settings.address) == (3, 8, [("127.0.0.1", 9000)])
    assert (settings.timeout, settings.graceful_timeout, settings.accesslog) == (20, 40, "-")
