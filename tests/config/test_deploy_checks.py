"""`manage.py check --deploy` under production settings: not one warning.

Settings are read when the interpreter imports them, so each case runs the command in a fresh process with the
environment the README gives a production server, and nothing from the developer's own environment.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def production_environment(**overrides):
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HTTPS": "1",
        "ALLOWED_HOSTS": "jeparticipe.example.fr",
        "CSRF_TRUSTED_ORIGINS": "https://jeparticipe.example.fr",
        "DATABASE_URL": "postgres://participation@db.internal:5432/participation",
        "CACHE_URL": "redis://cache.internal:6379/0",
        "PUBLIC_BASE_URL": "https://jeparticipe.example.fr",
        "WAGTAILADMIN_BASE_URL": "https://jeparticipe.example.fr",
    }
    environment.update(overrides)
    return environment


def check_deploy(**overrides):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env=production_environment(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    completed = check_deploy()

    assert completed.returncode == 0, completed.stderr
    assert "System check identified no issues (0 silenced)." in completed.stdout


def test_check_deploy_fails_on_a_setting_a_production_server_must_not_have():
    """The same command catches a weaker choice: the test above can fail."""
    completed = check_deploy(SECURE_HSTS_INCLUDE_SUBDOMAINS="0", SECURE_SSL_REDIRECT="0")

    assert completed.returncode != 0
    assert "security.W005" in completed.stderr and "security.W008" in completed.stderr
