"""Comments on published contributions: one level of replies, pseudonymous, moderated exactly like contributions.

A citizen comments with a participant pass (at once) or without one (an emailed link confirms, and gives the pass);
moderators decide through the same views and services as for contributions, in their own commune only; nothing
awaiting moderation is ever public; the contribution's count stays exact; personal data is listed and erased.
"""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from charter.models import LegalTextKind
from communes.models import CommuneRole, Convention
from communes.services import record_revocation
from participation.models import (
    Appeal,
    Comment,
    CommentLogEntry,
    Contribution,
    ContributionStatus,
    ModerationMode,
    Report,
)
from participation.services import Refused
from participation.services.comments import submit_comment
from participation.services.moderation import approve, hide, reject, report_content, restore
from participation.services.participants import confirm_participant, pass_token
from participation.services.personal_data import (
    erase_personal_data,
    purge_personal_data,
    rights_url,
    stored_data_of,
)
from tests.conftest import commune_group, publish_legal_text
from tests.participation.conftest import add_comment, add_contribution, link_in_last_email, make_process, path_of

IDEA = "Planter des arbres fruitiers le long du mur nord de la cour."
REMARK = "Bonne idée, et des bancs à leur ombre."


@pytest.fixture
def idea(process):
    return add_contribution(process, IDEA, email="autrice@example.org", pseudonym="Autrice")


def comment_url(contribution):
    process = contribution.process
    return process.url + process.reverse_subpage("comment", kwargs={"contribution_id": contribution.pk})


def comment_data(**overrides):
    from charter.services import current_acceptance_terms

    terms = current_acceptance_terms()
    data = {
        "pseudonym": "Dominique",
        "email": "dominique.secret@example.org",
        "text": REMARK,
        "accept": "on",
        "charter_version": terms.charter.pk,
        "terms_version": terms.terms.pk,
        "website": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def with_pass(client, email="dominique.secret@example.org"):
    participant = confirm_participant(email)
    client.cookies[settings.PARTICIPANT_PASS_COOKIE] = pass_token(participant)
    return participant


def terms_kwargs():
    from charter.services import current_acceptance_terms

    terms = current_acceptance_terms()
    return {"charter_version": terms.charter, "terms_version": terms.terms}


# --- A citizen comments -------------------------------------------------------------------------------


def test_without_a_pass_the_emailed_link_confirms_once_and_gives_a_pass(client, idea, moderators):
    sent = client.post(comment_url(idea), comment_data())

    comment = Comment.objects.get()
    assert sent.status_code == 303
    assert comment.status == ContributionStatus.AWAITING_CONFIRMATION
    assert comment.email == "dominique.secret@example.org"
    assert "confirmer votre commentaire" in client.get(sent.url).content.decode()
    link = path_of(link_in_last_email("/participation/confirmer-action/"))

    asked = client.get(link)
    assert asked.status_code == 200 and "Je confirme" in asked.content.decode()
    Comment.objects.filter(pk=comment.pk).update()  # the visit alone does nothing
    comment.refresh_from_db()
    assert comment.status == ContributionStatus.AWAITING_CONFIRMATION

    confirmed = client.post(link)
    again = client.post(link)

    comment.refresh_from_db()
    assert confirmed.status_code == 303 and again.status_code == 303
    assert settings.PARTICIPANT_PASS_COOKIE in confirmed.cookies
    assert comment.status == ContributionStatus.AWAITING_MODERATION
    assert (
        CommentLogEntry.objects.filter(object_id=str(comment.pk), action="participation.comment_confirmed").count() == 1
    )
    assert any(moderators[0].email in message.to for message in mail.outbox), "moderators are told"
    assert REMARK not in client.get(idea.process.url).content.decode(), "awaiting moderation: not public"


def test_with_a_pass_the_comment_goes_straight_to_moderation_under_the_pass_email(client, idea):
    participant = with_pass(client)
    mail.outbox.clear()

    sent = client.post(comment_url(idea), comment_data(email=None))

    comment = Comment.objects.get()
    assert sent.status_code == 303
    assert comment.status == ContributionStatus.AWAITING_MODERATION
    assert (comment.email, comment.contributor_key) == (participant.email, participant.contributor_key)
    assert not [message for message in mail.outbox if participant.email in message.to], "no confirmation to ask"
    assert "envoyé aux modérateurs" in client.get(sent.url).content.decode()


def test_the_form_asks_for_an_email_only_without_a_pass(client, idea):
    without = client.get(idea.process.url).content.decode()
    with_pass(client)
    holding = client.get(idea.process.url).content.decode()

    assert f'id="commentaire-{idea.pk}_email"' in without
    assert f'id="commentaire-{idea.pk}_email"' not in holding
    assert f'id="commentaire-{idea.pk}_text"' in holding


def test_after_publication_mode_publishes_counts_and_tells_the_contributions_author(client, process, idea):
    process.moderation_mode = ModerationMode.AFTER
    process.save_revision().publish()
    with_pass(client)
    mail.outbox.clear()

    client.post(comment_url(idea), comment_data(email=None))

    idea.refresh_from_db()
    page = client.get(process.url).content.decode()
    assert Comment.objects.get().status == ContributionStatus.PUBLISHED
    assert idea.comment_count == 1
    assert REMARK.replace("'", "&#x27;") in page and "1 commentaire" in page
    to_author = [message for message in mail.outbox if message.to == ["autrice@example.org"]]
    assert len(to_author) == 1 and "Un commentaire sur votre contribution" in to_author[0].subject
    assert "/participation/mes-donnees/" in to_author[0].body


# --- Refusals, in French ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ContributionStatus.AWAITING_MODERATION, ContributionStatus.HIDDEN])
def test_a_comment_on_an_unpublished_contribution_is_refused(client, process, status):
    pending = add_contribution(process, IDEA, status=status)

    response = client.post(comment_url(pending), comment_data())

    assert response.status_code == 400
    assert "n'est pas publiée" in response.content.decode().replace("&#x27;", "'")
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "change, message",
    [
        ("closed", "Cette démarche est terminée"),
        ("inactive commune", "la commune ne participe plus"),
        ("no comments", "ne recueille pas de commentaires"),
    ],
)
def test_comments_are_refused_where_the_process_does_not_take_them(idea, change, message):
    process = idea.process
    if change == "closed":
        process.phases.update(ends_on=datetime.date.today() - datetime.timedelta(days=1))
    elif change == "inactive commune":
        record_revocation(
            Convention.objects.get(commune=idea.commune), decided_on=datetime.date.today(), reason="Manquement."
        )
    else:
        process.accepts_comments = False
        process.save_revision().publish()
    idea.refresh_from_db()

    with pytest.raises(Refused, match=message):
        submit_comment(idea, email="a@example.org", pseudonym="A", text=REMARK, **terms_kwargs())
    assert not Comment.objects.exists()


def test_replies_go_one_level_deep_and_only_to_published_comments(idea):
    comment = add_comment(idea, "Un premier commentaire.")
    reply = add_comment(idea, "Une réponse.", parent=comment)
    pending = add_comment(idea, "En attente.", status=ContributionStatus.AWAITING_MODERATION)
    other = add_comment(add_contribution(idea.process, "Une autre idée publiée."), "Ailleurs.")

    for parent, message in (
        (reply, "On ne répond pas à une réponse"),
        (pending, "n'est pas publié"),
        (other, "ne porte pas sur cette contribution"),
    ):
        with pytest.raises(Refused, match=message):
            submit_comment(idea, email="a@example.org", pseudonym="A", text=REMARK, parent=parent, **terms_kwargs())
    submit_comment(idea, email="a@example.org", pseudonym="A", text=REMARK, parent=comment, **terms_kwargs())
    assert Comment.objects.filter(parent=comment).count() == 2


def test_a_reply_to_a_reply_through_the_form_is_refused_in_french(client, idea):
    comment = add_comment(idea, "Un premier commentaire.")
    reply = add_comment(idea, "Une réponse.", parent=comment)

    response = client.post(comment_url(idea), comment_data(parent=reply.pk))

    assert response.status_code == 400
    assert "On ne répond pas à une réponse" in response.content.decode()
    assert f'id="reponse-{reply.pk}_text"' not in response.content.decode(), "no form to answer a reply"


@pytest.mark.parametrize("text", ["x", "x" * 1001])
def test_a_comment_too_short_or_too_long_is_refused(client, idea, text):
    response = client.post(comment_url(idea), comment_data(text=text))

    assert response.status_code == 400
    assert "caractères" in response.content.decode()
    assert not Comment.objects.exists()


def test_a_comment_written_before_the_charter_changed_asks_to_accept_the_new_one(client, idea):
    shown = comment_data()
    publish_legal_text(LegalTextKind.CHARTER, datetime.date.today(), text="Nouvelle charte.")

    response = client.post(comment_url(idea), shown)

    assert response.status_code == 400
    assert "mises à jour depuis l'affichage" in response.content.decode().replace("&#x27;", "'")
    assert not Comment.objects.exists()


def test_the_same_comment_twice_is_recorded_once(client, idea):
    client.post(comment_url(idea), comment_data())
    again = client.post(comment_url(idea), comment_data())

    assert again.status_code == 400
    assert "déjà envoyé ce commentaire" in again.content.decode()
    assert Comment.objects.count() == 1


def test_comments_are_rate_limited(client, idea, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": (1, 600)}

    first = client.post(comment_url(idea), comment_data())
    second = client.post(comment_url(idea), comment_data(text="Un autre commentaire, différent."))

    assert first.status_code == 303
    assert second.status_code == 400 and "trop de demandes" in second.content.decode()
    assert Comment.objects.count() == 1


def test_an_internal_process_takes_comments_from_its_agents_only(client, commune_space, legal_texts, make_user):
    internal = make_process(commune_space, "Télétravail des agents", audience="agents")
    idea = add_contribution(internal, IDEA)
    public = make_process(commune_space, "Une démarche publique")

    anonymous = client.post(comment_url(idea), comment_data())
    client.force_login(make_user("citoyen"))
    citizen = client.post(comment_url(idea), comment_data())
    # The internal contribution's id through a public process's route is not found either.
    through_public = client.post(
        public.url + public.reverse_subpage("comment", kwargs={"contribution_id": idea.pk}), comment_data()
    )
    client.force_login(make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS)))
    agent = client.post(comment_url(idea), comment_data())

    assert anonymous.status_code == 302 and "/connexion/" in anonymous.url
    assert citizen.status_code == 404
    assert through_public.status_code == 404
    assert agent.status_code == 303
    assert Comment.objects.count() == 1


# --- What the public sees -----------------------------------------------------------------------------


def test_published_comments_and_replies_are_shown_oldest_first_with_pseudonym_and_date(client, idea):
    first = add_comment(idea, "Premier commentaire.", pseudonym="Alix")
    add_comment(idea, "Deuxième commentaire.", pseudonym="Basile")
    add_comment(idea, "Réponse à Alix.", parent=first, pseudonym="Chloé")
    add_comment(idea, "Texte en attente zqpending.", status=ContributionStatus.AWAITING_MODERATION)
    add_comment(idea, "Texte refusé zqrejected.", status=ContributionStatus.REJECTED)
    add_comment(idea, "Texte masqué zqhidden.", status=ContributionStatus.HIDDEN)

    page = client.get(idea.process.url).content.decode()

    assert page.index("Premier commentaire.") < page.index("Réponse à Alix.") < page.index("Deuxième commentaire.")
    assert "3 commentaires" in page
    assert "<strong>Alix</strong>, le " in page
    assert "zqpending" not in page and "zqrejected" not in page and "zqhidden" not in page
    assert f'id="reponse-{first.pk}_text"' in page, "a reply form under a comment"
    assert "dominique@example.org" not in page


def test_a_comment_awaiting_moderation_is_in_no_public_listing(client, idea, commune_space):
    add_comment(idea, "Texte en attente zqpending.", status=ContributionStatus.AWAITING_MODERATION)
    urls = [
        idea.process.url,
        "/recherche/?q=attente",
        reverse("wagtailapi:pages:detail", args=[idea.process.pk]),
        reverse("wagtailapi:pages:listing") + "?search=zqpending",
        reverse("feeds:commune_rss", args=[commune_space.slug]),
        reverse("feeds:rss"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "zqpending" not in response.content.decode(), url


def test_the_process_page_fetches_comments_in_a_fixed_number_of_queries(client, process):
    def page_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(process.url).status_code == 200
        return len(queries)

    def add_commented(count):
        for number in range(count):
            contribution = add_contribution(process, f"Idée numéro {number} pour la cour de l'école.")
            comment = add_comment(contribution, f"Commentaire {number}.")
            add_comment(contribution, f"Réponse {number}.", parent=comment)

    add_commented(2)
    page_queries()  # caches warmed
    few = page_queries()
    add_commented(8)
    page_queries()  # the first visit after a change counts again (the list's count is cached per process)
    many = page_queries()

    assert few == many


# --- Moderation, in the admin, exactly as for contributions ------------------------------------------------


@pytest.fixture
def pending_comment(client, idea):
    with_pass(client)
    client.post(comment_url(idea), comment_data(email=None))
    client.cookies.pop(settings.PARTICIPANT_PASS_COOKIE)
    return Comment.objects.get()


def moderate(client, comment, action, **data):
    return client.post(reverse("participation_moderate_comment", args=[comment.pk, action]), data)


def test_a_moderator_publishes_a_comment_the_author_and_the_contributions_author_are_told(
    client, pending_comment, moderators
):
    client.force_login(moderators[0])
    listing = client.get(reverse("comments:index") + "?queue=awaiting").content.decode()
    inspect = client.get(reverse("comments:inspect", args=[pending_comment.pk])).content.decode()
    mail.outbox.clear()

    response = moderate(client, pending_comment, "approve")

    pending_comment.refresh_from_db()
    idea = pending_comment.contribution
    idea.refresh_from_db()
    assert "Bonne idée" in listing and IDEA in inspect
    assert response.status_code == 302
    assert pending_comment.status == ContributionStatus.PUBLISHED
    assert pending_comment.decided_by == moderators[0]
    assert idea.comment_count == 1
    recipients = {message.to[0]: message for message in mail.outbox}
    assert "Votre commentaire est publié" == recipients["dominique.secret@example.org"].subject
    assert rights_url("dominique.secret@example.org") in recipients["dominique.secret@example.org"].body
    assert "Un commentaire sur votre contribution" == recipients["autrice@example.org"].subject
    client.logout()
    assert REMARK.replace("'", "&#x27;") in client.get(idea.process.url).content.decode()


def test_a_rejection_cites_a_rule_and_can_be_appealed_once_decided_by_someone_else(client, pending_comment, moderators):
    first, second = moderators
    client.force_login(first)
    without_rule = moderate(client, pending_comment, "reject", rule_key="", reason="")
    pending_comment.refresh_from_db()
    assert without_rule.status_code == 302 and pending_comment.status == ContributionStatus.AWAITING_MODERATION

    moderate(client, pending_comment, "reject", rule_key="publicite", reason="Message publicitaire.")
    pending_comment.refresh_from_db()
    assert (pending_comment.status, pending_comment.rule_title) == (
        ContributionStatus.REJECTED,
        "Pas de publicité ni de spam",
    )
    appeal_link = path_of(link_in_last_email("/participation/contester-commentaire/"))

    client.logout()
    assert "Votre commentaire sur une contribution" in client.get(appeal_link).content.decode()
    filed = client.post(appeal_link, {"explanation": "Ce n'était pas de la publicité, je le promets."})
    twice = client.post(appeal_link, {"explanation": "Je conteste encore, une seconde fois."})
    assert filed.status_code == 303 and twice.status_code == 400
    appeal = Appeal.objects.get(comment=pending_comment)
    assert appeal.contribution is None

    decide_url = reverse("participation_decide_comment_appeal", args=[pending_comment.pk])
    client.force_login(first)
    by_first = client.post(decide_url, {"outcome": "overturned", "response": "Je maintiens."})
    appeal.refresh_from_db()
    assert not appeal.is_decided, "never the moderator who decided first"
    client.force_login(second)
    client.post(decide_url, {"outcome": "overturned", "response": "Vous avez raison, le voici publié."})

    pending_comment.refresh_from_db()
    assert by_first.status_code in (302, 403)
    assert pending_comment.status == ContributionStatus.PUBLISHED
    assert pending_comment.contribution.__class__.objects.get(pk=pending_comment.contribution_id).comment_count == 1
    assert "Réponse à votre contestation" in mail.outbox[-1].subject


def test_hiding_and_restoring_keep_the_count_exact(idea, moderators):
    comment = add_comment(idea, "Un commentaire publié.")
    reply = add_comment(idea, "Sa réponse.", parent=comment)
    idea.refresh_from_db()
    assert idea.comment_count == 2

    hide(comment, moderators[0], rule_key="respect", reason="Propos irrespectueux.")
    idea.refresh_from_db()
    assert idea.comment_count == 0, "a hidden comment takes its replies out of sight"

    restore(comment, moderators[0])
    idea.refresh_from_db()
    assert idea.comment_count == 2
    reject(
        add_comment(idea, "À refuser.", status=ContributionStatus.AWAITING_MODERATION),
        moderators[0],
        rule_key="respect",
        reason="Non.",
    )
    approve(add_comment(idea, "À publier.", status=ContributionStatus.AWAITING_MODERATION), moderators[0])
    idea.refresh_from_db()
    assert idea.comment_count == 3
    assert reply.pk


def test_a_decision_on_the_contribution_keeps_its_comment_count(idea, moderators):
    stale = Contribution.objects.get(pk=idea.pk)  # read before the comment is published
    add_comment(idea, "Un commentaire publié.")

    hide(stale, moderators[0], rule_key="respect", reason="Propos irrespectueux.")

    idea.refresh_from_db()
    assert idea.comment_count == 1


def test_reports_hide_a_comment_past_the_threshold_one_per_client(client, idea, settings):
    comment = add_comment(idea, "Un commentaire signalé.")
    url = idea.process.url + idea.process.reverse_subpage("report_comment", kwargs={"comment_id": comment.pk})

    first = client.post(url, {"rule_key": "respect"}, REMOTE_ADDR="192.0.2.1")
    again = client.post(url, {"rule_key": "respect"}, REMOTE_ADDR="192.0.2.1")
    for number in range(2, settings.REPORT_THRESHOLD + 1):
        client.post(url, {"rule_key": "respect"}, REMOTE_ADDR=f"198.51.100.{number}")

    comment.refresh_from_db()
    idea.refresh_from_db()
    assert first.status_code == 303 and again.status_code == 400
    assert "déjà signalé ce commentaire" in again.content.decode()
    assert Report.objects.filter(comment=comment).count() == settings.REPORT_THRESHOLD
    assert comment.status == ContributionStatus.HIDDEN and comment.decided_by is None
    assert idea.comment_count == 0
    assert CommentLogEntry.objects.filter(action="participation.comment_hidden_by_reports").exists()


def test_a_report_of_a_comment_and_of_a_contribution_are_counted_apart(idea):
    comment = add_comment(idea, "Un commentaire.")
    report_content(comment, rule_key="respect", client_address="192.0.2.1")
    report_content(idea, rule_key="respect", client_address="192.0.2.1")

    assert Report.objects.filter(comment=comment).count() == 1
    assert Report.objects.filter(contribution=idea).count() == 1


# --- Moderation from the wrong side ---------------------------------------------------------------------


def bulk_url(action, *comments):
    url = reverse("wagtail_bulk_action", args=["participation", "comment", action])
    return url + "?" + "&".join(f"id={comment.pk}" for comment in comments)


def test_a_moderator_of_another_commune_sees_and_changes_nothing(client, pending_comment, nancy_moderator):
    client.force_login(nancy_moderator)

    listing = client.get(reverse("comments:index")).content.decode()
    inspect = client.get(reverse("comments:inspect", args=[pending_comment.pk]))
    history = client.get(reverse("comments:history", args=[pending_comment.pk]))
    actions = [
        moderate(client, pending_comment, action, rule_key="respect", reason="x")
        for action in ("approve", "reject", "hide", "restore")
    ]
    bulk = client.post(bulk_url("approve", pending_comment))
    appeal = client.post(
        reverse("participation_decide_comment_appeal", args=[pending_comment.pk]),
        {"outcome": "overturned", "response": "x"},
    )
    home = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Bonne idée" not in listing
    assert inspect.status_code == 404 and history.status_code == 404
    assert all(response.status_code == 404 for response in actions)
    assert bulk.status_code == 404 and appeal.status_code == 404
    assert "Commentaires à modérer : <strong>0</strong>" in home
    pending_comment.refresh_from_db()
    assert pending_comment.status == ContributionStatus.AWAITING_MODERATION


def test_the_dashboard_and_the_bulk_actions_serve_the_communes_own_moderators(client, pending_comment, moderators):
    client.force_login(moderators[0])

    home = client.get(reverse("wagtailadmin_home")).content.decode()
    client.post(bulk_url("approve", pending_comment))

    pending_comment.refresh_from_db()
    assert "Commentaires à modérer : <strong>1</strong>" in home
    assert pending_comment.status == ContributionStatus.PUBLISHED


def test_moderators_of_an_ended_commune_read_its_comments_and_decide_nothing(client, pending_comment, moderators):
    record_revocation(
        Convention.objects.get(commune=pending_comment.commune),
        decided_on=datetime.date.today(),
        reason="Manquement constaté au règlement.",
    )
    client.force_login(moderators[0])

    listing = client.get(reverse("comments:index")).content.decode()
    inspect = client.get(reverse("comments:inspect", args=[pending_comment.pk])).content.decode()
    approved = moderate(client, pending_comment, "approve")
    bulk = client.post(bulk_url("approve", pending_comment))

    assert "Bonne idée" in listing and "sans pouvoir décider" in inspect
    assert approved.status_code in (302, 403) and bulk.status_code in (200, 302)
    pending_comment.refresh_from_db()
    assert pending_comment.status == ContributionStatus.AWAITING_MODERATION


def test_anonymous_visitors_and_editors_cannot_moderate_comments(client, pending_comment, essey_editor):
    anonymous = moderate(client, pending_comment, "approve")
    client.force_login(essey_editor)
    editor = moderate(client, pending_comment, "approve")
    editor_listing = client.get(reverse("comments:index"))

    assert anonymous.status_code == 302 and "/login/" in anonymous.url
    assert editor.status_code in (403, 404)
    assert editor_listing.status_code in (302, 403)
    pending_comment.refresh_from_db()
    assert pending_comment.status == ContributionStatus.AWAITING_MODERATION


def test_the_audit_log_of_comments_is_scoped_to_the_moderators_communes(
    client, pending_comment, moderators, nancy_moderator
):
    client.force_login(moderators[0])
    moderate(client, pending_comment, "approve")

    own = CommentLogEntry.objects.viewable_by_user(moderators[0])
    others = CommentLogEntry.objects.viewable_by_user(nancy_moderator)
    client.force_login(nancy_moderator)
    history = client.get(reverse("wagtailadmin_reports:site_history")).content.decode()

    assert own.filter(action="participation.comment_approved", user=moderators[0]).exists()
    assert not others.exists()
    assert f"Commentaire n° {pending_comment.pk}" not in history


def test_moderators_do_not_see_commenters_emails(client, pending_comment, moderators):
    client.force_login(moderators[0])

    for url in (reverse("comments:index"), reverse("comments:inspect", args=[pending_comment.pk])):
        assert "dominique.secret@example.org" not in client.get(url).content.decode(), url


# --- Personal data ------------------------------------------------------------------------------------------


def test_the_personal_page_lists_the_comments_and_withdraws_one(client, idea):
    comment = add_comment(idea, "Mon commentaire publié.", email="dominique@example.org")
    page_url = path_of(rights_url("dominique@example.org"))

    page = client.get(page_url).content.decode()
    first_step = client.post(page_url, {"action": "withdraw_comment", "comment": comment.pk})
    asked = client.get(first_step.url)
    assert first_step.status_code == 303 and Comment.objects.get(pk=comment.pk).status == ContributionStatus.PUBLISHED
    done = client.post(page_url, {"action": "withdraw_comment", "comment": comment.pk, "confirmed": "oui"})
    someone_else = add_comment(idea, "Celui d'une autre personne.", email="autre@example.org")
    refused = client.post(page_url, {"action": "withdraw_comment", "comment": someone_else.pk, "confirmed": "oui"})

    comment.refresh_from_db()
    idea.refresh_from_db()
    assert "Mes commentaires" in page and "Mon commentaire publié." in page
    assert "Retirer ce commentaire ?" in asked.content.decode()
    assert done.status_code == 303
    assert comment.status == ContributionStatus.WITHDRAWN
    assert refused.status_code == 404
    assert idea.comment_count == 1


def test_erasure_anonymises_comments_and_keeps_published_text_only_on_request(idea):
    published = add_comment(idea, "Texte publié à garder.", email="dominique@example.org")
    pending = add_comment(
        idea, "Texte en attente.", email="dominique@example.org", status=ContributionStatus.AWAITING_MODERATION
    )
    unconfirmed = add_comment(
        idea, "Pas encore confirmé.", email="dominique@example.org", status=ContributionStatus.AWAITING_CONFIRMATION
    )
    key = published.contributor_key

    assert [entry["texte"] for entry in stored_data_of(key)["commentaires"]] == [
        "Pas encore confirmé.",
        "Texte en attente.",
        "Texte publié à garder.",
    ]
    erase_personal_data(key, keep_published_text=True)

    published.refresh_from_db()
    pending.refresh_from_db()
    idea.refresh_from_db()
    assert not Comment.objects.filter(pk=unconfirmed.pk).exists()
    assert (published.pseudonym, published.email, published.text) == ("Anonyme", "", "Texte publié à garder.")
    assert (pending.email, pending.text, pending.status) == ("", "", ContributionStatus.WITHDRAWN)
    assert stored_data_of(key)["commentaires"] == []
    assert idea.comment_count == 1


def test_erasure_without_keeping_text_takes_published_comments_off_the_page(client, idea):
    comment = add_comment(idea, "Texte publié à effacer.", email="dominique@example.org")

    erase_personal_data(comment.contributor_key)

    comment.refresh_from_db()
    idea.refresh_from_db()
    assert comment.text == "" and comment.status == ContributionStatus.WITHDRAWN
    assert idea.comment_count == 0
    assert "Texte publié à effacer." not in client.get(idea.process.url).content.decode()


def test_retention_anonymises_comments_and_unconfirmed_ones_expire(commune_space, legal_texts):
    old = make_process(commune_space, "Une démarche ancienne", starts=-900, ends=-800)
    idea = add_contribution(old, IDEA)
    kept = add_comment(idea, "Un vieux commentaire.")
    open_idea = add_contribution(make_process(commune_space, "Une démarche ouverte"), IDEA)
    expired = add_comment(open_idea, "Jamais confirmé.", status=ContributionStatus.AWAITING_CONFIRMATION)
    Comment.objects.filter(pk=expired.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    fresh = add_comment(open_idea, "Tout juste envoyé.", status=ContributionStatus.AWAITING_CONFIRMATION)

    counts = purge_personal_data()

    kept.refresh_from_db()
    assert counts["comments_anonymised"] == 1 and counts["unconfirmed_comments_deleted"] == 1
    assert (kept.pseudonym, kept.email, kept.text) == ("Anonyme", "", "Un vieux commentaire.")
    assert kept.anonymised_at is not None
    assert not Comment.objects.filter(pk=expired.pk).exists()
    assert Comment.objects.filter(pk=fresh.pk).exists()


def test_the_confirmation_link_of_an_erased_comment_is_refused(client, idea):
    client.post(comment_url(idea), comment_data())
    link = path_of(link_in_last_email("/participation/confirmer-action/"))
    Comment.objects.all().delete()

    response = client.post(link)

    assert response.status_code == 400
    assert "Ce commentaire n'existe plus" in response.content.decode().replace("&#x27;", "'")
