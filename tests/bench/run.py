"""The bench (`make bench`): the site served as production serves it, measured at the demo's volume and at a
métropole's years of participation, side by side with nginx serving the same HTML as a static file.

1. Two databases on the PostgreSQL server of BENCH_DATABASE_SERVER (never the test databases):
   `participation_bench_small` (the demo) and `participation_bench` (the demo plus `generate_scale_data
   --contributions BENCH_CONTRIBUTIONS`, 1 000 000 by default). Both are kept between runs: a second run migrates,
   tops up (nothing to add, usually) and measures.
2. For each: gunicorn (one worker per core, production settings, DEBUG off, collected static files), Redis as the
   cache (BENCH_REDIS_URL, a database number of its own, flushed first), then for each page type: the queries it
   runs (Django's test client, `probe.py`), then wrk on loopback for BENCH_SECONDS (10 s): requests per second,
   latency percentiles and the CPU time the gunicorn workers spent per request; nginx serves the same HTML, saved
   as a file, for a third of that time: the physical limit, and the ratio to it.
3. Contribution POSTs (the form's fields as a browser sends them: a CSRF token if the page holds one, Origin and
   Sec-Fetch-Site headers), the anonymised CSV and XLSX exports of the largest process (signed in as a moderator
   of its commune) and the open data of the largest closed process (anonymous): throughput, time to the first
   byte and the workers' peak resident memory; at the large volume, moderation decisions (one by one, and 100 in
   one bulk action), `purge_personal_data` on the contributions of a process just past retention, and the
   EXPLAIN (ANALYZE, BUFFERS) plans of the contribution queries of the search and the process page.
4. One table, printed and written to var/bench/last.md, with issue 15's targets beside the figures.

Without wrk, a Python load generator stands in (its own CPU then competes with the site's: the figures are lower).
Environment: BENCH_CONTRIBUTIONS, BENCH_SECONDS, BENCH_PORT (8201; nginx on the next port), BENCH_REDIS_URL,
BENCH_DATABASE_SERVER, BENCH_DATABASE (the large volume's database), BENCH_PURGE_SECONDS (120: the purge is
stopped after that long and measured on what it committed), BENCH_ONLY=small or large (one volume only).
"""

import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import psycopg
import redis
import requests

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
CONTRIBUTIONS = int(os.environ.get("BENCH_CONTRIBUTIONS", 1_000_000))
SECONDS = float(os.environ.get("BENCH_SECONDS", 10))
APP_PORT = int(os.environ.get("BENCH_PORT", 8201))
NGINX_PORT = APP_PORT + 1
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PURGE_SECONDS = float(os.environ.get("BENCH_PURGE_SECONDS", 120))
LARGE_DATABASE = os.environ.get("BENCH_DATABASE", "participation_bench")
WORKERS = os.cpu_count() or 2
BASE = f"http://127.0.0.1:{APP_PORT}"
OUTPUT = ROOT / "var" / "bench" / "last.md"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SINGLE_DECISIONS = 10
BULK_DECISIONS = 100


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- Processes: their CPU time and memory, read from /proc ----------------------------------------------------


def children_of(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pids):
    total = 0
    for pid in pids():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def rss_bytes(pid):
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except OSError:
        return 0


class PeakMemory:
    """Samples the resident memory of the workers every 20 ms while a request runs."""

    def __init__(self, pids):
        self.pids = pids
        self.before = max((rss_bytes(pid) for pid in pids()), default=0)
        self.peak = self.before
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while self.running:
            self.peak = max([self.peak, *(rss_bytes(pid) for pid in self.pids())])
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def wait_for_port(port, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on port {port} after {seconds} s")


def stop(process):
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- The site ---------------------------------------------------------------------------------------------------


def site_env(database):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "CACHE_", "EMAIL_"))}
    env.update(
        DEBUG="0",
        DATABASE_URL=f"{SERVER}/{database}",
        CACHE_URL=REDIS_URL,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        CSRF_TRUSTED_ORIGINS=BASE,
        PUBLIC_BASE_URL=BASE,
        WAGTAILADMIN_BASE_URL=BASE,
        # One load generator speaks for thousands of citizens: their own limits are not what is measured.
        RATE_LIMIT_CONTRIBUTIONS="100000000",
        RATE_LIMIT_REPORTS="100000000",
        SESSION_IDLE_MINUTES="600",
        LOG_LEVEL="ERROR",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env, *args, timeout=None):
    started = time.monotonic()
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout, time.monotonic() - started


def ensure_database(name):
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
            log(f"database {name} created")


def ensure_redis(folder):
    """The Redis of BENCH_REDIS_URL, or a private one (port BENCH_PORT + 2) when none answers there."""
    global REDIS_URL
    parsed = urllib.parse.urlparse(REDIS_URL)
    with socket.socket() as probe:
        if probe.connect_ex((parsed.hostname or "127.0.0.1", parsed.port or 6379)) == 0:
            return None
    if not shutil.which("redis-server"):
        raise SystemExit(f"No Redis answers at {REDIS_URL} and redis-server is not installed.")
    port = APP_PORT + 2
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(port)
    REDIS_URL = f"redis://127.0.0.1:{port}/0"
    log(f"no Redis at {parsed.hostname}:{parsed.port}: a private one on {port}")
    return process


def flush_redis():
    """Only the bench's own database of the Redis server: nothing cached from an earlier run is read."""
    redis.Redis.from_url(REDIS_URL).flushdb()


def probe(env, explain):
    args = [PYTHON, str(HERE / "probe.py"), *(["--explain"] if explain else [])]
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH-JSON "):
            return json.loads(line.removeprefix("BENCH-JSON "))
    raise SystemExit(f"probe.py failed:\n{result.stdout}\n{result.stderr}")


def start_gunicorn(env, folder):
    handle = open(folder / "gunicorn.log", "w")  # noqa: SIM115 (the process owns it until the end)
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi", "--workers", str(WORKERS)]
        + ["--bind", f"127.0.0.1:{APP_PORT}"],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_port(APP_PORT)
    deadline = time.monotonic() + 30
    while len(children_of(process.pid)) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.2)
    return process


def start_nginx(folder):
    if not shutil.which("nginx"):
        return None
    (folder / "nginx.conf").write_text(
        f"""
worker_processes {WORKERS};
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    types {{ text/html html; }}
    client_body_temp_path {folder}/nginx-body;
    proxy_temp_path {folder}/nginx-proxy;
    fastcgi_temp_path {folder}/nginx-fastcgi;
    uwsgi_temp_path {folder}/nginx-uwsgi;
    scgi_temp_path {folder}/nginx-scgi;
    server {{ listen 127.0.0.1:{NGINX_PORT}; root {folder}/html; }}
}}
"""
    )
    process = subprocess.Popen(
        [shutil.which("nginx"), "-p", str(folder), "-c", str(folder / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_for_port(NGINX_PORT)
    return process


# --- Load ------------------------------------------------------------------------------------------------------


def wrk(url, seconds, connections, script=None, env=None):
    """{"requests", "rps", "p50", "p95", "p99" (ms), "errors"} of `seconds` of load on `url`."""
    if not shutil.which("wrk"):
        return python_load(url, seconds, connections)
    script_path = script or HERE / "report.lua"
    args = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
    args += ["--timeout", "30s"]
    result = subprocess.run(
        [*args, "-s", str(script_path), url], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH-WRK ")), None)
    if line is None:
        raise SystemExit(f"wrk failed on {url}:\n{result.stdout}\n{result.stderr}")
    found = json.loads(line.removeprefix("BENCH-WRK "))
    return {
        "requests": found["requests"],
        "rps": found["requests"] / (found["duration_us"] / 1e6),
        "p50": found["p50"] / 1000,
        "p95": found["p95"] / 1000,
        "p99": found["p99"] / 1000,
        "errors": found["status_errors"] + found["socket_errors"],
    }


def python_load(url, seconds, connections, method="GET", body_of=None, headers=None):
    """The stand-in for wrk: `connections` threads with a kept-alive connection each."""
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.monotonic() + seconds

    def run(number):
        session = requests.Session()
        count = 0
        while time.monotonic() < deadline:
            count += 1
            started = time.monotonic()
            try:
                if method == "POST":
                    answer = session.post(url, data=body_of(number, count), headers=headers, allow_redirects=False)
                else:
                    answer = session.get(url, allow_redirects=False)
                failed = answer.status_code >= 400
            except requests.RequestException:
                failed = True
            with lock:
                latencies.append((time.monotonic() - started) * 1000)
                errors[0] += failed

    threads = [threading.Thread(target=run, args=(number,)) for number in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()

    def percentile(share):
        return latencies[min(len(latencies) - 1, int(len(latencies) * share))] if latencies else 0

    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50": percentile(0.5),
        "p95": percentile(0.95),
        "p99": percentile(0.99),
        "errors": errors[0],
    }


def measured(url, workers, seconds=SECONDS, **kwargs):
    before = cpu_seconds(workers)
    figures = wrk(url, seconds, WORKERS, **kwargs)
    figures["cpu_ms"] = (cpu_seconds(workers) - before) * 1000 / max(figures["requests"], 1)
    return figures


# --- One volume -------------------------------------------------------------------------------------------------


def contribution_post(workers, facts, folder):
    """Contribution POSTs as a browser sends them, each with its own email and text."""
    session = requests.Session()
    page = session.get(BASE + facts["paths"]["process, first page"], timeout=60)
    fields = {}
    for name in ("csrfmiddlewaretoken", "charter_version", "terms_version"):
        match = re.search(rf'name="{name}" value="([^"]*)"', page.text)
        if match:
            fields[name] = match.group(1)
    fields.update(pseudonym="Banc d'essai", accept="on", website="")
    headers = {"Origin": BASE, "Sec-Fetch-Site": "same-origin", "Referer": BASE + facts["paths"]["process, first page"]}
    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    if cookies:
        headers["Cookie"] = cookies
    url = BASE + facts["post_path"]
    # One try first: the form must be accepted (a redirect), else the figures would measure refusals.
    trial = session.post(
        url,
        data={**fields, "email": "banc-essai@essai.example.org", "text": f"Essai du banc {time.time()} : un banc."},
        headers={key: value for key, value in headers.items() if key != "Cookie"},
        allow_redirects=False,
        timeout=60,
    )
    accepted = trial.status_code in (302, 303)
    if shutil.which("wrk"):
        script = folder / "post.lua"
        script.write_text((HERE / "report.lua").read_text() + (HERE / "post.lua").read_text())
        env = {
            "BENCH_POST_BODY": urllib.parse.urlencode(fields),
            "BENCH_POST_HEADERS": "\n".join(f"{key}: {value}" for key, value in headers.items()),
        }
        figures = measured(url, workers, script=script, env=env)
    else:
        before = cpu_seconds(workers)

        def body_of(number, count):
            who = f"{time.time()}-{number}-{count}"
            return {**fields, "email": f"banc-{who}@essai.example.org", "text": f"Proposition de charge {who}."}

        figures = python_load(url, SECONDS, WORKERS, method="POST", body_of=body_of, headers=headers)
        figures["cpu_ms"] = (cpu_seconds(workers) - before) * 1000 / max(figures["requests"], 1)
    figures["accepted"] = accepted
    figures["trial_status"] = trial.status_code
    return figures


def worker_timeouts(folder):
    log_path = folder / "gunicorn.log"
    return log_path.read_text(errors="replace").count("WORKER TIMEOUT") if log_path.exists() else 0


def download(url, workers, cookies=None, count_csv=False, folder=None):
    """Time to the first byte, total time, bytes, CSV records, and the workers' resident memory before and at peak."""
    session = requests.Session()
    if cookies:
        session.cookies.update(cookies)
    result = {"status": None, "ttfb": None, "seconds": None, "bytes": 0, "rows": None, "error": ""}
    timeouts_before = worker_timeouts(folder) if folder is not None else 0
    with PeakMemory(workers) as memory:
        started = time.monotonic()
        body = io.BytesIO()
        try:
            with session.get(url, stream=True, timeout=(10, 120)) as answer:
                result["status"] = answer.status_code
                for chunk in answer.iter_content(65536):
                    if result["ttfb"] is None:
                        result["ttfb"] = time.monotonic() - started
                    body.write(chunk)
        except requests.RequestException as error:
            result["error"] = error.__class__.__name__
        result["seconds"] = time.monotonic() - started
    if folder is not None and worker_timeouts(folder) > timeouts_before:
        result["error"] = (result["error"] + " worker timeout").strip()
    result["bytes"] = body.tell()
    result["rss_before"], result["rss_peak"] = memory.before, memory.peak
    if count_csv and result["status"] == 200 and not result["error"]:
        text = body.getvalue().decode("utf-8-sig", errors="replace")
        result["rows"] = max(sum(1 for _row in csv.reader(io.StringIO(text))) - 1, 0)
    return result


def admin_session(facts):
    session = requests.Session()
    session.cookies.set("sessionid", facts["session"], domain="127.0.0.1")
    session.get(BASE + "/admin/", timeout=60)
    return session


def moderation(facts):
    """Approve contributions one by one, then 100 in one bulk action, as the commune's moderator."""
    pending = facts["pending"]
    if len(pending) < SINGLE_DECISIONS + BULK_DECISIONS:
        return None
    session = admin_session(facts)
    token = session.cookies.get("csrftoken", "")
    headers = {"Referer": BASE + "/admin/", "Origin": BASE, "X-CSRFToken": token}
    singles, statuses = [], []
    for pk in pending[:SINGLE_DECISIONS]:
        started = time.monotonic()
        answer = session.post(
            f"{BASE}/admin/moderation/{pk}/approve/",
            data={"csrfmiddlewaretoken": token},
            headers=headers,
            allow_redirects=False,
            timeout=120,
        )
        singles.append((time.monotonic() - started) * 1000)
        statuses.append(answer.status_code)
    ids = pending[SINGLE_DECISIONS : SINGLE_DECISIONS + BULK_DECISIONS]
    query = urllib.parse.urlencode([("id", pk) for pk in ids] + [("next", "/admin/")])
    started = time.monotonic()
    try:
        answer = session.post(
            f"{BASE}/admin/bulk/participation/contribution/approve/?{query}",
            data={"csrfmiddlewaretoken": token, "rule_key": "", "reason": ""},
            headers=headers,
            allow_redirects=False,
            timeout=120,
        )
        bulk_status = answer.status_code
    except requests.RequestException as error:
        bulk_status = error.__class__.__name__
    bulk_ms = (time.monotonic() - started) * 1000
    return {
        "single_ms": statistics.median(singles),
        "single_max_ms": max(singles),
        "single_statuses": sorted(set(statuses)),
        "bulk_ms": bulk_ms,
        "bulk_status": bulk_status,
    }


PURGE_SNIPPET = """
import sys, time
from django.core.management import call_command
print("BENCH-START", flush=True)
started = time.monotonic()
call_command("purge_personal_data")
print("BENCH-DONE %.3f" % (time.monotonic() - started), flush=True)
"""


def purge(env, database):
    """`purge_personal_data` on the process just past retention, stopped after BENCH_PURGE_SECONDS: rows/s of what
    it committed, every row it changed (anonymised, forgotten, deleted)."""

    def changed(output):
        # The command's last line ("Changed: 10000 contribution(s) anonymised, …") sums them; stopped before it, the
        # last progress line of each step ("  comments anonymised: 2000/2758, …") says what was committed.
        final = re.search(r"^Changed: (.*)$", output, re.MULTILINE)
        if final:
            return sum(int(number) for number in re.findall(r"\d+", final.group(1)))
        done = dict(re.findall(r"^\s+([^:\n]+): (\d+)/", output, re.MULTILINE))
        return sum(int(number) for number in done.values())

    process = subprocess.Popen(
        [PYTHON, "manage.py", "shell", "--no-imports", "-c", PURGE_SNIPPET],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    started, finished, seconds = None, False, None
    for line in process.stdout:
        if line.startswith("BENCH-START"):
            started = time.monotonic()
            break
    timer = threading.Timer(PURGE_SECONDS, lambda: os.killpg(process.pid, signal.SIGTERM))
    timer.start()
    output = process.stdout.read()
    process.wait()
    timer.cancel()
    done = re.search(r"BENCH-DONE ([\d.]+)", output)
    if done:
        finished, seconds = True, float(done.group(1))
    elif started is not None:
        seconds = time.monotonic() - started
    rows = changed(output)
    return {"rows": rows, "seconds": seconds, "finished": finished, "output": output.strip()[-400:]}


def rendering(env):
    """The site with no page cache: every request renders its page."""
    return {**env, "PAGE_CACHE_SECONDS": "0"}


def measure_pages(name, facts, workers, html, *, cached, nginx_on):
    """Each page type under load; with nginx on, nginx serving the same HTML beside it."""
    pages = {}
    for number, (row, path) in enumerate(facts["paths"].items()):
        for _warm in range(3):
            answer = requests.get(BASE + path, timeout=120)
        served = "from the cache" if cached else "rendered"
        log(f"{name}: {row} ({answer.status_code}, {len(answer.content) // 1024} kB, {served})")
        figures = measured(BASE + path, workers)
        figures["status"] = answer.status_code
        figures["queries"] = facts["queries"].get(row, {}).get("queries")
        if nginx_on:
            static = html / f"{name}-{number}.html"
            static.write_bytes(answer.content)
            static.chmod(0o644)
            figures["nginx_rps"] = wrk(f"http://127.0.0.1:{NGINX_PORT}/{static.name}", SECONDS / 3, WORKERS)["rps"]
        pages[row] = figures
    return pages


def run_volume(name, database, contributions, folder, nginx_on):
    env = site_env(database)
    ensure_database(database)
    log(f"{name}: migrate and load the demo on {database}")
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    manage(env, "load_demo")
    result = {"name": name, "database": database}
    if contributions:
        log(f"{name}: generate_scale_data --contributions {contributions}")
        output, seconds = manage(env, "generate_scale_data", "--contributions", str(contributions))
        result["generator"] = {"output": output.strip(), "seconds": seconds}
        log(f"{name}: {output.strip()}")
    flush_redis()
    log(f"{name}: probe (addresses, queries, plans)")
    # What rendering costs: the probe's queries and plans, with no page served from the cache.
    facts = probe(rendering(env), explain=True)
    result["facts"] = {key: value for key, value in facts.items() if key not in ("session", "pending")}
    html = folder / "html"
    html.mkdir(exist_ok=True)
    os.chmod(folder, 0o755)
    os.chmod(html, 0o755)
    # First every request rendered (the cost of a page, of its queries at this volume, of a search nobody asked
    # before), then as production serves anonymous visitors (from the page cache: what a surge costs).
    server = start_gunicorn(rendering(env), folder)
    try:
        result["rendered"] = measure_pages(
            name, facts, lambda: children_of(server.pid), html, cached=False, nginx_on=False
        )
    finally:
        stop(server)
    flush_redis()
    server = start_gunicorn(env, folder)
    try:
        # The workers of the moment: one killed by gunicorn's timeout is replaced by another.
        def workers():
            return children_of(server.pid)

        result["pages"] = measure_pages(name, facts, workers, html, cached=True, nginx_on=nginx_on)
        log(f"{name}: contribution POSTs")
        result["post"] = contribution_post(workers, facts, folder)
        result["post"]["queries"] = facts["queries"].get("contribution POST", {}).get("queries")
        cookies = {"sessionid": facts["session"]}
        exports = {}
        for file_format in ("csv", "xlsx"):
            log(f"{name}: anonymised {file_format.upper()} export ({facts['process_rows']} contributions)")
            url = f"{BASE}/admin/moderation/exports/{facts['process_pk']}/anonyme.{file_format}"
            exports[f"anonymised {file_format.upper()}"] = download(
                url, workers, cookies, count_csv=file_format == "csv", folder=folder
            )
        if facts["open_data_path"]:
            log(f"{name}: open data CSV of a closed process ({facts['open_data_rows']} contributions)")
            for attempt in ("first", "second"):
                exports[f"open data CSV ({attempt} request)"] = download(
                    BASE + facts["open_data_path"], workers, count_csv=True, folder=folder
                )
        result["exports"] = exports
        if contributions:
            log(f"{name}: moderation decisions")
            result["moderation"] = moderation(facts)
    finally:
        stop(server)
    if contributions:
        log(f"{name}: purge_personal_data (at most {PURGE_SECONDS:.0f} s)")
        result["purge"] = purge(env, database)
    return result


# --- The table ---------------------------------------------------------------------------------------------------


def fmt(value, digits=0):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".replace(",", " ")
    return f"{value:,}".replace(",", " ")


def verdict(ok):
    return "met" if ok else "**not met**"


def render(volumes, started, tools):
    small = next((volume for volume in volumes if volume["name"] == "small"), None)
    large = next((volume for volume in volumes if volume["name"] == "large"), None)
    lines = [
        f"# Bench: {time.strftime('%Y-%m-%d %H:%M', time.localtime(started))}",
        "",
        f"{WORKERS} gunicorn workers (one per core), PostgreSQL, Redis cache, DEBUG off; load from {tools['load']} "
        f"on loopback, {WORKERS} connections, {SECONDS:.0f} s per row; {tools['nginx']} serving the same "
        "HTML as a static file. Small: the demo; large: "
        + (
            f"{fmt(large['facts']['contributions'])} contributions, {fmt(large['facts']['process_rows'])} on the "
            f"largest process (its deep keyset page starts after row {fmt(large['facts']['deep_rank'])})."
            if large
            else "not run."
        ),
        "CPU ms: the gunicorn workers' CPU time per request (PostgreSQL's not included). Queries: Django's test "
        "client, second request, no page cache. Served: rendered (the page cache off: what each page costs, and a "
        "search or a page nobody asked for before) or from the cache (production's settings: anonymous visitors "
        "during a surge). Ratio: the site's req/s over nginx's for the same HTML.",
        "",
        "| page | volume | served | queries | CPU ms | req/s | p50 ms | p95 ms | p99 ms | errors | nginx req/s "
        "| vs nginx |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows = list((small or large)["pages"]) if (small or large) else []
    for volume in volumes:
        for row in volume["pages"]:
            if row not in rows:
                rows.append(row)
    for row in rows:
        for volume, served, figures in (
            (volume, served, volume.get(key, {}).get(row))
            for volume in volumes
            for served, key in (("rendered", "rendered"), ("from the cache", "pages"))
        ):
            if figures is None:
                continue
            ratio = figures["rps"] / figures["nginx_rps"] if figures.get("nginx_rps") else None
            lines.append(
                f"| {row} | {volume['name']} | {served} | {fmt(figures['queries'])} | {fmt(figures['cpu_ms'], 1)} | "
                f"{fmt(figures['rps'], 1)} | {fmt(figures['p50'], 1)} | {fmt(figures['p95'], 1)} | "
                f"{fmt(figures['p99'], 1)} | {fmt(figures['errors'])} | {fmt(figures.get('nginx_rps'))} | "
                f"{'—' if ratio is None else f'{ratio * 100:.2f} %'} |"
            )
    for volume in volumes:
        post = volume["post"]
        refused = "" if post["accepted"] else f" (trial answered {post['trial_status']})"
        lines.append(
            f"| contribution POST | {volume['name']} | — | {fmt(post['queries'])} | {fmt(post['cpu_ms'], 1)} | "
            f"{fmt(post['rps'], 1)} | {fmt(post['p50'], 1)} | {fmt(post['p95'], 1)} | {fmt(post['p99'], 1)} | "
            f"{fmt(post['errors'])}{refused} | — | — |"
        )
    lines += [
        "",
        "## Exports",
        "",
        "| export | volume | status | rows | seconds | first byte s | rows/s | MB | worker RSS before → peak MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for volume in volumes:
        for name, export in volume["exports"].items():
            rows_count = export["rows"]
            if rows_count is None and name.startswith("anonymised XLSX"):
                rows_count = volume["exports"].get("anonymised CSV", {}).get("rows")
            ok = export["status"] == 200 and not export["error"]
            rate = rows_count / export["seconds"] if ok and rows_count and export["seconds"] else None
            lines.append(
                f"| {name} | {volume['name']} | {export['status']}{' ' + export['error'] if export['error'] else ''} | "
                f"{fmt(rows_count)} | {fmt(export['seconds'], 1)} | {fmt(export['ttfb'], 2)} | {fmt(rate)} | "
                f"{fmt(export['bytes'] / 1e6, 1)} | {fmt(export['rss_before'] / 1e6)} → "
                f"{fmt(export['rss_peak'] / 1e6)} |"
            )
    if large:
        lines += ["", "## Large volume: jobs", ""]
        generator = large.get("generator")
        if generator:
            lines.append(
                f"- `generate_scale_data`: {generator['output']} (wall time with Django's start: "
                f"{generator['seconds']:.0f} s)"
            )
        decisions = large.get("moderation")
        if decisions:
            lines.append(
                f"- moderation, approve one by one: median {decisions['single_ms']:.0f} ms, slowest "
                f"{decisions['single_max_ms']:.0f} ms (answers {decisions['single_statuses']}); "
                f"{BULK_DECISIONS} in one bulk action: {decisions['bulk_ms'] / 1000:.1f} s "
                f"({decisions['bulk_ms'] / BULK_DECISIONS:.0f} ms each, answer {decisions['bulk_status']})"
            )
        purged = large.get("purge")
        if purged:
            rate = purged["rows"] / purged["seconds"] if purged["seconds"] else None
            lines.append(
                f"- `purge_personal_data`: {fmt(purged['rows'])} rows changed (anonymised, keys forgotten, deleted) "
                f"and committed in {fmt(purged['seconds'], 1)} s ({fmt(rate, 1)} rows/s)"
                + ("" if purged["finished"] else f", stopped after {PURGE_SECONDS:.0f} s")
            )
    lines += ["", "## Targets of issue 15", "", "| target | measured | |", "| --- | --- | --- |"]
    lines += targets(small, large)
    if large and large["facts"].get("plans"):
        lines += ["", "## Plans of the contribution queries (large volume)", ""]
        for page, plans in large["facts"]["plans"].items():
            for plan in plans:
                lines += [
                    f"### {page} ({plan['ms']:.1f} ms)",
                    "",
                    "```sql",
                    plan["sql"],
                    "```",
                    "",
                    "```",
                    plan["plan"],
                    "```",
                    "",
                ]
    return "\n".join(lines) + "\n"


def targets(small, large):
    rows = []
    public = list((large or small or {"pages": {}})["pages"])
    if small and large:
        same = [row for row in public if small["pages"][row]["queries"] == large["pages"].get(row, {}).get("queries")]
        worst = max((large["pages"][row]["queries"] or 0) for row in public)
        rows.append(
            f"| every public page ≤ 15 queries, the same at any volume | at most {worst}; the same at both volumes "
            f"on {len(same)} of {len(public)} | {verdict(worst <= 15 and len(same) == len(public))} |"
        )
        first = "process, first page"
        drop = large["rendered"][first]["rps"] / small["rendered"][first]["rps"]
        rows.append(
            f"| process page (rendered): no drop in req/s with volume | {small['rendered'][first]['rps']:.1f} → "
            f"{large['rendered'][first]['rps']:.1f} req/s ({drop * 100:.0f} %) | {verdict(drop >= 0.8)} |"
        )
    if large:
        rendered = large["rendered"]
        deep = next((row for row in rendered if row.startswith("process, deep keyset page")), None)
        if deep:
            p95 = rendered[deep]["p95"]
            rows.append(
                f"| {deep} (rendered): ≤ 50 ms | p50 {rendered[deep]['p50']:.0f} ms, p95 {p95:.0f} ms | "
                f"{verdict(p95 <= 50)} |"
            )
        for row in (row for row in rendered if row.startswith("search")):
            p95 = rendered[row]["p95"]
            rows.append(
                f"| {row} (rendered): p95 ≤ 100 ms at 1 M | p50 {rendered[row]['p50']:.0f} ms, p95 {p95:.0f} ms | "
                f"{verdict(p95 <= 100)} |"
            )
        post = large["post"]
        rows.append(
            f"| contribution POST ≥ 50 req/s at 1 M | {post['rps']:.1f} req/s ({post['errors']} errors) | "
            f"{verdict(post['rps'] >= 50 and post['accepted'])} |"
        )
        ratios = [
            (row, figures["rps"] / figures["nginx_rps"])
            for row, figures in large["pages"].items()
            if figures.get("nginx_rps")
        ]
        if ratios:
            row, ratio = min(ratios, key=lambda item: item[1])
            rows.append(
                f"| anonymous page (from the cache) ≥ 10 % of nginx static | lowest: {row}, {ratio * 100:.2f} % | "
                f"{verdict(ratio >= 0.10)} |"
            )
        for name in ("anonymised CSV", "anonymised XLSX"):
            export = large["exports"].get(name)
            if not export:
                continue
            rows_count = export["rows"] or large["exports"].get("anonymised CSV", {}).get("rows") or 0
            ok = export["status"] == 200 and not export["error"]
            rate = rows_count / export["seconds"] if ok and export["seconds"] else 0
            growth = (export["rss_peak"] - export["rss_before"]) / 1e6
            wanted = 20_000 if name.endswith("CSV") else 0
            measured_text = f"{rate:,.0f} rows/s" if ok else f"failed: {export['status']} {export['error']}"
            rows.append(
                f"| {name} export: flat memory (≤ 50 MB growth)"
                + (", ≥ 20 000 rows/s" if wanted else "")
                + f" | {measured_text}"
                f", worker grew {growth:.0f} MB | {verdict(ok and growth <= 50 and rate >= wanted)} |"
            )
        decisions = large.get("moderation")
        if decisions:
            bulk_each = decisions["bulk_ms"] / BULK_DECISIONS
            rows.append(
                f"| moderation decision ≤ 20 ms, constant | one: {decisions['single_ms']:.0f} ms (HTTP round trip "
                f"included), in bulk: {bulk_each:.0f} ms each | {verdict(bulk_each <= 20)} |"
            )
        purged = large.get("purge")
        if purged:
            rate = purged["rows"] / purged["seconds"] if purged["seconds"] else 0
            rows.append(
                f"| `purge_personal_data` ≥ 2 000 rows/s, in batches | {rate:,.1f} rows/s | {verdict(rate >= 2000)} |"
            )
    return rows


def main():
    started = time.time()
    tools = {
        "load": "wrk" if shutil.which("wrk") else "a Python load generator (wrk absent)",
        "nginx": "nginx" if shutil.which("nginx") else "nginx (absent: no limit measured)",
    }
    folder = Path(tempfile.mkdtemp(prefix="participation-bench-"))
    nginx = start_nginx(folder)
    private_redis = ensure_redis(folder)
    volumes = []
    try:
        only = os.environ.get("BENCH_ONLY", "")
        if only != "large":
            volumes.append(run_volume("small", "participation_bench_small", 0, folder, nginx is not None))
        if only != "small":
            volumes.append(run_volume("large", LARGE_DATABASE, CONTRIBUTIONS, folder, nginx is not None))
    finally:
        stop(nginx)
        stop(private_redis)
    table = render(volumes, started, tools)
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(table, encoding="utf-8")
    (OUTPUT.parent / "last.json").write_text(json.dumps(volumes, indent=1, default=str), encoding="utf-8")
    print(table)
    log(f"written to {OUTPUT.relative_to(ROOT)} in {(time.time() - started) / 60:.1f} min; logs in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
