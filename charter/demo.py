"""Demo legal texts (issue: legal texts, item 7): first versions of the five texts, and a second CGU."""

import datetime
import json
from pathlib import Path

from django.db import transaction

from .models import LegalTextVersion

DEMO_LEGAL_TEXTS_JSON = Path(__file__).parent / "fixtures" / "demo-legal-texts.json"


@transaction.atomic
def load_demo_legal_texts(path=DEMO_LEGAL_TEXTS_JSON):
    """Create and publish each listed version once, in file order (so numbers follow)."""
    created = 0
    for entry in json.loads(Path(path).read_text(encoding="utf-8")):
        effective_on = datetime.date.fromisoformat(entry["effective_on"])
        if LegalTextVersion.objects.filter(kind=entry["kind"], effective_on=effective_on).exists():
            continue
        version = LegalTextVersion(
            kind=entry["kind"],
            effective_on=effective_on,
            summary_of_changes=entry["summary_of_changes"],
            accessibility_status=entry.get("accessibility_status", ""),
            body=json.dumps(entry["body"]),
            live=False,
        )
        version.full_clean()
        version.save()
        version.save_revision().publish()
        created += 1
    return created
