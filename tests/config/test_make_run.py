"""`make run` serves, prints and emails its links on its own HOST and PORT, and runs the email worker beside the server.

Before: `make run PORT=8031` served on 8031 but printed the admin login and emailed every link on port 8000.
The Makefile's commands are read with `make -n`; their environment is then given to the settings in a fresh
interpreter, as `make run` gives it to the server and the worker.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
URL_VARIABLES = ("WAGTAILADMIN_BASE_URL", "PUBLIC_BASE_URL", "HOST", "PORT")

PRINT_BASE_URLS = """
from django.conf import Settings
settings = Settings("config.settings")
print(settings.WAGTAILADMIN_BASE_URL, settings.PUBLIC_BASE_URL)
"""

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def clean_environment(**environment):
    env = {key: value for key, value in os.environ.items() if key not in URL_VARIABLES}
    env.update(environment)
    return env


def printed_run(*arguments, **environment):
    return subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *arguments],
        cwd=PROJECT_DIR,
        env=clean_environment(**environment),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


def run_commands(*arguments, **environment):
    """The commands `make run` would run, by the name of the manage.py command they run."""
    commands = {}
    for line in printed_run(*arguments, **environment).splitlines():
        found = re.search(r"manage\.py (\w+)", line)
        if found:
            commands.setdefault(found.group(1), line)
    return commands


def base_urls_under(command_line, **environment):
    """The base URLs the settings read with the environment that `command_line` sets."""
    prefix = command_line.split(" .venv/bin/python")[0]
    completed = subprocess.run(
        ["bash", "-c", f'{prefix} "$0" -c "$1"', sys.executable, PRINT_BASE_URLS],
        cwd=PROJECT_DIR,
        env=clean_environment(SECRET_KEY="a-key-for-this-test", **environment),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.split()


def test_make_run_prints_and_emails_its_links_on_its_own_port():
    commands = run_commands("PORT=8031")

    assert "demo_admin --url http://127.0.0.1:8031/admin/" in commands["demo_admin"]
    assert "runserver 127.0.0.1:8031" in commands["runserver"]
    assert base_urls_under(commands["runserver"]) == ["http://127.0.0.1:8031", "http://127.0.0.1:8031"]
    assert base_urls_under(commands["email_worker"]) == ["http://127.0.0.1:8031", "http://127.0.0.1:8031"]
    assert not any("8000" in line for line in commands.values())


def test_addresses_the_caller_set_are_kept():
    commands = run_commands("PORT=8031")

    assert base_urls_under(commands["runserver"], PUBLIC_BASE_URL="https://jeparticipe.example.fr") == [
        "http://127.0.0.1:8031",
        "https://jeparticipe.example.fr",
    ]
    assert base_urls_under(commands["email_worker"], WAGTAILADMIN_BASE_URL="https://admin.example.fr") == [
        "https://admin.example.fr",
        "https://admin.example.fr",
    ]


def test_make_run_sends_emails_with_a_worker_stopped_with_the_server():
    printed = printed_run()

    # One shell: the worker in the background, killed when the server stops (Ctrl+C included).
    assert re.search(
        r"manage\.py email_worker.*& worker=\$!; \\\ntrap 'kill \$worker.*' EXIT; \\\n.*runserver",
        printed,
    )


def test_on_sqlite_the_server_and_the_worker_wait_for_each_others_writes():
    """Two processes write to `make run`'s SQLite file: a transaction that began by reading, then wrote while the
    worker held the lock, failed at once with "database is locked" (a 500 on a contribution)."""
    script = (
        "from django.conf import Settings; s = Settings('config.settings'); "
        "print(s.DATABASES['default']['OPTIONS'], s.TASKS['emails']['BACKEND'])"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env=clean_environment(SECRET_KEY="a-key-for-this-test", DATABASE_URL="sqlite:///db.sqlite3"),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert completed.returncode == 0, completed.stderr
    assert "'transaction_mode': 'IMMEDIATE'" in completed.stdout
    assert "django_tasks_db.DatabaseBackend" in completed.stdout
