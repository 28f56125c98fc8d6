"""System checks of what the one rule of visibility needs from the deployment."""

from django.conf import settings
from django.core.checks import Error, register


def serves_media_here():
    """MEDIA_URL is a path of this site ("//host/…" is another host)."""
    return settings.MEDIA_URL.startswith("/") and not settings.MEDIA_URL.startswith("//")


@register()
def media_served_through_the_app(app_configs, **kwargs):
    """Uploaded files are served by the app (`communes.serving`), which asks who may see each: MEDIA_URL must be a
    path of this site. An absolute URL (a bucket, another host) would serve every file to anyone."""
    if serves_media_here():
        return []
    return [
        Error(
            f"MEDIA_URL is {settings.MEDIA_URL!r}: uploaded files would be served without the visibility rule.",
            hint="Set MEDIA_URL to a path such as /media/ and keep the storage private (see README, Deployment).",
            id="communes.E001",
        )
    ]
