import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from charter.demo import load_demo_legal_texts
from communes.roles import ensure_staff_group
from communes.services import GRAND_NANCY_CSV, ensure_commune_space, read_communes_csv, register_commune
from home.demo import DEMO_CONVENTIONS_JSON, dress_demo_commune, load_demo_conventions
from home.services import ensure_metropole_identity, ensure_portal
from participation.demo import load_demo_processes

METROPOLE_JSON = Path(__file__).resolve().parents[2] / "fixtures" / "metropole-grand-nancy.json"


class Command(BaseCommand):
    help = (
        "Load the demo data: the portal page, the default site, the Métropole's identity, its communes with "
        "their spaces and groups, the provider contract, the règlement, the demo conventions and legal texts. "
        "Safe to run again: it only adds what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--metropole", type=Path, default=METROPOLE_JSON, help="JSON file: identity and portal.")
        parser.add_argument("--communes", type=Path, default=GRAND_NANCY_CSV, help="CSV file of the communes.")
        parser.add_argument("--conventions", type=Path, default=DEMO_CONVENTIONS_JSON, help="JSON file of conventions.")
        parser.add_argument("--no-conventions", action="store_true", help="Load no conventions (a real install).")
        parser.add_argument("--no-legal-texts", action="store_true", help="Load no demo legal texts.")

    @transaction.atomic
    def handle(self, *args, metropole, communes, conventions, no_conventions, no_legal_texts, **options):
        for path in (metropole, communes) if no_conventions else (metropole, communes, conventions):
            if not path.is_file():
                raise CommandError(f"File not found: {path}")
        description = json.loads(metropole.read_text(encoding="utf-8"))

        portal, portal_created = ensure_portal(**description["portal"])
        ensure_metropole_identity(portal.get_site(), **description["identity"])
        ensure_staff_group(portal)

        rows = read_communes_csv(communes)
        registered = [register_commune(facts) for facts in rows]
        if not no_legal_texts:
            load_demo_legal_texts()
        if not no_conventions:
            load_demo_conventions(portal, conventions)
            if not no_legal_texts:
                load_demo_processes()
        # Every commune gets its space; it goes online only with an active convention.
        created_spaces = sum(ensure_commune_space(commune, portal)[1] for commune, _created in registered)
        if not no_conventions:
            dress_demo_commune()

        self.stdout.write(
            f"Demo data ready: portal {'created' if portal_created else 'kept'}, "
            f"{len(rows)} communes ({sum(created for _c, created in registered)} new), "
            f"{created_spaces} new commune spaces."
        )
