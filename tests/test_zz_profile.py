import cProfile
import pstats

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def test_profile_404(commune_space, db):
    client = Client()
    client.get("/essey-les-nancy/nope/")
    pr = cProfile.Profile()
    with CaptureQueriesContext(connection) as ctx:
        pr.enable()
        for _ in range(10):
            client.get("/essey-les-nancy/nope/")
        pr.disable()
    print("queries", len(ctx.captured_queries) / 10)
    for q in ctx.captured_queries[: len(ctx.captured_queries) // 10]:
        print(q["sql"][:150])
    pstats.Stats(pr).sort_stats("cumtime").print_stats(40)
