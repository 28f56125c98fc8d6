"""What the process page shows of the commune's answers: its results and the contributions retained."""

from ..services.answers import retained_contributions


def results_context(process):
    """The results section, once published: the retained contributions, read in one query."""
    if not process.has_published_results:
        return {"results_published": False}
    return {"results_published": True, "retained_contributions": list(retained_contributions(process))}
