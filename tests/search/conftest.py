import pytest

from tests.participation.conftest import (  # noqa: F401 - fixtures shared with the participation tests
    add_contribution,
    legal_texts,
    make_process,
    moderators,
    process,
)

__all__ = ["add_contribution", "legal_texts", "make_process", "moderators", "process"]


@pytest.fixture(autouse=True)
def index_every_save(search_index):
    """What is searched is indexed as it is saved, as in production."""


@pytest.fixture
def search(client):
    """GET /recherche/ with these parameters; returns the page's HTML."""

    def run(q, **params):
        response = client.get("/recherche/", {"q": q, **params})
        assert response.status_code == 200
        return response.content.decode()

    return run
