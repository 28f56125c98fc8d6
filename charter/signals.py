"""What is kept in the cache about the legal texts goes as soon as a version changes."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import LegalTextVersion
from .services import forget_versions_in_force_now_and_on_commit


@receiver(post_save, sender=LegalTextVersion)
@receiver(post_delete, sender=LegalTextVersion)
def the_versions_in_force_are_read_again(sender, raw=False, **kwargs):
    # A version published, unpublished, its effective date changed, or deleted: the footer, the forms and the
    # moderation read the texts in force afresh.
    if not raw:
        forget_versions_in_force_now_and_on_commit()
