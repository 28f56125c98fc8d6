"""What the bench runner (`run.py`) asks of the site from inside Django, on the bench database: the addresses to
load, the queries each one runs, a signed-in moderator, contributions awaiting moderation, and the EXPLAIN plans of
the contribution queries. Prints one JSON line prefixed with "BENCH-JSON ".

Run by `run.py` with the bench's environment: `python tests/bench/probe.py` (never by `make test`).
"""

import datetime
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from charter.services import current_acceptance_terms  # noqa: E402
from communes.gate import commune_space_of  # noqa: E402
from communes.models import CommuneGroup, CommuneRole  # noqa: E402
from communes.visibility import public_pages  # noqa: E402
from participation.models import (  # noqa: E402
    Contribution,
    ContributionStatus,
    ProcessPage,
    QuestionnairePage,
)
from participation.scale import LARGE_PROCESS_SLUG  # noqa: E402

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# How deep the "deep page" goes: the issue measured ?page=30000 (10 per page).
DEEP_ROWS = 300_000
MODERATOR = "banc.moderateur"


def microseconds(moment):
    delta = moment - EPOCH
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def addresses():
    """{row name: path} of the public pages measured."""
    process = ProcessPage.objects.get(slug=LARGE_PROCESS_SLUG)
    url = process.url
    space_url = process.get_parent().url
    published = Contribution.objects.filter(process=process, status=ContributionStatus.PUBLISHED)
    count = published.count()
    rank = max(0, min(DEEP_ROWS, count - 11))
    deep = published.order_by("-published_at", "-pk").values_list("published_at", "pk")[rank : rank + 1]
    found = {
        "home": "/",
        "commune space": space_url,
        "process, first page": url,
    }
    for published_at, pk in deep:
        found["process, deep keyset page"] = f"{url}?apres={microseconds(published_at)}-{pk}"
    found.update(
        {
            "process, most supported": f"{url}?tri=soutenues",
            "process, random order": f"{url}?tri=hasard&graine=123456789",
            "process, theme filter": f"{url}?theme=ecoles",
            "search, common word": "/recherche/?q=ecole",
            "search, two words": "/recherche/?q=arceaux+velo",
            "legal text (charter)": "/charte/",
            "site map": "/plan-du-site/",
        }
    )
    questionnaire = public_pages(QuestionnairePage.objects.all()).first()
    if questionnaire is not None:
        found["questionnaire"] = questionnaire.url
    return found, process, rank


def open_data_process():
    """The closed public process with the most contributions, whose open data anyone may download."""
    best, best_count = None, -1
    for process in public_pages(ProcessPage.objects.all()).with_schedule():
        if process.state != "closed":
            continue
        count = Contribution.objects.filter(process=process, status=ContributionStatus.PUBLISHED).count()
        if count > best_count:
            best, best_count = process, count
    return best, best_count


def count_queries(paths, post_path, post_data):
    client = Client()
    counts = {}
    for name, path in paths.items():
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        counts[name] = {"queries": len(queries.captured_queries), "status": response.status_code}
    with CaptureQueriesContext(connection) as queries:
        response = client.post(post_path, post_data)
    counts["contribution POST"] = {"queries": len(queries.captured_queries), "status": response.status_code}
    return counts


def explain(paths):
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest queries on contributions that each page runs (three at most)."""
    client = Client()
    plans = {}
    for name, path in paths.items():
        client.get(path)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        touching = [
            query
            for query in queries.captured_queries
            if "participation_contribution" in query["sql"] and query["sql"].lstrip().upper().startswith("SELECT")
        ]
        touching.sort(key=lambda query: float(query["time"]), reverse=True)
        plans[name] = []
        for query in touching[:3]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            plans[name].append({"sql": query["sql"], "ms": float(query["time"]) * 1000, "plan": plan})
    return plans


def moderator_session(commune_id):
    """A moderator of the large process's commune, signed in: the session cookie's value."""
    user, _created = get_user_model().objects.get_or_create(
        username=MODERATOR, defaults={"email": "banc.moderateur@example.org"}
    )
    group = CommuneGroup.objects.get(commune_id=commune_id, role=CommuneRole.MODERATORS).group
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def main():
    paths, process, deep_rank = addresses()
    terms = current_acceptance_terms()
    post_data = {
        "pseudonym": "Banc d'essai",
        "email": "banc-probe@essai.example.org",
        "text": f"Proposition du banc d'essai {os.getpid()} : plus d'arbres dans la cour.",
        "accept": "on",
        "charter_version": terms.charter.pk,
        "terms_version": terms.terms.pk,
    }
    post_path = f"{process.url}contribuer/"
    open_data, open_data_rows = open_data_process()
    pending = list(
        Contribution.objects.filter(commune_id=process_commune(process), status=ContributionStatus.AWAITING_MODERATION)
        .order_by("pk")
        .values_list("pk", flat=True)[:150]
    )
    result = {
        "paths": paths,
        "post_path": post_path,
        "process_pk": process.pk,
        "process_rows": Contribution.objects.filter(process=process).count(),
        "deep_rank": deep_rank,
        "contributions": Contribution.objects.count(),
        "open_data_path": f"{open_data.url}donnees/csv/" if open_data else None,
        "open_data_rows": open_data_rows,
        "pending": pending,
        "session": moderator_session(process_commune(process)),
        "queries": count_queries(paths, post_path, post_data),
    }
    if "--explain" in sys.argv:
        explained = {name: path for name, path in paths.items() if name.startswith(("search", "process, "))}
        result["plans"] = explain(explained)
    print("BENCH-JSON " + json.dumps(result), flush=True)


def process_commune(process):
    return commune_space_of(process).commune_id


if __name__ == "__main__":
    main()
