"""The links that confirm an action of a visitor without a pass (support, comment, follow), from the wrong side
(issue 14's review): they name no address, do nothing once the process went offline or became internal, survive two
clicks at the same instant, and are forgotten with the person's data or once expired."""

import base64
import datetime

import pytest
from django.test import Client
from django.utils import timezone

from participation.models import PendingAction, ProcessFollow, Support
from participation.services.personal_data import erase_personal_data, purge_personal_data
from tests.participation.conftest import add_contribution, link_in_last_email, path_of

EMAIL = "nouvelle.venue@example.org"


def ask_support(client, process, idea):
    client.post(f"{process.url}contributions/{idea.pk}/soutenir/", {"action": "support", "email": EMAIL})
    return path_of(link_in_last_email("/participation/confirmer-action/"))


def test_the_link_names_no_address(client, process):
    idea = add_contribution(process, "Une idée à soutenir pour la cour.")

    token = ask_support(client, process, idea).rstrip("/").rsplit("/", 1)[-1]

    readable = base64.urlsafe_b64decode(token.split(":")[0] + "===").decode("latin-1")
    assert "nouvelle" not in readable.lower() and "example" not in readable.lower()
    assert PendingAction.objects.get().email == EMAIL


def put_out_of_reach(process, change):
    """What takes a process out of the public's reach, each way the site's rule knows."""
    from wagtail.models import PageViewRestriction

    if change == "unpublished":
        process.unpublish()
    elif change == "internal":
        process.audience = "agents"
        process.save_revision().publish()
    elif change == "space unpublished":  # Wagtail leaves the process live under it
        process.get_parent().specific.unpublish()
    else:  # a view restriction
        PageViewRestriction.objects.create(page=process, restriction_type=PageViewRestriction.LOGIN)


OUT_OF_REACH = ["unpublished", "internal", "space unpublished", "restricted"]


@pytest.mark.parametrize("change", OUT_OF_REACH)
def test_a_support_link_does_nothing_once_the_process_is_out_of_reach(client, process, change):
    idea = add_contribution(process, "Une idée à soutenir pour la cour.")
    link = ask_support(client, process, idea)
    put_out_of_reach(process, change)

    response = Client().post(link)

    assert response.status_code == 400 and "plus ouverte au public" in response.content.decode()
    assert not Support.objects.exists()


def test_a_follow_link_does_nothing_once_the_process_is_internal(client, process):
    client.post(f"{process.url}suivre/", {"suivre-email": EMAIL, "suivre-website": ""})
    link = path_of(link_in_last_email("/participation/confirmer-action/"))
    process.audience = "agents"
    process.save_revision().publish()

    Client().post(link)

    assert ProcessFollow.objects.get().confirmed_at is None


def test_erasure_and_the_purge_forget_the_links(client, process):
    from participation.models import contributor_key

    idea = add_contribution(process, "Une idée à soutenir pour la cour.")
    ask_support(client, process, idea)
    erase_personal_data(contributor_key(EMAIL))
    assert not PendingAction.objects.exists()

    ask_support(client, process, idea)
    PendingAction.objects.update(created_at=timezone.now() - datetime.timedelta(days=3))
    counts = purge_personal_data()
    assert counts["expired_action_links_deleted"] == 1 and not PendingAction.objects.exists()


def test_results_to_come_cannot_be_probed_through_the_api(client, process):
    """Before (review): `?results_published_on=<day>` counted 1 for the hidden date and 0 for the next day."""
    future = datetime.date.today() + datetime.timedelta(days=20)
    process.results, process.results_published_on = "<p>Secret</p>", future
    process.save_revision().publish()
    listing = "/api/v2/pages/?type=participation.ProcessPage"

    probes = [
        client.get(f"{listing}&results_published_on={day.isoformat()}")
        for day in (future, future + datetime.timedelta(days=1))
    ]
    by_text = [client.get(f"{listing}&results=%3Cp%3E{text}%3C/p%3E") for text in ("Secret", "Autre")]
    ordered = client.get(f"{listing}&order=results_published_on")

    assert [response.status_code for response in (*probes, *by_text, ordered)] == [400] * 5


@pytest.mark.parametrize("change", OUT_OF_REACH)
def test_followers_hear_nothing_of_a_process_out_of_reach(client, process, make_user, change):
    from communes.models import CommuneRole
    from participation.models import AnswerStatus
    from participation.services.answers import answer
    from participation.services.follows import follow
    from participation.services.participants import confirm_participant
    from tests.conftest import commune_group

    idea = add_contribution(process, "Une idée à laquelle la commune répond.")
    follow(process, confirm_participant(EMAIL))
    put_out_of_reach(process, change)
    process.refresh_from_db()

    editor = make_user("editeur-interne", commune_group(process.get_parent().specific, CommuneRole.EDITORS))
    from django.core import mail

    mail.outbox.clear()
    answer(idea, editor, status=AnswerStatus.RETAINED, text="Une réponse désormais interne.")

    assert EMAIL not in [address for message in mail.outbox for address in message.to]


def test_the_api_counts_contributions_supports_comments_and_answers_never_who(client, process):
    """Issue 14, item 8: open data gains the counts; no key, email or pseudonym of a supporter leaves."""
    from participation.models import AnswerStatus, ContributionStatus

    retained = AnswerStatus.RETAINED
    add_contribution(process, "Une idée retenue.", support_count=7, comment_count=2, answer_status=retained)
    add_contribution(process, "Une idée à l'étude.", support_count=3, answer_status=AnswerStatus.UNDER_STUDY)
    add_contribution(process, "Une idée pas encore publiée.", status=ContributionStatus.AWAITING_MODERATION)
    Support.objects.create(contribution=process.contributions.first(), participant_key="a" * 64)

    detail = client.get(f"/api/v2/pages/{process.pk}/").json()["participation"]
    listing = client.get("/api/v2/pages/?type=participation.ProcessPage&fields=participation").json()

    assert detail == {
        "contributions": 2,
        "supports": 10,
        "comments": 2,
        "answers": {"under_study": 1, "retained": 1, "done": 0, "not_retained": 0},
    }
    assert [item["participation"] for item in listing["items"]] == [detail]
    assert "a" * 64 not in str(listing) and "camille@example.org" not in str(listing)
