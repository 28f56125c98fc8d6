#!/usr/bin/env python
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # On a developer's machine, the key the Makefile generated (production sets SECRET_KEY itself).
    local_key = Path(__file__).resolve().with_name(".secret_key")
    if not os.environ.get("SECRET_KEY") and local_key.is_file():
        os.environ["SECRET_KEY"] = local_key.read_text().strip()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
