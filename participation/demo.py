"""Demo processes and contributions (issue: participation, item 9), dated relative to the day they are loaded."""

import datetime
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from charter.services import current_acceptance_terms, current_charter_rules
from communes.models import CommuneSpacePage
from core.demo_images import drawn_image

from .models import (
    Comment,
    Contribution,
    ContributionStatus,
    ProcessPhase,
    QuestionnaireField,
    QuestionnairePage,
    Report,
    Support,
    Theme,
)
from .services.processes import ensure_process

DEMO_PROCESSES_JSON = Path(__file__).parent / "fixtures" / "demo-processes.json"


@transaction.atomic
def load_demo_processes(path=DEMO_PROCESSES_JSON, today=None):
    today = today or timezone.localdate()
    demo = json.loads(Path(path).read_text(encoding="utf-8"))
    for theme in demo["themes"]:
        Theme.objects.get_or_create(slug=theme["slug"], defaults={"name": theme["name"]})
    for story in demo["processes"]:
        space = CommuneSpacePage.objects.filter(commune__insee_code=story["commune"]).first()
        if space is None:
            continue
        process, created = ensure_process(space, **process_fields(story, today))
        if not created:
            continue
        process.themes.set(Theme.objects.filter(slug__in=story.get("themes", [])))
        if cover := story.get("cover"):
            # A cover that informs: its description is its text alternative.
            process.cover_image = drawn_image(
                cover["title"],
                size=(1200, 600),
                colours=["#cfe3f0", "#6f9e5c", "#3c6e8f"],
                description=cover["description"],
                collection=space.commune.collection,
            )
            process.save_revision().publish()
        for number, entry in enumerate(story.get("contributions", [])):
            add_demo_contribution(process, space.commune_id, number, entry)
        if questionnaire := story.get("questionnaire"):
            add_questionnaire(process, questionnaire)


def process_fields(story, today):
    def offset(days):
        return today + datetime.timedelta(days=days)

    fields = {
        "title": story["title"],
        "summary": story["summary"],
        "location": story.get("location", ""),
        "audience": story.get("audience", "public"),
        "accepts_contributions": story.get("accepts_contributions", True),
        "moderation_mode": story.get("moderation_mode", "before"),
        "contribution_prompt": story.get("prompt", ""),
        "phases": [
            ProcessPhase(
                title=phase["title"],
                starts_on=offset(phase["starts"]),
                ends_on=offset(phase["ends"]),
                accepts_supports=phase.get("supports", True),
            )
            for phase in story["phases"]
        ],
        "supports_per_person": story.get("supports_per_person"),
    }
    if results := story.get("results"):
        fields.update(results=results["text"], results_published_on=offset(-results["days_ago"]))
    if event := story.get("event"):
        starts_at = datetime.datetime.combine(offset(event["in_days"]), datetime.time(event["hour"]))
        fields.update(
            event_starts_at=timezone.make_aware(starts_at),
            event_place=event["place"],
            event_accessibility=event["accessibility"],
            event_capacity=event["capacity"],
        )
    return fields


def add_demo_contribution(process, commune_id, number, entry):
    terms = current_acceptance_terms()
    now = timezone.now()
    rules = dict(current_charter_rules())
    status = entry["status"]
    contribution = Contribution.objects.create(
        process=process,
        commune_id=commune_id,
        pseudonym=entry["pseudonym"],
        # Demo addresses on a reserved domain: nobody receives anything.
        email=f"contributeur{process.pk}-{number}@example.org",
        text=entry["text"],
        theme=Theme.objects.filter(slug=entry.get("theme")).first(),
        charter_version=terms.charter,
        terms_version=terms.terms,
        status=status,
        created_at=now - datetime.timedelta(days=10 - number),
        confirmed_at=now - datetime.timedelta(days=10 - number),
        published_at=now - datetime.timedelta(days=9 - number) if status == ContributionStatus.PUBLISHED else None,
        decided_at=now - datetime.timedelta(days=9 - number)
        if status != ContributionStatus.AWAITING_MODERATION
        else None,
        rule_key=entry.get("rule", ""),
        rule_title=rules.get(entry.get("rule", ""), ""),
        decision_reason=entry.get("reason", ""),
    )
    add_demo_engagement(contribution, entry, now)
    for reporter in range(entry.get("reports", 0)):
        Report.objects.create(
            contribution=contribution, rule_key=entry["report_rule"], reporter_hash=f"demo-{contribution.pk}-{reporter}"
        )


def add_demo_engagement(contribution, entry, now):
    """Supports, comments (with their replies) and the commune's answer that a demo contribution has received."""
    Support.objects.bulk_create(
        Support(contribution=contribution, participant_key=f"demo-{contribution.pk}-{number}")
        for number in range(entry.get("supports", 0))
    )
    if answer := entry.get("answer"):
        contribution.answer_status, contribution.answer_text = answer["status"], answer["text"]
        contribution.answered_at = now - datetime.timedelta(days=2)
    terms = current_acceptance_terms()
    for number, comment in enumerate(entry.get("comments", [])):
        parent = add_demo_comment(contribution, comment, terms, now - datetime.timedelta(days=5, hours=-number))
        for reply_number, reply in enumerate(comment.get("replies", [])):
            when = now - datetime.timedelta(days=4, hours=-reply_number)
            add_demo_comment(contribution, reply, terms, when, parent=parent)
    contribution.support_count = contribution.supports.count()
    contribution.comment_count = contribution.comments.filter(status=ContributionStatus.PUBLISHED).count()
    contribution.save()


def add_demo_comment(contribution, comment, terms, when, parent=None):
    status = comment.get("status", ContributionStatus.PUBLISHED)
    published = status == ContributionStatus.PUBLISHED
    return Comment.objects.create(
        contribution=contribution,
        parent=parent,
        commune_id=contribution.commune_id,
        pseudonym=comment["pseudonym"],
        # Demo addresses on a reserved domain: nobody receives anything.
        email=f"commentaire{contribution.pk}-{slugify(comment['pseudonym'])}@example.org",
        text=comment["text"],
        charter_version=terms.charter,
        terms_version=terms.terms,
        status=status,
        created_at=when,
        confirmed_at=when,
        published_at=when if published else None,
        decided_at=when if published else None,
    )


def add_questionnaire(process, questionnaire):
    page = QuestionnairePage(title=questionnaire["title"], live=False)
    process.add_child(instance=page)
    for order, field in enumerate(questionnaire["fields"]):
        QuestionnaireField.objects.create(
            page=page,
            sort_order=order,
            label=field["label"],
            field_type=field["field_type"],
            required=field["required"],
            choices=field.get("choices", ""),
            help_text=field.get("help_text", ""),
            is_personal=field.get("is_personal", False),
        )
    page.save_revision().publish()
