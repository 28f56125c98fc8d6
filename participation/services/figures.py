"""What the open data says of participation in a process, as counts: published contributions, supports, published
comments, and the commune's answers by status. Never who supported, commented or followed.

Summing them reads every published contribution of the processes listed: the figures of each process are kept in
the cache, forgotten with the list's counts whenever one of its contributions is saved (a publication, a hide, an
answer: `contribution_list.forget_counts`), and at the latest after FIGURES_SECONDS, which is how long a new
support or comment (counted on the contribution without saving it) may take to show in the open data.
"""

from django.core.cache import cache
from django.db.models import Count, Q, Sum

from ..models import AnswerStatus, Contribution, ContributionStatus
from .contribution_list import counts_generation

FIGURES_SECONDS = 300


def participation_figures(process_ids):
    """{process id: {"contributions", "supports", "comments", "answers": {status: count}}}: from the cache, or
    read for the processes missing in two queries."""
    process_ids = list(process_ids)
    keys = {pk: f"participation:figures:{pk}:{counts_generation(pk)}" for pk in process_ids}
    kept = cache.get_many(list(keys.values()))
    figures = {pk: kept[key] for pk, key in keys.items() if key in kept}
    missing = [pk for pk in process_ids if pk not in figures]
    if missing:
        read = _read_figures(missing)
        cache.set_many({keys[pk]: read[pk] for pk in missing}, FIGURES_SECONDS)
        figures.update(read)
    return figures


def _read_figures(process_ids):
    """The figures of these processes in two queries, read from the counters each contribution keeps (no row of a
    support or a comment is read)."""
    figures = {
        pk: {
            "contributions": 0,
            "supports": 0,
            "comments": 0,
            "answers": {status.value: 0 for status in AnswerStatus},
        }
        for pk in process_ids
    }
    published = Contribution.objects.filter(process_id__in=process_ids, status=ContributionStatus.PUBLISHED)
    totals = published.values("process_id").annotate(
        contributions=Count("pk"), supports=Sum("support_count"), comments=Sum("comment_count")
    )
    for row in totals:
        figures[row["process_id"]].update(
            contributions=row["contributions"], supports=row["supports"] or 0, comments=row["comments"] or 0
        )
    answers = published.filter(~Q(answer_status="")).values("process_id", "answer_status").annotate(count=Count("pk"))
    for row in answers:
        figures[row["process_id"]]["answers"][row["answer_status"]] = row["count"]
    return figures
