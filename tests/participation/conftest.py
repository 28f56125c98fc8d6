import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from charter.models import LegalTextKind, LegalTextVersion
from communes.models import CommuneRole, CommuneSpacePage
from participation.models import Comment, Contribution, ContributionStatus, ProcessPage, ProcessPhase
from participation.services.processes import ensure_process
from tests.conftest import body, commune_group, indexed_as_in_production, publish_legal_text

TODAY = datetime.date.today()


@pytest.fixture(scope="module")
def base_legal_texts(module_transaction):
    """The charter (with its moderation rules) and the CGU, built once per module (tests/conftest.py)."""
    rules = [("respect", "Respecter les personnes"), ("publicite", "Pas de publicité ni de spam")]
    with indexed_as_in_production():
        return {
            "charter": publish_legal_text(LegalTextKind.CHARTER, "2022-03-01", body=body("Charte.", rules=rules)).pk,
            "terms": publish_legal_text(LegalTextKind.TERMS, "2022-03-01").pk,
        }


@pytest.fixture
def legal_texts(base_legal_texts, db):
    return {name: LegalTextVersion.objects.get(pk=pk) for name, pk in base_legal_texts.items()}


def make_process(space, title="Nos cours d'école", *, starts=-7, ends=30, **fields):
    phases = [
        ProcessPhase(
            title="Contributions",
            starts_on=TODAY + datetime.timedelta(days=starts),
            ends_on=TODAY + datetime.timedelta(days=ends),
        )
    ]
    process, _ = ensure_process(space, title=title, summary="Vos idées pour la cour.", phases=phases, **fields)
    return process


def add_contribution(
    process, text, *, status=ContributionStatus.PUBLISHED, pseudonym="Camille", email="camille@example.org", **fields
):
    """A contribution as the services leave it once confirmed: published unless `status` says otherwise."""
    from charter.services import current_acceptance_terms

    terms = current_acceptance_terms()
    now = timezone.now()
    return Contribution.objects.create(
        process=process,
        commune_id=process.get_parent().specific.commune_id,
        pseudonym=pseudonym,
        email=email,
        text=text,
        charter_version=terms.charter,
        terms_version=terms.terms,
        status=status,
        confirmed_at=now,
        published_at=now if status == ContributionStatus.PUBLISHED else None,
        **fields,
    )


def add_comment(
    contribution,
    text,
    *,
    parent=None,
    status=ContributionStatus.PUBLISHED,
    pseudonym="Dominique",
    email="dominique@example.org",
    **fields,
):
    """A comment as the services leave it once confirmed (published unless `status` says otherwise); the
    contribution's count is kept as the services keep it."""
    from charter.services import current_acceptance_terms
    from participation.services.comment_counts import refresh_comment_count

    terms = current_acceptance_terms()
    now = timezone.now()
    comment = Comment.objects.create(
        contribution=contribution,
        parent=parent,
        commune_id=contribution.commune_id,
        pseudonym=pseudonym,
        email=email,
        text=text,
        charter_version=terms.charter,
        terms_version=terms.terms,
        status=status,
        confirmed_at=None if status == ContributionStatus.AWAITING_CONFIRMATION else now,
        published_at=now if status == ContributionStatus.PUBLISHED else None,
        **fields,
    )
    refresh_comment_count(contribution.pk)
    return comment


@pytest.fixture(scope="module")
def base_process(base_essey, base_legal_texts):
    with indexed_as_in_production():
        return make_process(CommuneSpacePage.objects.get(pk=base_essey)).pk


@pytest.fixture
def process(base_process, commune_space, legal_texts):
    return ProcessPage.objects.get(pk=base_process)


@pytest.fixture
def moderators(make_user, commune_space):
    group = commune_group(commune_space, CommuneRole.MODERATORS)
    return make_user("moderatrice-essey", group), make_user("moderateur-essey", group)


@pytest.fixture
def nancy_moderator(make_user, make_space):
    nancy = make_space("Nancy", slug="nancy", insee_code="54395")
    return make_user("moderateur-nancy", commune_group(nancy, CommuneRole.MODERATORS))


def contribution_data(process, **overrides):
    from charter.services import current_acceptance_terms

    terms = current_acceptance_terms()
    data = {
        "pseudonym": "Camille",
        "email": "camille.secret@example.org",
        "text": "Planter des arbres fruitiers le long du mur nord de la cour.",
        "theme": "",
        "accept": "on",
        "charter_version": terms.charter.pk,
        "terms_version": terms.terms.pk,
        "website": "",
    }
    data.update(overrides)
    return data


def submit(client, process, *, follow=False, **overrides):
    return client.post(process.url + "contribuer/", contribution_data(process, **overrides), follow=follow)


def link_in_last_email(pattern):
    return re.search(rf"https?://\S+{pattern}\S+/", mail.outbox[-1].body).group(0)


def path_of(url):
    return "/" + url.split("/", 3)[3]
