import pytest

from tests.participation.conftest import (  # noqa: F401 - fixtures shared with the participation tests
    add_contribution,
    base_legal_texts,
    base_process,
    legal_texts,
    make_process,
    moderators,
    process,
)

__all__ = [
    "add_contribution",
    "base_legal_texts",
    "base_process",
    "legal_texts",
    "make_process",
    "moderators",
    "process",
]


@pytest.fixture
def search(client):
    """GET /recherche/ with these parameters; returns the page's HTML."""

    def run(q, **params):
        response = client.get("/recherche/", {"q": q, **params})
        assert response.status_code == 200
        return response.content.decode()

    return run
