"""What the open data says of participation in a process, as counts: published contributions, supports, published
comments, and the commune's answers by status. Never who supported, commented or followed."""

from django.db.models import Count, Q, Sum

from ..models import AnswerStatus, Contribution, ContributionStatus


def participation_figures(process_ids):
    """{process id: {"contributions", "supports", "comments", "answers": {status: count}}} in two queries, read
    from the counters each contribution keeps (no row of a support or a comment is read)."""
    process_ids = list(process_ids)
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
