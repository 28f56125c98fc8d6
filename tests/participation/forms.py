"""Admin form data for a process page, as the editor's browser would post it."""

import datetime

from django.utils.text import slugify
from wagtail.test.utils.form_data import inline_formset, streamfield


def process_form_data(title="Plan vélo", publish=True, *, starts_on=None, ends_on=None, **overrides):
    today = datetime.date.today()
    data = {
        "title": title,
        "slug": slugify(title),
        "summary": "Vos itinéraires.",
        "body": streamfield([]),
        "location": "",
        "audience": "public",
        "accepts_contributions": "on",
        "moderation_mode": "before",
        "contribution_prompt": "",
        "event_place": "",
        "event_accessibility": "",
        "phases": inline_formset(
            [
                {
                    "title": "Contributions",
                    "starts_on": (starts_on or today - datetime.timedelta(days=7)).isoformat(),
                    "ends_on": (ends_on or today + datetime.timedelta(days=30)).isoformat(),
                    "description": "",
                }
            ]
        ),
    }
    if publish:
        data["action-publish"] = "publish"
    data.update(overrides)
    return data
