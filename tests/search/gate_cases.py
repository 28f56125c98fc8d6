"""The pages the public may not see, for the open-data API, the sitemap and the feeds.

Each case takes a visible, open process out of public view the way it happens on the platform, then allows it
again: the commune's convention ends (then a new one starts), the process becomes internal to the commune's
agents (then public again), the page is unpublished (then published again).
"""

import datetime

import pytest

from participation.models import Audience, ProcessPhase, Theme
from participation.services.processes import ensure_process
from tests.factories import ConventionFactory

TODAY = datetime.date.today()


def open_process(space, title, *, summary="Donnez votre avis.", starts=-7, ends=30, themes=(), **fields):
    """A published process of `space`, open today unless its phase says otherwise."""
    phases = [
        ProcessPhase(
            title="Contributions",
            starts_on=TODAY + datetime.timedelta(days=starts),
            ends_on=TODAY + datetime.timedelta(days=ends),
        )
    ]
    process, _created = ensure_process(space, title=title, summary=summary, phases=phases, **fields)
    if themes:
        process.themes.set([Theme.objects.get_or_create(name=name, slug=slug)[0] for name, slug in themes])
        process.save_revision().publish()
    return process


def republish(page):
    page.save_revision().publish()
    page.refresh_from_db()


def end_convention(process):
    convention = process.get_parent().specific.commune.conventions.get()
    convention.revocation_decided_on = convention.notified_on
    convention.save()


def start_new_convention(process):
    commune = process.get_parent().specific.commune
    ConventionFactory(
        commune=commune,
        commune_deliberation_on=TODAY - datetime.timedelta(days=10),
        metropole_deliberation_on=TODAY - datetime.timedelta(days=10),
        signed_on=TODAY - datetime.timedelta(days=5),
        notified_on=TODAY - datetime.timedelta(days=1),
    )


def make_internal(process):
    process.audience = Audience.AGENTS
    republish(process)  # publishing applies the view restriction of the commune's agents (Art. 7)


def make_public(process):
    process.audience = Audience.PUBLIC
    republish(process)


def unpublish(process):
    process.unpublish()
    process.refresh_from_db()


# (case id, how the process is hidden, how it is allowed again)
HIDDEN_CASES = [
    ("commune_convention_ended", end_convention, start_new_convention),
    ("internal_process", make_internal, make_public),
    ("unpublished_page", unpublish, republish),
]


def hidden_case_params():
    return [pytest.param(hide, allow, id=case) for case, hide, allow in HIDDEN_CASES]
