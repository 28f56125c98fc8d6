"""The fault run (`make fault`): PostgreSQL restarted and Redis stopped while citizens post contributions.

It starts its own PostgreSQL cluster and its own Redis (never the machine's), migrates and loads the demo, then
serves the site as production does: gunicorn with two workers, the task worker (`email_worker`) that sends the
emails, Redis as the shared cache. Citizens post contributions all along, while:

1. PostgreSQL is killed and restarted (`pg_ctl restart -m immediate`: a crash, recovered from its log);
2. Redis is stopped for good.

Then every citizen confirms through the link of their email, and the run checks what an operator must be able to
promise: the site answered every request (a French 503 while the database was away, never a 500); every
contribution the site acknowledged is stored once, and confirmed once its link was followed; no queued email was
lost (each acknowledged contribution got its confirmation email, and the task queue holds no failed email).

Exit status 0 when all holds; otherwise the broken promises are printed. `--keep` leaves the temporary folder
(logs of the servers) for a post-mortem.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PG_PORT = int(os.environ.get("FAULT_PG_PORT", 5441))
REDIS_PORT = int(os.environ.get("FAULT_REDIS_PORT", 6395))
WEB_PORT = int(os.environ.get("FAULT_WEB_PORT", 8165))
BASE = f"http://127.0.0.1:{WEB_PORT}"
EMAIL_DOMAIN = "fault.example.org"
ALREADY_STORED = "Vous avez déjà envoyé cette contribution"


def log(message):
    print(f"[fault {time.strftime('%H:%M:%S')}] {message}", flush=True)


def pg_bin(name):
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise SystemExit(f"{name} not found: the fault run needs PostgreSQL's server binaries (initdb, pg_ctl).")


def as_postgres(args, **kwargs):
    """PostgreSQL refuses to run as root: run its tools as the `postgres` system user then."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


def wait_for_port(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on port {port} after {seconds} s")


class Services:
    """A private PostgreSQL cluster and a private Redis in a temporary folder, and the site's processes."""

    def __init__(self, folder):
        self.folder = folder
        self.pgdata = folder / "pg"
        self.processes = {}
        self.logs = {}

    # --- PostgreSQL ---

    def start_postgresql(self):
        self.pgdata.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            shutil.chown(self.pgdata, "postgres")
        as_postgres(
            [
                pg_bin("initdb"),
                "-D",
                str(self.pgdata),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C.UTF-8",
            ]
        )
        self.pg_ctl("start")
        as_postgres([pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(PG_PORT), "-U", "postgres", "participation"])

    def pg_ctl(self, action, *extra):
        options = f"-p {PG_PORT} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        as_postgres(
            [
                pg_bin("pg_ctl"),
                "-D",
                str(self.pgdata),
                "-o",
                options,
                "-l",
                str(self.folder / "pg.log"),
                "-w",
                action,
                *extra,
            ]
        )

    # --- Redis ---

    def start_redis(self):
        self.spawn(
            "redis",
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        )
        wait_for_port(REDIS_PORT)

    # --- The site ---

    def spawn(self, name, args, env=None):
        handle = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 (closed in stop())
        self.logs[name] = handle
        self.processes[name] = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self.processes[name]

    def stop(self, name):
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if name in self.logs:
            self.logs.pop(name).close()

    def read_log(self, name):
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self):
        for name in list(self.processes):
            self.stop(name)
        if (self.pgdata / "postmaster.pid").exists():
            try:
                self.pg_ctl("stop", "-m", "immediate")
            except subprocess.CalledProcessError:
                pass


def site_env(secret):
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "CACHE_", "EMAIL_"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secret,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{PG_PORT}/participation",
        CACHE_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
        PUBLIC_BASE_URL=BASE,
        WAGTAILADMIN_BASE_URL=BASE,
        # One client posts for everyone here: the limits of a real citizen are not what is tried.
        RATE_LIMIT_CONTRIBUTIONS="100000",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env, *args):
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


FIND_PROCESS = """
from participation.models import ProcessPage
from participation.services.contributions import refuse_unless_open
from communes.visibility import public_pages
for process in public_pages(ProcessPage.objects.all()).specific():
    try:
        refuse_unless_open(process)
    except Exception:
        continue
    if process.accepts_contributions:
        print(process.url)
        break
"""


class Citizen:
    """One person posting one contribution, as a browser does (form page, CSRF cookie, POST)."""

    def __init__(self, number, process_url):
        self.email = f"citoyen-{number}@{EMAIL_DOMAIN}"
        self.text = f"Contribution numéro {number} du test de panne : plus de bancs et d'ombre près de l'école."
        self.process_url = process_url
        self.session = requests.Session()
        self.answers = []  # status codes of every attempt
        self.acknowledged = False

    def fields(self, html):
        found = {}
        for name in ("csrfmiddlewaretoken", "charter_version", "terms_version"):
            match = re.search(rf'name="{name}" value="([^"]*)"', html)
            if match:
                found[name] = match.group(1)
        return found

    def contribute(self):
        try:
            page = self.session.get(BASE + self.process_url, timeout=15)
        except requests.RequestException as error:
            self.answers.append(f"no answer ({error.__class__.__name__})")
            return
        self.answers.append(page.status_code)
        if page.status_code != 200:
            return
        data = {
            **self.fields(page.text),
            "pseudonym": self.email.split("@")[0],
            "email": self.email,
            "text": self.text,
            "accept": "on",
            "website": "",
        }
        try:
            response = self.session.post(
                BASE + self.process_url + "contribuer/", data=data, timeout=15, headers={"Referer": BASE}
            )
        except requests.RequestException as error:
            self.answers.append(f"no answer ({error.__class__.__name__})")
            return
        if response.status_code == 400 and ALREADY_STORED in response.text:
            # An earlier attempt was stored, but its answer was lost (the database fell between the commit and the
            # page): the site says so, and does not store it twice.
            self.answers.append("400 already stored")
            self.acknowledged = True
            return
        self.answers.append(response.status_code)
        self.acknowledged = response.status_code == 200


def post_continuously(citizens, stop):
    """Citizens keep coming, one after another, until told to stop; each tries until the site acknowledges."""
    for citizen in citizens:
        for _attempt in range(40):
            citizen.contribute()
            if citizen.acknowledged or stop.is_set():
                break
            time.sleep(0.25)
        if stop.is_set():
            break


def emails_by_recipient(text):
    """The console email backend's output, split into messages, keyed by recipient."""
    messages = {}
    for message in re.split(r"\n-{79}\n", text):
        match = re.search(r"^To: (\S+)$", message, re.MULTILINE)
        if match:
            messages.setdefault(match.group(1), []).append(message)
    return messages


CHECK_STORED = """
import json
from django.db.models import Count
from participation.models import Contribution
rows = Contribution.objects.filter(email__endswith="@{domain}").values("email", "status")
counts = {{}}
for row in rows:
    counts.setdefault(row["email"], []).append(row["status"])
from django_tasks_db.models import DBTaskResult
tasks = {{row["status"]: row["n"] for row in DBTaskResult.objects.values("status").annotate(n=Count("id"))}}
print(json.dumps({{"contributions": counts, "tasks": tasks}}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and its logs")
    parser.add_argument("--citizens", type=int, default=30)
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="participation-fault-"))
    services = Services(folder)
    broken = []
    try:
        log(f"private PostgreSQL on {PG_PORT}, Redis on {REDIS_PORT}, site on {WEB_PORT}, logs in {folder}")
        services.start_postgresql()
        services.start_redis()
        env = site_env(os.environ.get("SECRET_KEY") or "fault-run-" + "x" * 50)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "load_demo")
        process_url = manage(env, "shell", "--no-imports", "-c", FIND_PROCESS).strip()
        if not process_url:
            raise SystemExit("the demo has no process open to contributions")
        log(f"citizens contribute to {process_url}")

        services.spawn(
            "web",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--workers",
                "2",
                "--bind",
                f"127.0.0.1:{WEB_PORT}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
            ],
            env,
        )
        services.spawn("worker", [PYTHON, "manage.py", "email_worker", "--interval", "0.2"], env)
        wait_for_port(WEB_PORT)

        citizens = [Citizen(number, process_url) for number in range(options.citizens)]
        third = len(citizens) // 3
        stop = threading.Event()

        log("1. normal service")
        post_continuously(citizens[:third], stop)

        log("2. PostgreSQL crashes and restarts while citizens post")
        poster = threading.Thread(target=post_continuously, args=(citizens[third : 2 * third], stop))
        poster.start()
        time.sleep(0.3)
        services.pg_ctl("stop", "-m", "immediate")
        time.sleep(2)
        services.pg_ctl("start")
        poster.join(120)

        log("3. Redis stops for good while citizens post")
        services.stop("redis")
        post_continuously(citizens[2 * third :], stop)

        log("4. every citizen follows the link of their confirmation email")
        deadline = time.monotonic() + 90
        acknowledged = [citizen for citizen in citizens if citizen.acknowledged]
        while time.monotonic() < deadline:
            emails = emails_by_recipient(services.read_log("worker") + services.read_log("web"))
            if all(citizen.email in emails for citizen in acknowledged):
                break
            time.sleep(1)
        emails = emails_by_recipient(services.read_log("worker") + services.read_log("web"))
        confirmed = []
        for citizen in acknowledged:
            messages = emails.get(citizen.email, [])
            links = [link for message in messages for link in re.findall(r"https?://\S+/confirmer/\S+/", message)]
            if len(messages) != 1 or len(links) != 1:
                broken.append(f"{citizen.email}: {len(messages)} confirmation email(s), {len(links)} link(s)")
                continue
            page = citizen.session.get(links[0], timeout=15)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]*)"', page.text)
            answer = citizen.session.post(
                links[0], data={"csrfmiddlewaretoken": token.group(1) if token else ""}, headers={"Referer": BASE}
            )
            if answer.status_code != 200:
                broken.append(f"{citizen.email}: confirming answered {answer.status_code}")
            else:
                confirmed.append(citizen.email)

        log("5. what the operator must be able to promise")
        stored = __import__("json").loads(
            manage(env, "shell", "--no-imports", "-c", CHECK_STORED.format(domain=EMAIL_DOMAIN))
        )
        answers = [answer for citizen in citizens for answer in citizen.answers]
        if 500 in answers:
            broken.append(f"{answers.count(500)} answer(s) 500")
        odd = sorted({str(answer) for answer in answers} - {"200", "503", "400 already stored"})
        if odd:
            broken.append(f"unexpected answers: {odd}")
        for citizen in citizens:
            statuses = stored["contributions"].get(citizen.email, [])
            if citizen.acknowledged and len(statuses) != 1:
                broken.append(f"{citizen.email}: acknowledged, stored {len(statuses)} time(s)")
            if not citizen.acknowledged:
                broken.append(f"{citizen.email}: never acknowledged (answers {citizen.answers})")
        for email in confirmed:
            if stored["contributions"].get(email) == ["unconfirmed"]:
                broken.append(f"{email}: followed the link, still unconfirmed")
        tasks = stored["tasks"]
        unfinished = {status: count for status, count in tasks.items() if status != "SUCCESSFUL"}
        if unfinished:
            broken.append(f"email tasks not sent: {unfinished}")
        for name in ("web", "worker"):
            if services.processes[name].poll() is not None:
                broken.append(f"the {name} process died (exit status {services.processes[name].returncode})")
        log(
            f"{len(citizens)} citizens, {len(acknowledged)} acknowledged, {len(confirmed)} confirmed; "
            f"answers: 200×{answers.count(200)}, 503×{answers.count(503)}; tasks: {tasks}"
        )
    finally:
        services.stop_all()
        if options.keep or broken:
            log(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if broken:
        print("\nBROKEN PROMISES:\n- " + "\n- ".join(broken), file=sys.stderr)
        return 1
    log("all promises held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
