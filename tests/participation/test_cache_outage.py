"""Redis stopped (CACHE_URL=redis://…): the site still answers, takes and confirms contributions, takes reports."""

from participation.models import Contribution, ContributionStatus, Report
from participation.services.links import confirmation_url
from tests.participation.conftest import add_contribution, path_of, submit


def test_with_redis_stopped_the_site_answers_and_takes_contributions(
    client, process, moderators, settings, closed_redis_url
):
    redis = {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": closed_redis_url}
    # Both caches on the stopped Redis, as config/settings.py sets them; anonymous pages are cached as in production.
    settings.CACHES = {"default": redis, "pages": {**redis, "KEY_PREFIX": "pages"}}
    settings.PAGE_CACHE_SECONDS = 60
    published = add_contribution(process, "Une idée publiée que quelqu'un signale.")

    home = client.get("/")
    page = client.get(process.url)
    sent = submit(client, process, follow=True)
    contribution = Contribution.objects.get(status=ContributionStatus.AWAITING_CONFIRMATION)
    confirmed = client.post(path_of(confirmation_url(contribution)), follow=True)
    reported = client.post(
        process.url + f"contributions/{published.pk}/signaler/", {"rule_key": "respect"}, follow=True
    )

    assert [home.status_code, page.status_code, sent.status_code, confirmed.status_code] == [200, 200, 200, 200]
    assert reported.status_code == 200 and "signalement est enregistré" in reported.content.decode()
    contribution.refresh_from_db()
    assert contribution.confirmed_at is not None
    assert contribution.status == ContributionStatus.AWAITING_MODERATION
    assert Report.objects.filter(contribution=published).count() == 1
