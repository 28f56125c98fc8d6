"""The count of published comments kept on each contribution (`Contribution.comment_count`).

Recounted, never incremented, under the contribution's row lock: whatever changed (a decision, a report, a
confirmation, a withdrawal, an erasure), the count is what the public sees, and two changes at once serialise on
the lock, the second one counting after the first has committed.
"""

from django.db import transaction

from ..models import Comment, Contribution


@transaction.atomic
def refresh_comment_count(contribution_id):
    locked = Contribution.objects.select_for_update().filter(pk=contribution_id).values_list("pk", flat=True)
    if not list(locked):
        return 0
    count = Comment.objects.public().filter(contribution_id=contribution_id).count()
    Contribution.objects.filter(pk=contribution_id).update(comment_count=count)
    return count
