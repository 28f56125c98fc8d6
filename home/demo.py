"""Demo conventions (issue: conventions, item 8): a provider contract, the règlement and each commune's story.

Only what is missing is created, so running it again changes nothing.
"""

import datetime
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from communes.models import (
    Commune,
    CommuneSpacePage,
    Convention,
    ConventionTextVersion,
    JoinRequest,
    ProviderContract,
)
from communes.roles import ensure_commune_groups
from communes.services import ensure_commune_space, record_revocation, record_termination
from core.demo_images import drawn_image
from participation.models import ProcessPhase
from participation.services.processes import ensure_process

DEMO_CONVENTIONS_JSON = Path(__file__).parent / "fixtures" / "demo-conventions.json"


# Vandœuvre-lès-Nancy as its editors dressed it (Art. 3: the commune's graphic skills): logo, banner, colour.
DRESSED_COMMUNE = "54547"


def dress_demo_commune(insee_code=DRESSED_COMMUNE):
    """A logo, a banner and a colour for one commune, once (what the editors of a commune set)."""
    commune = Commune.objects.filter(insee_code=insee_code).first()
    space = CommuneSpacePage.objects.filter(commune=commune).first()
    if commune is None or space is None or commune.logo_id:
        return
    commune.logo = drawn_image(
        f"Logo de {commune.name}",
        size=(320, 200),
        colours=["#ffffff", "#7a2e8c", "#3d8a3a"],
        collection=commune.collection,
    )
    commune.brand_colour = "#7a2e8c"
    commune.save()
    space.banner = drawn_image(
        f"Bannière de {commune.name}",
        size=(1600, 400),
        colours=["#dfe9d8", "#a9c79a", "#5d8f4c"],
        collection=commune.collection,
    )
    space.save_revision().publish()


def day(value):
    return datetime.date.fromisoformat(value)


@transaction.atomic
def load_demo_conventions(portal, path=DEMO_CONVENTIONS_JSON):
    demo = json.loads(Path(path).read_text(encoding="utf-8"))
    ensure_provider_contract(demo["provider_contract"])
    version = ensure_text_version(demo["text_version"])
    for story in demo["conventions"]:
        ensure_convention_story(story, version, portal)
    for request in demo["join_requests"]:
        commune = Commune.objects.get(insee_code=request["insee_code"])
        JoinRequest.objects.get_or_create(
            commune=commune,
            received_on=day(request["received_on"]),
            defaults={key: request[key] for key in ("contact_name", "contact_role", "notes")},
        )
    for space in CommuneSpacePage.objects.select_related("commune"):
        ensure_commune_groups(space.commune)


def ensure_provider_contract(facts):
    if ProviderContract.objects.filter(provider=facts["provider"]).exists():
        return
    # Demo dates: the contract runs a couple of years past the day the demo is loaded.
    ends_on = datetime.date(timezone.localdate().year + facts["years_ahead"], 12, 31)
    contract = ProviderContract(
        provider=facts["provider"],
        reference=facts["reference"],
        starts_on=day(facts["starts_on"]),
        ends_on=ends_on,
        annual_cost=facts["annual_cost"],
        notes=facts["notes"],
    )
    contract.full_clean()
    contract.save()


def ensure_text_version(facts):
    version = ConventionTextVersion.objects.filter(number=facts["number"]).first()
    if version is None:
        version = ConventionTextVersion(
            number=facts["number"],
            adopted_on=day(facts["adopted_on"]),
            summary_of_changes=facts["summary_of_changes"],
            body=facts["body"],
        )
        version.save()
        version.save_revision().publish()
    return version


def ensure_convention_story(story, version, portal):
    commune = Commune.objects.get(insee_code=story["insee_code"])
    if Convention.objects.filter(commune=commune).exists():
        return
    convention = Convention(
        commune=commune,
        text_version=version,
        commune_deliberation_on=day(story["commune_deliberation_on"]),
        signatory_name=story["signatory_name"],
        signatory_title=story["signatory_title"],
        metropole_deliberation_on=day(story["metropole_deliberation_on"]),
        signed_on=day(story["signed_on"]),
        notified_on=day(story["notified_on"]),
    )
    convention.full_clean()
    convention.save()
    convention.save_revision()

    # The story as it happened: the space and its process were online before any end.
    space, _created = ensure_commune_space(commune, portal)
    if privacy := story.get("privacy"):
        space.privacy_controller = privacy["controller"]
        space.privacy_dpo_contact = privacy["dpo_contact"]
        space.privacy_purposes = privacy["purposes"]
        space.save_revision().publish()
        space.refresh_from_db()
    elif not space.live:
        space.get_latest_revision().publish()
    if process := story.get("process"):
        phases = [
            ProcessPhase(title=phase["title"], starts_on=day(phase["starts_on"]), ends_on=day(phase["ends_on"]))
            for phase in process.get("phases", [])
        ]
        ensure_process(space, title=process["title"], summary=process["summary"], phases=phases)
    if ending := story.get("termination"):
        record_termination(convention, letter_on=day(ending["letter_on"]), effective_on=day(ending["effective_on"]))
    if ending := story.get("revocation"):
        record_revocation(convention, decided_on=day(ending["decided_on"]), reason=ending["reason"])
