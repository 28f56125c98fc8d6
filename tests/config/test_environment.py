"""The suite does not read the caller's environment: what a developer exported for `make run` changes no test."""

import os
import re
from pathlib import Path

from tests import settings as test_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
# What the tests take from outside: where the database is, and the key (the Makefile's).
FROM_OUTSIDE = {"DATABASE_URL", "DATABASE_CONN_MAX_AGE", "SECRET_KEY"}
READS = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\[|env_(?:int|bool|list))\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
)


def variables_read_by_the_project():
    names = set()
    for path in PROJECT_DIR.glob("*/**/*.py"):
        if path.parts[len(PROJECT_DIR.parts)] in {".venv", "tests", "node_modules"}:
            continue
        names |= set(READS.findall(path.read_text(encoding="utf-8")))
    return names


def test_every_variable_the_project_reads_is_kept_from_the_suite():
    read = variables_read_by_the_project()

    assert {"DEMO_ADMIN_PASSWORD", "CACHE_URL", "SESSION_IDLE_MINUTES"} <= read  # the scan finds them
    assert read - FROM_OUTSIDE <= set(test_settings.CALLER_ENVIRONMENT_IGNORED)


def test_a_variable_exported_by_the_caller_does_not_reach_the_tests():
    assert not set(test_settings.CALLER_ENVIRONMENT_IGNORED) & set(os.environ)
