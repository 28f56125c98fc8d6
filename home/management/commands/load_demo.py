import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from communes.services import GRAND_NANCY_CSV, ensure_commune_space, read_communes_csv, register_commune
from home.services import ensure_metropole_identity, ensure_portal

METROPOLE_JSON = Path(__file__).resolve().parents[2] / "fixtures" / "metropole-grand-nancy.json"


class Command(BaseCommand):
    help = (
        "Load the demo data: the portal page, the default site, the Métropole's identity and its communes, "
        "each with its space. Safe to run again: it only adds what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--metropole", type=Path, default=METROPOLE_JSON, help="JSON file: identity and portal.")
        parser.add_argument("--communes", type=Path, default=GRAND_NANCY_CSV, help="CSV file of the communes.")

    @transaction.atomic
    def handle(self, *args, metropole, communes, **options):
        for path in (metropole, communes):
            if not path.is_file():
                raise CommandError(f"File not found: {path}")
        description = json.loads(metropole.read_text(encoding="utf-8"))

        portal, portal_created = ensure_portal(**description["portal"])
        site = portal.get_site()
        ensure_metropole_identity(site, **description["identity"])

        created_communes = created_spaces = 0
        rows = read_communes_csv(communes)
        for facts in rows:
            commune, commune_created = register_commune(facts)
            _space, space_created = ensure_commune_space(commune, portal)
            created_communes += commune_created
            created_spaces += space_created

        self.stdout.write(
            f"Demo data ready: portal {'created' if portal_created else 'kept'}, "
            f"{len(rows)} communes ({created_communes} new), {created_spaces} new commune spaces."
        )
