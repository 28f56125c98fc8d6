import datetime
import json

import pytest

from charter.models import LegalTextKind, LegalTextVersion


def body(*paragraphs, rules=()):
    blocks = [{"type": "paragraph", "value": f"<p>{text}</p>"} for text in paragraphs]
    blocks += [{"type": "rule", "value": {"key": key, "title": title, "text": "<p>…</p>"}} for key, title in rules]
    return json.dumps(blocks)


@pytest.fixture
def publish_text(db):
    """Publish a version of a legal text, as staff would in the admin."""

    def publish(kind, effective_on, text="Texte.", summary="", **fields):
        if kind == LegalTextKind.ACCESSIBILITY:
            fields.setdefault("accessibility_status", "partiellement")
        version = LegalTextVersion(
            kind=kind,
            effective_on=effective_on
            if isinstance(effective_on, datetime.date)
            else datetime.date.fromisoformat(effective_on),
            summary_of_changes=summary,
            body=fields.pop("body", None) or body(text),
            live=False,
            **fields,
        )
        version.save()
        version.save_revision().publish()
        version.refresh_from_db()
        return version

    return publish


@pytest.fixture
def all_texts(publish_text):
    return {kind: publish_text(kind, "2022-03-01", text=f"Texte : {kind.label}.") for kind in LegalTextKind}
