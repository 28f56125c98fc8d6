"""A citizen comments on an idea in Chromium: the form folded under the idea, the confirmation email, the click
that confirms (and leaves a participant pass), nothing public before a moderator of the commune publishes it, the
comment under the idea after, and the next comment without an email to confirm.

Elements are found by their role and accessible name, as a screen reader user finds them.
"""

import pytest
from django.core import mail
from playwright.sync_api import expect

from communes.models import CommuneRole
from participation.models import Comment, ContributionStatus, ProcessPage
from participation.services.moderation import approve
from tests.browser.conftest import open_tab, path_of
from tests.conftest import commune_group
from tests.participation.conftest import link_in_last_email

pytestmark = pytest.mark.django_db

OPEN_PROCESS = "Imaginons ensemble nos cours d'école"
REMARK = "Des bancs à l'ombre des arbres, pour les parents qui attendent la sortie."


@pytest.fixture(scope="module")
def tab(chromium):
    page = open_tab(chromium, viewport={"width": 1280, "height": 800})
    page.set_default_timeout(5_000)
    return page


def send(tab, button):
    with tab.expect_navigation(wait_until="load") as navigation:
        button.click()
    return navigation.value


def comment_form(tab):
    """The first idea's folded "Commenter" form, unfolded."""
    tab.locator("details > summary", has_text="Commenter").first.click()
    return tab.locator("form").filter(has=tab.get_by_role("button", name="Envoyer mon commentaire")).first


def test_a_citizen_comments_confirms_by_email_and_reads_the_comment_once_published(live_site, tab, make_user):
    process = ProcessPage.objects.get(title=OPEN_PROCESS)
    tab.context.clear_cookies()
    mail.outbox.clear()
    tab.goto(live_site + process.url, wait_until="load")

    form = comment_form(tab)
    form.get_by_label("Pseudonyme").fill("Lou")
    form.get_by_label("Adresse électronique").fill("lou.commente@example.org")
    form.get_by_label("Votre commentaire").fill(REMARK)
    form.get_by_role("checkbox", name="J'ai lu et j'accepte").check()
    response = send(tab, form.get_by_role("button", name="Envoyer mon commentaire"))

    assert response.status == 200
    notice = tab.get_by_role("status").filter(has_text="Un courriel vient de vous être envoyé")
    expect(notice).to_be_focused()
    assert [message.to for message in mail.outbox] == [["lou.commente@example.org"]]

    # The emailed link asks for a click (mail scanners open links), then goes back to the process.
    tab.goto(live_site + path_of(link_in_last_email("/participation/confirmer-action/")), wait_until="load")
    response = send(tab, tab.get_by_role("button", name="Je confirme"))
    assert response.status == 200
    expect(tab.get_by_role("status").filter(has_text="Votre demande est confirmée")).to_be_visible()
    comment = Comment.objects.get(email="lou.commente@example.org")
    assert comment.status == ContributionStatus.AWAITING_MODERATION
    expect(tab.get_by_text(REMARK)).to_have_count(0)

    space = process.get_parent().specific
    approve(comment, make_user("moderatrice-commentaires", commune_group(space, CommuneRole.MODERATORS)))
    tab.goto(live_site + process.url, wait_until="load")
    expect(tab.get_by_text(REMARK)).to_be_visible()

    # The browser kept its pass: the next comment asks for no email.
    form = comment_form(tab)
    expect(form.get_by_label("Votre commentaire")).to_be_visible()
    expect(form.get_by_label("Adresse électronique")).to_have_count(0)
