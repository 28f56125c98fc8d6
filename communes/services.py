"""Idempotent operations on communes, shared by the demo data and the admin."""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .models import Commune, CommuneSpacePage

GRAND_NANCY_CSV = Path(__file__).parent / "fixtures" / "communes-grand-nancy.csv"


@dataclass(frozen=True)
class CommuneFacts:
    name: str
    slug: str
    insee_code: str
    postal_codes: str
    population: int | None
    population_year: int | None


def read_communes_csv(path=GRAND_NANCY_CSV):
    """Rows of a communes file (name, slug, insee_code, postal_codes, population, population_year)."""
    with open(path, newline="", encoding="utf-8") as handle:
        return [
            CommuneFacts(
                name=row["name"].strip(),
                slug=row["slug"].strip(),
                insee_code=row["insee_code"].strip(),
                postal_codes=row["postal_codes"].strip(),
                population=int(row["population"]) if row.get("population") else None,
                population_year=int(row["population_year"]) if row.get("population_year") else None,
            )
            for row in csv.DictReader(handle)
        ]


def register_commune(facts):
    """Create or update the commune known by its INSEE code; returns (commune, created)."""
    commune = Commune.objects.filter(insee_code=facts.insee_code).first() or Commune(insee_code=facts.insee_code)
    created = commune.pk is None
    values = {
        "name": facts.name,
        "postal_codes": facts.postal_codes,
        "population": facts.population,
        "population_year": facts.population_year,
    }
    if created:
        values["slug"] = facts.slug
    changed = created or any(getattr(commune, field) != value for field, value in values.items())
    if changed:
        for field, value in values.items():
            setattr(commune, field, value)
        commune.full_clean()
        commune.save()
    return commune, created


@transaction.atomic
def ensure_commune_space(commune, portal, *, intro="", user=None):
    """The commune's space under the portal, created and published once; returns (space, created)."""
    space = CommuneSpacePage.objects.filter(commune=commune).first()
    if space is not None:
        return space, False
    space = CommuneSpacePage(
        commune=commune,
        title=commune.name,
        slug=commune.slug,
        intro=intro
        or format_html(
            "<p>{}</p>",
            _("Bienvenue ! Informez-vous sur les démarches participatives de la commune et donnez votre avis."),
        ),
    )
    portal.add_child(instance=space)
    space.save_revision(user=user, log_action=True).publish(user=user)
    return space, True
