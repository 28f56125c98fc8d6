from tests.participation.conftest import (  # noqa: F401 - fixtures shared with the participation tests
    base_legal_texts,
    base_process,
    legal_texts,
    process,
)

__all__ = ["base_legal_texts", "base_process", "legal_texts", "process"]
