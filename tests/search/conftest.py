import pytest
from django.utils import timezone

from participation.models import Contribution, ContributionStatus
from tests.participation.conftest import (  # noqa: F401 - fixtures shared with the participation tests
    legal_texts,
    make_process,
    moderators,
    process,
)

__all__ = ["legal_texts", "make_process", "moderators", "process", "contribution_on"]


def contribution_on(process, text, *, status=ContributionStatus.PUBLISHED, pseudonym="Dominique", email=None):
    """A contribution as the moderation would leave it (published by default), saved like the services do."""
    from charter.services import current_acceptance_terms

    terms = current_acceptance_terms()
    now = timezone.now()
    return Contribution.objects.create(
        process=process,
        commune=process.get_parent().specific.commune,
        pseudonym=pseudonym,
        email=email or f"{pseudonym.lower()}@example.org",
        text=text,
        charter_version=terms.charter,
        terms_version=terms.terms,
        status=status,
        confirmed_at=now,
        published_at=now if status == ContributionStatus.PUBLISHED else None,
    )


@pytest.fixture
def search(client):
    """GET /recherche/ with these parameters; returns the page's HTML."""

    def run(q, **params):
        response = client.get("/recherche/", {"q": q, **params})
        assert response.status_code == 200
        return response.content.decode()

    return run
