"""Re-check the RGAA audit file: 106 criteria numbered as in RGAA 4.1, a status and a justification each.

Prints the counts, the rate and the mention it gives, and the non-conforming criteria; `--pending` also lists the
criteria whose result waits on other work (their `depends_on`). Exits non-zero when the file breaks a rule.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from charter.accessibility import AUDIT_FILE, AuditError, read_audit


class Command(BaseCommand):
    help = "Vérifie la grille d'audit RGAA (charter/rgaa_audit.json) et affiche le taux de conformité."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(AUDIT_FILE), help="Grille à vérifier.")
        parser.add_argument("--pending", action="store_true", help="Liste aussi les critères à revoir (depends_on).")

    def handle(self, path, pending, **options):
        try:
            audit = read_audit(Path(path))
        except (AuditError, ValueError, KeyError) as error:
            raise CommandError(str(error)) from error
        counts = audit.counts
        self.stdout.write(
            f"RGAA {audit.reference}, audit du {audit.audited_on:%Y-%m-%d} : {len(audit.criteria)} critères, "
            f"{counts['C']} C, {counts['NC']} NC, {counts['NA']} NA."
        )
        self.stdout.write(
            f"Taux : {audit.rate_label} ({counts['C']}/{audit.applicable_count}) → {audit.status_on().label}."
        )
        for _number, title, criteria in audit.non_conforming_by_theme():
            for criterion in criteria:
                self.stdout.write(f"  NC {criterion.number} ({title}) : {criterion.justification}")
        if pending:
            for criterion in audit.criteria:
                if criterion.depends_on:
                    self.stdout.write(
                        f"  à revoir {criterion.number} [{criterion.status}] après : {criterion.depends_on}"
                    )
