"""Issue 14's journey in Chromium: a citizen backs an idea, discusses it and hears what became of it.

Without an account: the first support asks for an email, the link sent there confirms it and leaves a participant
pass in the browser; with the pass, the comment and the follow ask for nothing more. The comment is public only once
a moderator of the commune publishes it; the commune's answer reaches the follower by email, with a one-click
unsubscribe. Each page of the journey passes axe-core.

Elements are found by their role and accessible name, as a screen reader user finds them.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from communes.models import CommuneRole
from participation.models import AnswerStatus, Comment, Contribution, ContributionStatus, ProcessPage
from participation.services.answers import answer
from participation.services.moderation import approve
from tests.browser.conftest import accessibility_violations, html_errors_of, open_tab, path_of, widths
from tests.conftest import commune_group
from tests.participation.conftest import link_in_last_email

pytestmark = pytest.mark.django_db

OPEN_PROCESS = "Imaginons ensemble nos cours d'école"
IDEA = "Planter des arbres fruitiers le long du mur nord"
EMAIL = "sacha.soutient@example.org"
REMARK = "Et un petit verger pédagogique, avec des panneaux pour apprendre le nom des arbres."
ANSWER = "Retenue : six pommiers palissés seront plantés le long du mur nord pendant les vacances de printemps."


@pytest.fixture(scope="module")
def tab(chromium):
    page = open_tab(chromium, viewport={"width": 1280, "height": 800})
    page.set_default_timeout(5_000)
    return page


def send(tab, button):
    with tab.expect_navigation(wait_until="load") as navigation:
        button.click()
    return navigation.value


def the_idea(tab):
    return tab.get_by_role("listitem").filter(has_text=IDEA).first


def supports_shown(tab):
    text = the_idea(tab).locator(".support-count").inner_text()
    return int(re.sub(r"\D", "", text) or 0)


def test_a_citizen_supports_comments_follows_and_hears_the_answer(live_site, tab, make_user, java, tmp_path):
    process = ProcessPage.objects.get(title=OPEN_PROCESS)
    idea = Contribution.objects.get(text__startswith=IDEA)
    space = process.get_parent().specific
    tab.context.clear_cookies()
    mail.outbox.clear()

    # 1. Support without a pass: the email first, nothing counted before the link is opened.
    tab.goto(live_site + process.url, wait_until="load")
    before = supports_shown(tab)
    the_idea(tab).locator("summary", has_text="Soutenir cette contribution").click()
    form = the_idea(tab).locator("form").filter(has=tab.get_by_role("button", name="Soutenir cette contribution"))
    form.get_by_label("Adresse électronique").fill(EMAIL)
    assert send(tab, form.get_by_role("button", name="Soutenir cette contribution")).status == 200
    assert accessibility_violations(tab) == ""
    assert mail.outbox[-1].to == [EMAIL]
    assert supports_shown(tab) == before

    # 2. The emailed link asks for a click (mail scanners open links), counts the support, leaves the pass.
    tab.goto(live_site + path_of(link_in_last_email("/participation/confirmer-action/")), wait_until="load")
    assert accessibility_violations(tab) == ""
    assert send(tab, tab.get_by_role("button", name="Je confirme")).status == 200
    expect(tab.get_by_role("status").filter(has_text="Votre demande est confirmée").first).to_be_visible()
    as_pass_holder = tab.goto(live_site + process.url, wait_until="load")
    assert supports_shown(tab) == before + 1
    expect(the_idea(tab).get_by_role("button", name="Retirer mon soutien")).to_be_visible()
    # The page as a pass holder sees it: axe, the Nu validator, a 320 px phone.
    assert accessibility_violations(tab) == ""
    (tmp_path / "pass-holder.html").write_bytes(as_pass_holder.body())
    assert html_errors_of(tmp_path, java) == {"pass-holder": []}
    tab.set_viewport_size({"width": 320, "height": 640})
    found = widths(tab)
    tab.set_viewport_size({"width": 1280, "height": 800})
    assert found["page"] <= found["window"], f"{found['page']} px wide at 320 px"

    # 3. A comment with the pass: no email asked; not public before a moderator of the commune publishes it.
    the_idea(tab).locator("summary", has_text="Commenter").first.click()
    form = the_idea(tab).locator("form").filter(has=tab.get_by_role("button", name="Envoyer mon commentaire"))
    expect(form.get_by_label("Adresse électronique")).to_have_count(0)
    form.get_by_label("Pseudonyme").fill("Sacha")
    form.get_by_label("Votre commentaire").fill(REMARK)
    form.get_by_role("checkbox", name="J'ai lu et j'accepte").check()
    assert send(tab, form.get_by_role("button", name="Envoyer mon commentaire")).status == 200
    comment = Comment.objects.get(text=REMARK)
    assert comment.status == ContributionStatus.AWAITING_MODERATION
    expect(tab.get_by_text(REMARK)).to_have_count(0)
    approve(comment, make_user("moderatrice-essey", commune_group(space, CommuneRole.MODERATORS)))
    tab.goto(live_site + process.url, wait_until="load")
    expect(the_idea(tab).get_by_text(REMARK)).to_be_visible()

    # 4. Following the process with the pass: one click, confirmed at once.
    follow = tab.locator("#suivre")
    assert send(tab, follow.get_by_role("button", name="Suivre cette démarche")).status == 200
    expect(tab.locator("#suivre").get_by_text("Vous suivez cette démarche.")).to_be_visible()
    assert accessibility_violations(tab) == ""

    # 5. The commune answers the idea: the follower is told, with a one-click unsubscribe.
    mail.outbox.clear()
    answer(
        idea,
        make_user("editeur-essey", commune_group(space, CommuneRole.EDITORS)),
        status=AnswerStatus.RETAINED,
        text=ANSWER,
    )
    to_follower = [message for message in mail.outbox if message.to == [EMAIL]]
    assert len(to_follower) == 1 and ANSWER in to_follower[0].body
    assert to_follower[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    tab.goto(live_site + process.url, wait_until="load")
    expect(the_idea(tab).get_by_text(ANSWER)).to_be_visible()
    expect(the_idea(tab).get_by_text("Réponse de la commune : Retenue")).to_be_visible()
