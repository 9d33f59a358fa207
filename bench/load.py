#!/usr/bin/env python
"""Load test of the directory against gunicorn on PostgreSQL.

    .venv/bin/python bench/load.py                      # starts gunicorn itself
    .venv/bin/python bench/load.py --base-url http://127.0.0.1:8100   # an already running server

By default it starts ``gunicorn helice.wsgi`` on 127.0.0.1 with
``DJANGO_SETTINGS_MODULE=bench.settings_bench`` (the portal's settings, DEBUG off,
plus the trivial ``/bench/ping`` view), runs every scenario with ``--clients``
concurrent clients, then stops the server it started (and only that one).

Each client is a separate process with one keep-alive ``http.client`` connection
(the connection is reopened when the server closes it, as gunicorn's sync
workers do after each response), so the clients do not share a GIL and their
timings are not skewed by each other. A scenario is a warm-up (discarded), then
a measured window of ``--duration`` seconds, bounded by ``--max-requests`` per
client as well. Latency is measured from sending the request to reading the
last byte of the body.

Scenarios:

* ``ping``          the trivial view, ``/bench/ping``: the ceiling of the stack;
* ``list``          the directory without query, ``/annuaire/``;
* ``search``        full text only, ``/annuaire/?q=...``;
* ``search_facets`` full text and two facets, ``/annuaire/?q=...&kind=...&sector=...``
                    (the one with the target: p95 under 50 ms);
* ``api_search_facets`` the same through the JSON API, when ``/api/v1/organizations`` exists;
* ``finder_text``   the guichet's finder with free text, ``/guichet/?q=<phrase>`` (30 French phrases);
* ``finder_criteria`` the finder with ticked criteria, ``/guichet/?need=...&stage=...&sector=...&size=...``
                    (300 combinations, some of them dead ends);
* ``api_match``     the same combinations through ``/api/v1/guichet/match``.

The finder's target: p95 under 80 ms with 2,000 services (``bench/generate_services.py``).

The agenda (target: p95 under 60 ms with 50,000 events, ``bench/generate_events.py``), each
scenario over the same 300 filter combinations (sector, kind, audience, here or abroad, free,
words; one in ten without any filter, a few finding nothing):

* ``agenda_list``   the upcoming events, ``/agenda/?sector=...&kind=...&audience=...&where=...&free=on&q=...``
                    (some of the broad ones, one filter and no words, ask for the second page);
* ``agenda_feed``   the iCalendar feed of the same filters, ``/agenda/agenda.ics?...``;
* ``agenda_month``  the month view, ``/agenda/mois/<YYYY-MM>/?...``, this month and the next eleven.

Participation (data: ``bench/generate_participation.py``; scenarios in ``bench/load_participation.py``):

* ``participation_list``  the consultation's proposals list with varied sorts, filters and pages
                          (target: p95 under 80 ms at 8 clients);
* ``participation_api``   the same through ``/api/v1/participation``, and proposals with their comments;
* ``participation_opinion_write``  ``--write-clients`` (16) clients signed in as distinct participants
                          POST opinions (target: 300 a second), then the database is checked: no
                          opinion lost or doubled, counters equal to the rows.

Results go to ``bench/results/<timestamp>.json`` (not versioned) and a Markdown
table is printed. Traffic only ever goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import multiprocessing
import os
import platform
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load_participation

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helice_bench"
ALLOWED_HOSTS = ("127.0.0.1", "localhost")

# What visitors type: whole words without accents, prefixes while typing,
# several words, a place, a stem. Deterministically combined with facets.
# fmt: off
QUERIES = [
    "micro", "capteur", "capteurs", "energie", "hydrogene", "batter", "sante", "medical", "imagerie",
    "robot", "robotique", "logiciel", "cyber", "intelligence artificielle", "photon", "semi conducteurs",
    "solaire", "reseaux electriques", "montagne", "ski", "materiaux", "chimie", "biotech", "diagnostic",
    "donnees", "cloud", "alpes", "grenoble", "dauphine", "isere", "mecanique", "usinage", "nano",
    "optique", "quantique", "mobilite", "velo", "recyclage", "qualite air", "formation", "incub",
    "dispositifs medicaux", "efficacite energetique", "laser", "fabrication additive", "meylan",
    "stockage energie", "vision industrielle", "composites", "brevets", "maintenance predictive",
    "objets connectes", "belledonne", "vercors tech", "labo", "plateforme", "insertion", "velos electriques",
]
# Kinds a visitor ticks most, weighted.
KINDS = [
    ("company", 30), ("startup", 30), ("research_lab", 12), ("association", 6), ("technology_platform", 6),
    ("incubator", 4), ("investor", 4), ("cluster", 4), ("public_body", 2), ("higher_education", 2),
]
# The guichet's finder: what a person types in the free-text box.
FINDER_PHRASES = [
    "je cherche un financement pour industrialiser mon prototype", "trouver des locaux en pépinière",
    "exporter en Asie", "recruter des alternants", "déposer un brevet", "subvention pour une start-up",
    "lever des fonds auprès de business angels", "prêt d'honneur pour créer mon entreprise",
    "je voudrais tester mon produit avec des utilisateurs", "trouver un laboratoire partenaire",
    "accélérer la croissance de ma PME", "répondre aux marchés publics", "un mentor pour me conseiller",
    "salon à l'étranger", "bureau en coworking à Grenoble", "financement participatif",
    "appel à projets innovation santé", "accompagnement à la création d'entreprise", "embaucher un ingénieur",
    "passer du prototype à la présérie", "trouver des sous-traitants", "rejoindre un cluster",
    "formation des dirigeants", "je suis étudiant avec une idée", "salle blanche et équipements",
    "s'implanter aux États-Unis", "garantie bancaire pour un prêt", "projet collaboratif de R&D hydrogène",
    "aide pour la transition écologique de mon atelier", "mise en production de batteries",
    "viticulture biologique", "accueillir des stagiaires cet été",
]
# Need and stage codes of helice/guichet/data/taxonomy.yaml (stable codes).
FINDER_NEEDS = [
    "finance", "finance-grant", "finance-loan", "finance-equity", "finance-crowdfunding", "finance-rd",
    "finance-guarantee", "premises", "premises-incubator", "premises-office", "premises-workshop", "premises-lab",
    "protect", "protect-patent", "protect-licensing", "recruit", "recruit-talent", "recruit-students",
    "recruit-international", "test", "test-living-lab", "test-pilot", "test-demonstrator", "public-buyers",
    "public-procurement", "public-innovation-procurement", "international", "international-export",
    "international-fairs", "international-settle", "international-attract", "tech-partner", "tech-lab",
    "tech-platform", "tech-collaborative", "coaching", "coaching-creation", "coaching-growth", "coaching-mentoring",
    "coaching-training", "industrialise", "industrialise-prototype", "industrialise-production",
    "industrialise-suppliers", "network", "network-cluster", "network-events",
]
FINDER_STAGES = ["idea", "creation", "seed", "growth", "scaleup", "industrialisation", "international"]
FINDER_SIZES = [0, 1, 3, 8, 15, 40, 120, 300, 2000]
# What a visitor types in the agenda's search box: kinds, themes, places here and abroad,
# a phrase; "viticulture" finds nothing.
AGENDA_QUERIES = [
    "hydrogene", "salon", "atelier", "forum", "meetup", "formation", "hackathon", "numerique", "sante",
    "energie", "robotique", "intelligence artificielle", "cybersecurite", "brevet", "lever des fonds", "tokyo",
    "munich", "geneve", "grenoble", "meylan", "pitch", "visite", "photonique", "quantique", "montagne",
    "jumeaux numeriques", "expo", "demo day", "microelec", "viticulture",
]
AGENDA_KINDS = [
    ("meetup", 18), ("workshop", 16), ("conference", 16), ("training", 10), ("trade_fair", 10), ("forum", 10),
    ("pitch_session", 8), ("site_visit", 6), ("hackathon", 6),
]
AGENDA_AUDIENCES = ["professionals", "general_public", "students", "researchers"]
# Words no service mentions: with no need, stage or sector they exclude everything
# and the finder explains the dead end (counts without each criterion, nearest services).
DEAD_END_WORDS = ["viticulture", "joaillerie", "aquaculture", "horlogerie", "tannerie"]
# fmt: on
SCENARIOS = (
    "ping",
    "list",
    "search",
    "search_facets",
    "api_search_facets",
    "finder_text",
    "finder_criteria",
    "api_match",
    "strategy_dashboard",
    "strategy_indicator",
    "agenda_list",
    "agenda_feed",
    "agenda_month",
    *load_participation.SCENARIOS,
)
# Scenarios of the guichet's finder and their target (p95, ms).
FINDER_SCENARIOS = ("finder_text", "finder_criteria", "api_match")
FINDER_TARGET_MS = 80
# The strategy's public dashboard (full plan, 10 years of monthly values per indicator).
STRATEGY_SCENARIOS = ("strategy_dashboard", "strategy_indicator")
STRATEGY_TARGET_MS = 100
# The agenda: list, feed and month view with 50,000 events.
AGENDA_SCENARIOS = ("agenda_list", "agenda_feed", "agenda_month")
AGENDA_TARGET_MS = 60


# ---------------------------------------------------------------------------
# Requests
# ---------------------------------------------------------------------------


def scenario_paths(name: str, sectors: list[str], seed: int, size: int = 300, codes: list[str] = ()) -> list[str]:
    """The URLs of a scenario, drawn once and deterministically from the seed."""
    rng = random.Random(f"{seed}-{name}")
    kinds, weights = zip(*KINDS, strict=True)
    if name == "ping":
        return ["/bench/ping"]
    if name == "list":
        return ["/annuaire/"]
    if name == "search":
        return [f"/annuaire/?{urlencode({'q': q})}" for q in QUERIES]
    if name == "strategy_dashboard":
        return ["/strategie/"]
    if name == "strategy_indicator":
        return [f"/strategie/indicateurs/{code}/" for code in codes or ["none"]]
    if name in AGENDA_SCENARIOS:
        return agenda_paths(name, sectors, seed, size)
    if name == "finder_text":
        return [f"/guichet/?{urlencode({'q': q})}" for q in FINDER_PHRASES]
    if name in ("finder_criteria", "api_match"):
        prefix = "/api/v1/guichet/match" if name == "api_match" else "/guichet/"
        return [f"{prefix}?{urlencode(params, doseq=True)}" for params in finder_criteria(sectors, seed, size)]
    paths = []
    for _ in range(size):
        params = {"q": rng.choice(QUERIES), "kind": rng.choices(kinds, weights)[0], "sector": rng.choice(sectors)}
        prefix = "/api/v1/organizations" if name == "api_search_facets" else "/annuaire/"
        paths.append(f"{prefix}?{urlencode(params)}")
    return paths


def finder_criteria(sectors: list[str], seed: int, size: int = 300) -> list[dict]:
    """``size`` distinct combinations of the finder's criteria (the same for the
    page and the API): 1–2 needs, often a stage, sometimes a sector, a headcount
    or an age; about 7 % are dead ends (a word no service mentions as the only
    criterion besides a headcount or an age)."""
    rng = random.Random(f"{seed}-finder_criteria")
    combos: list[dict] = []
    seen: set[str] = set()
    while len(combos) < size:
        params: dict = {}
        if rng.random() < 0.07:
            params["q"] = rng.choice(DEAD_END_WORDS)
            params["size" if rng.random() < 0.5 else "age"] = rng.choice(FINDER_SIZES[:6])
        else:
            params["need"] = rng.sample(FINDER_NEEDS, rng.choices((1, 2), (70, 30))[0])
            if rng.random() < 0.75:
                params["stage"] = rng.choice(FINDER_STAGES)
            if rng.random() < 0.5:
                params["sector"] = rng.choice(sectors)
            if rng.random() < 0.4:
                params["size"] = rng.choice(FINDER_SIZES)
            if rng.random() < 0.2:
                params["age"] = rng.randint(0, 15)
        key = urlencode(params, doseq=True)
        if key not in seen:
            seen.add(key)
            combos.append(params)
    return combos


def agenda_filters(sectors: list[str], seed: int, size: int = 300) -> list[dict]:
    """``size`` distinct filter combinations of the agenda (the same for the list,
    the feed and the month): one in ten without any filter (the page most visited),
    the others with a sector (45 %), one or two kinds (40 %), an audience (25 %),
    here or abroad (30 %), free only (20 %), words (30 %); at least one each."""
    rng = random.Random(f"{seed}-agenda_filters")
    kinds, weights = zip(*AGENDA_KINDS, strict=True)
    combos: list[dict] = [{}]
    seen: set[str] = {""}
    while len(combos) < size:
        if rng.random() < 0.1:
            combos.append({})
            continue
        params: dict = {}
        while not params:
            if rng.random() < 0.45:
                params["sector"] = rng.choice(sectors)
            if rng.random() < 0.4:
                params["kind"] = list(dict.fromkeys(rng.choices(kinds, weights, k=rng.choice((1, 1, 2)))))
            if rng.random() < 0.25:
                params["audience"] = rng.choice(AGENDA_AUDIENCES)
            if rng.random() < 0.3:
                params["where"] = "here" if rng.random() < 0.6 else "abroad"
            if rng.random() < 0.2:
                params["free"] = "on"
            if rng.random() < 0.3:
                params["q"] = rng.choice(AGENDA_QUERIES)
        key = urlencode(params, doseq=True)
        if key not in seen:
            seen.add(key)
            combos.append(params)
    return combos


def agenda_paths(name: str, sectors: list[str], seed: int, size: int = 300) -> list[str]:
    """The agenda's URLs: the list (some broad ones on page 2), the feed and the month
    view (this month and the next eleven) for the same filter combinations."""
    rng = random.Random(f"{seed}-{name}")
    today = datetime.date.today()
    months = [(today.year + (today.month - 1 + i) // 12, (today.month - 1 + i) % 12 + 1) for i in range(12)]
    paths = []
    for params in agenda_filters(sectors, seed, size):
        params = dict(params)
        if name == "agenda_list":
            # The next page of a broad query (one filter, no words): narrower ones may fit on one page.
            if len(params) <= 1 and "q" not in params and rng.random() < 0.3:
                params["page"] = 2
            prefix = "/agenda/"
        elif name == "agenda_feed":
            prefix = "/agenda/agenda.ics"
        else:
            year, month = rng.choice(months)
            prefix = f"/agenda/mois/{year:04d}-{month:02d}/"
        query = urlencode(params, doseq=True)
        paths.append(f"{prefix}?{query}" if query else prefix)
    return paths


def client(args: tuple) -> dict:
    """One client process: requests until ``end`` (or ``max_requests``), then its samples."""
    host, port, paths, start, end, max_requests, seed, timeout = args
    rng = random.Random(seed)
    while time.time() < start:
        time.sleep(min(0.01, max(0.0, start - time.time())))
    cpu_before = os.times()
    latencies: list[float] = []
    errors: dict[str, int] = {}
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    headers = {"Accept-Language": "fr", "Accept": "text/html,application/json", "Connection": "keep-alive"}
    sent = 0
    while sent < max_requests and time.time() < end:
        path = rng.choice(paths)
        sent += 1
        began = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - began
            if response.status != 200:
                key = f"HTTP {response.status}"
                errors[key] = errors.get(key, 0) + 1
            else:
                latencies.append(elapsed)
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            key = type(exc).__name__
            errors[key] = errors.get(key, 0) + 1
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn.close()
    cpu_after = os.times()
    cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return {"latencies": latencies, "errors": errors, "sent": sent, "cpu": cpu}


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(-(-q * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def cpu_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [float(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, CPU ticks used so far, command line) of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry)] = (int(fields[1]), int(fields[11]) + int(fields[12]), cmdline or stat[: stat.rindex(")")])
    return table


def foreign_cpu_pct(before: dict, after: dict, total_jiffies: float, database: str, roots: set[int]) -> float:
    """Share of the machine's CPU used during a phase by processes that are not
    part of the measure (other jobs on a shared machine): everything except the
    descendants of ``roots`` (this script, the server) and the PostgreSQL
    backends of the bench database and their parallel workers."""
    ours: set[int] = set()
    for pid, (_ppid, _ticks, cmdline) in after.items():
        if f" {database} " in f"{cmdline} " and cmdline.startswith("postgres:"):
            ours.add(pid)
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _ticks, cmdline) in after.items():
            if pid in ours:
                continue
            leader = cmdline.rsplit(" ", 1)[-1] if "parallel worker for PID" in cmdline else ""
            if ppid in roots or ppid in ours or pid in roots or (leader.isdigit() and int(leader) in ours):
                ours.add(pid)
                changed = True
    foreign = sum(ticks - before.get(pid, (0, 0, ""))[1] for pid, (_p, ticks, _c) in after.items() if pid not in ours)
    return round(100 * max(foreign, 0) / max(total_jiffies, 1), 1)


def wait_for_quiet(max_busy_pct: float, timeout: float) -> tuple[bool, float]:
    """Wait (at most ``timeout`` seconds) until the machine is nearly idle, so that
    other work on a shared machine does not pollute the measure."""
    deadline = time.time() + timeout
    while True:
        busy0, total0 = cpu_busy()
        time.sleep(3)
        busy1, total1 = cpu_busy()
        busy = 100 * (busy1 - busy0) / max(total1 - total0, 1)
        if busy <= max_busy_pct:
            return True, round(busy, 1)
        if time.time() >= deadline:
            return False, round(busy, 1)
        print(f"  machine {busy:.0f} % busy before the measure; waiting for it to calm down...", flush=True)


def run_phase(
    pool,
    host,
    port,
    paths,
    *,
    clients,
    duration,
    max_requests,
    seed,
    timeout,
    database,
    roots,
    worker=None,
    make_jobs=None,
    keep=None,
) -> dict:
    """One phase; ``worker`` and ``make_jobs(start, end)`` replace the GET clients
    (the write scenario); the clients' raw outcomes are appended to ``keep``."""
    start = time.time() + 0.3
    end = start + duration
    procs0 = processes()
    busy0, total0 = cpu_busy()
    if make_jobs is not None:
        jobs = make_jobs(start, end)
    else:
        jobs = [(host, port, paths, start, end, max_requests, seed * 1000 + i, timeout) for i in range(clients)]
    outcomes = pool.map(worker or client, jobs)
    if keep is not None:
        keep.extend(outcomes)
    wall = max(time.time() - start, 1e-9)
    busy1, total1 = cpu_busy()
    procs1 = processes()
    latencies = sorted(x for o in outcomes for x in o["latencies"])
    errors: dict[str, int] = {}
    for o in outcomes:
        for key, n in o["errors"].items():
            errors[key] = errors.get(key, 0) + n
    ms = [x * 1000 for x in latencies]
    return {
        "requests": sum(o["sent"] for o in outcomes),
        "ok": len(latencies),
        "errors": errors,
        "error_count": sum(errors.values()),
        "seconds": round(wall, 2),
        "throughput_rps": round(len(latencies) / wall, 1),
        "latency_ms": {
            "mean": round(sum(ms) / len(ms), 2) if ms else None,
            "p50": round(percentile(ms, 0.50), 2) if ms else None,
            "p95": round(percentile(ms, 0.95), 2) if ms else None,
            "p99": round(percentile(ms, 0.99), 2) if ms else None,
            "max": round(ms[-1], 2) if ms else None,
        },
        "machine_cpu_busy_pct": round(100 * (busy1 - busy0) / max(total1 - total0, 1), 1),
        "foreign_cpu_pct": foreign_cpu_pct(procs0, procs1, total1 - total0, database, roots),
        "client_cpu_seconds": round(sum(o["cpu"] for o in outcomes), 2),
    }


# ---------------------------------------------------------------------------
# Server and data set
# ---------------------------------------------------------------------------


def probe(host, port, path, timeout=5.0) -> int | None:
    try:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status
    except (OSError, http.client.HTTPException):
        return None


def start_gunicorn(args) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="bench.settings_bench", DATABASE_URL=args.database_url, DEBUG="false")
    env.pop("HELICE_ENV", None)
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "helice.wsgi",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--log-level",
        "warning",
        "--backlog",
        "256",
    ]
    if args.worker_class == "gthread":
        command += ["--threads", str(args.threads)]
    cache_url = env.get("CACHE_URL", "")
    if cache_url.startswith(("redis://", "rediss://")):
        # A shared cache outlives the server: start every run cold, as after a deploy.
        import redis

        redis.Redis.from_url(cache_url).flushdb()
        print(f"Flushed the shared cache {cache_url}", flush=True)
    print("Starting:", " ".join(command), flush=True)
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    # Workers import the whole project before answering: on a busy shared machine that
    # can take more than half a minute.
    deadline = time.time() + 120
    while time.time() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        if probe("127.0.0.1", args.port, "/bench/ping", timeout=5) == 200:
            return server
        time.sleep(0.3)
    stop_gunicorn(server)
    raise SystemExit("gunicorn did not answer /bench/ping within 120 s")


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def dataset(database_url: str, seed: int = 2024) -> dict:
    import psycopg

    with psycopg.connect(database_url) as conn:
        one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
        participation = (
            load_participation.dataset(conn, seed)
            if one("SELECT to_regclass('participation_consultation') IS NOT NULL")
            else {"participation": None}
        )
        return {
            **participation,
            "organizations": one("SELECT count(*) FROM directory_organization"),
            "published": one("SELECT count(*) FROM directory_organization WHERE status = 'published'"),
            "sector_links": one("SELECT count(*) FROM directory_organization_sectors"),
            "international_activities": one("SELECT count(*) FROM directory_internationalactivity"),
            "sectors": [r[0] for r in conn.execute("SELECT slug FROM core_sector WHERE is_active ORDER BY slug")],
            "communes": one("SELECT count(*) FROM core_commune"),
            "services": one("SELECT count(*) FROM guichet_service WHERE status = 'published'"),
            "indicator_codes": [r[0] for r in conn.execute("SELECT code FROM strategy_indicator ORDER BY code")],
            "measurements": one("SELECT count(*) FROM strategy_measurement"),
            "events": one("SELECT count(*) FROM agenda_event WHERE status = 'published'"),
            "upcoming_events": one("SELECT count(*) FROM agenda_event WHERE status = 'published' AND ends_at >= now()"),
            "time_slots": one("SELECT count(*) FROM agenda_timeslot"),
            "postgresql": one("SHOW server_version"),
        }


def environment(args) -> dict:
    def cmd(*command):
        try:
            return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.rstrip()
        except (OSError, subprocess.SubprocessError):
            return ""

    import django

    mem_kb = 0
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    cpu_model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "git_commit": cmd("git", "rev-parse", "--short", "HEAD"),
        "uncommitted_changes": [line[3:] for line in cmd("git", "status", "--porcelain", "--", "helice").splitlines()],
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cache": os.environ.get("CACHE_URL", "locmemcache:// (default, per process)"),
        "server": (
            f"gunicorn {args.workers} {args.worker_class} workers"
            + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
            if not args.base_url
            else args.base_url
        ),
    }


def markdown(results: dict) -> str:
    lines = [
        "| scenario | requests | errors | req/s | p50 ms | p95 ms | p99 ms | CPU busy | other jobs' CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results["scenarios"].items():
        if "skipped" in r:
            lines.append(f"| {name} | skipped: {r['skipped']} | | | | | | | |")
            continue
        lat = r["latency_ms"]
        lines.append(
            f"| {name} | {r['requests']} | {r['error_count']} | {r['throughput_rps']} | {lat['p50']} | "
            f"{lat['p95']} | {lat['p99']} | {r['machine_cpu_busy_pct']} % | {r['foreign_cpu_pct']} % |"
        )
    return "\n".join(lines)


def run_writes(pool, host, port, args, data, server) -> dict:
    """The opinion-write scenario: reset the writers, warm up, measure, check the database."""
    name = load_participation.WRITE_SCENARIO
    p = data["participation"]
    if not p or not p["writers"] or not p["open"]:
        print(f"{name}: skipped (no participation data with writers: run bench/generate_participation.py)")
        return {"skipped": "no participation data with writers"}
    deleted = load_participation.reset_writers(args.database_url, p)
    print(f"  reset: {deleted} opinions of the writers from a previous run deleted, counters recomputed", flush=True)
    clients = min(args.write_clients, len(p["writers"]))
    proposals = dict(p["open"])
    kept: list[dict] = []

    def make_jobs(start, end):
        return [
            (
                host,
                port,
                p["writers"][i::clients],
                proposals,
                load_participation.CONSULTATION,
                start,
                end,
                args.max_requests,
                args.seed * 1000 + i,
                args.timeout,
            )
            for i in range(clients)
        ]

    common = {
        "clients": clients,
        "max_requests": args.max_requests,
        "seed": args.seed,
        "timeout": args.timeout,
        "database": urlsplit(args.database_url).path.lstrip("/"),
        "roots": {os.getpid()} | ({server.pid} if server else set()),
        "worker": load_participation.write_client,
        "make_jobs": make_jobs,
        "keep": kept,
    }
    quiet, busy = wait_for_quiet(args.quiet_cpu, args.quiet_timeout) if args.quiet_cpu < 100 else (True, None)
    if args.warmup:
        run_phase(pool, host, port, [], duration=args.warmup, **common)
    measured_from = len(kept)
    outcome = run_phase(pool, host, port, [], duration=args.duration, **common)
    outcome["quiet_before"] = {"quiet": quiet, "machine_cpu_busy_pct": busy}
    outcome["clients"] = clients
    outcome["example_url"] = f"POST /concertation/{load_participation.CONSULTATION}/propositions/<slug>/avis/"
    outcome["writes_in_measure"] = sum(len(o["saved"]) for o in kept[measured_from:])
    outcome["integrity"] = load_participation.integrity(args.database_url, p, kept)
    lat = outcome["latency_ms"]
    print(
        f"{name}: {outcome['ok']} ok, {outcome['error_count']} errors, {outcome['throughput_rps']} writes/s, "
        f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms",
        flush=True,
    )
    print("  " + load_participation.integrity_text(outcome["integrity"]), flush=True)
    return outcome


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="measure this running server instead of starting gunicorn")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--port", type=int, default=8100)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker with --worker-class gthread")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--write-clients",
        type=int,
        default=16,
        help="clients of participation_opinion_write (each its own participants)",
    )
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=15.0, help="discarded seconds before each scenario")
    parser.add_argument("--max-requests", type=int, default=100_000, help="per client and phase, a hard bound")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a request counts as failed")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, among {SCENARIOS}")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--prime",
        type=int,
        default=0,
        metavar="N",
        help="request each of the first N distinct URLs of a scenario once before the warm-up (fills caches)",
    )
    parser.add_argument(
        "--quiet-cpu", type=float, default=25.0, help="wait until the machine is at most this %% busy (100: never wait)"
    )
    parser.add_argument("--quiet-timeout", type=float, default=300.0, help="give up waiting after this many seconds")
    parser.add_argument("--output", type=Path, help="JSON file (default bench/results/<timestamp>.json)")
    args = parser.parse_args(argv)

    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
    if not (1 <= args.clients <= 64) or not (0 < args.duration <= 600) or not (0 <= args.warmup <= 120):
        parser.error("bounds: 1-64 clients, 0-600 s of measure, 0-120 s of warm-up")
    if args.base_url:
        parts = urlsplit(args.base_url)
        if parts.hostname not in ALLOWED_HOSTS:
            parser.error("load traffic only goes to 127.0.0.1 or localhost")
        host, port = parts.hostname, parts.port or 80
    else:
        host, port = "127.0.0.1", args.port

    sys.path.insert(0, str(ROOT))
    data = dataset(args.database_url, args.seed)
    recorded = {k: v for k, v in data.items() if k != "participation"}
    if data["participation"]:  # the figures, not the writers' sessions
        recorded["participation"] = {
            k: (len(v) if isinstance(v, list) else v) for k, v in data["participation"].items()
        }
    results = {"environment": environment(args), "dataset": recorded, "config": vars(args).copy(), "scenarios": {}}
    results["config"]["output"] = str(args.output) if args.output else None
    print(
        f"Data set: {data['published']} published organisations, {data['sector_links']} sector links, "
        f"{len(data['sectors'])} sectors, {data['services']} published services, "
        f"{len(data['indicator_codes'])} indicators with {data['measurements']} values, "
        f"{data['events']} published events ({data['upcoming_events']} upcoming), PostgreSQL {data['postgresql']}.",
        flush=True,
    )
    if data["participation"]:
        p = data["participation"]
        print(
            f"Participation: {p['proposals']} proposals, {p['opinions']} opinions, {p['comments']} comments, "
            f"{len(p['writers'])} writers with a session.",
            flush=True,
        )

    server = None if args.base_url else start_gunicorn(args)
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(max(args.clients, args.write_clients)) as pool:
            for name in scenarios:
                if name == load_participation.WRITE_SCENARIO:
                    results["scenarios"][name] = run_writes(pool, host, port, args, data, server)
                    continue
                if name in load_participation.LIST_SCENARIOS:
                    paths = load_participation.scenario_paths(name, data["participation"], args.seed)
                else:
                    paths = scenario_paths(name, data["sectors"], args.seed, codes=data["indicator_codes"])
                status = probe(host, port, paths[0])
                if status != 200:
                    results["scenarios"][name] = {"skipped": f"{paths[0]} answered {status}"}
                    print(f"{name}: skipped ({paths[0]} answered {status})", flush=True)
                    continue
                common = {
                    "clients": args.clients,
                    "max_requests": args.max_requests,
                    "seed": args.seed,
                    "timeout": args.timeout,
                    "database": urlsplit(args.database_url).path.lstrip("/"),
                    "roots": {os.getpid()} | ({server.pid} if server else set()),
                }
                quiet, busy = (
                    wait_for_quiet(args.quiet_cpu, args.quiet_timeout) if args.quiet_cpu < 100 else (True, None)
                )
                if args.prime:
                    primed = [probe(host, port, path, timeout=args.timeout) for path in paths[: args.prime]]
                    print(f"  primed {len(primed)} URLs once each ({primed.count(200)} answered 200)", flush=True)
                if args.warmup:
                    run_phase(pool, host, port, paths, duration=args.warmup, **common)
                outcome = run_phase(pool, host, port, paths, duration=args.duration, **common)
                outcome["quiet_before"] = {"quiet": quiet, "machine_cpu_busy_pct": busy}
                outcome["distinct_urls"] = len(paths)
                outcome["example_url"] = paths[0]
                results["scenarios"][name] = outcome
                lat = outcome["latency_ms"]
                print(
                    f"{name}: {outcome['ok']} ok, {outcome['error_count']} errors, {outcome['throughput_rps']} req/s, "
                    f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms",
                    flush=True,
                )
    finally:
        if server is not None:
            stop_gunicorn(server)

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    output = args.output or RESULTS / f"{stamp}.json"
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(markdown(results))
    print(f"\nWritten to {output}")
    target = results["scenarios"].get("search_facets", {})
    if target.get("latency_ms", {}).get("p95") is not None:
        verdict = "met" if target["latency_ms"]["p95"] < 50 and not target["error_count"] else "NOT met"
        print(f"Target (search + 2 facets, p95 < 50 ms at {args.clients} clients): {verdict}.")
    for name in FINDER_SCENARIOS:
        finder = results["scenarios"].get(name, {})
        if finder.get("latency_ms", {}).get("p95") is not None:
            met = finder["latency_ms"]["p95"] < FINDER_TARGET_MS and not finder["error_count"]
            print(
                f"Target ({name}, p95 < {FINDER_TARGET_MS} ms at {args.clients} clients, "
                f"{data['services']} services): {'met' if met else 'NOT met'}."
            )
    for name in load_participation.LIST_SCENARIOS:
        listing = results["scenarios"].get(name, {})
        if listing.get("latency_ms", {}).get("p95") is not None:
            met = listing["latency_ms"]["p95"] < load_participation.LIST_TARGET_MS and not listing["error_count"]
            print(
                f"Target ({name}, p95 < {load_participation.LIST_TARGET_MS} ms at {args.clients} clients): "
                f"{'met' if met else 'NOT met'}."
            )
    writes = results["scenarios"].get(load_participation.WRITE_SCENARIO, {})
    if writes.get("integrity"):
        met = (
            writes["throughput_rps"] >= load_participation.WRITE_TARGET_RPS
            and writes["integrity"]["ok"]
            and not writes["error_count"]
        )
        print(load_participation.integrity_text(writes["integrity"]))
        print(
            f"Target (opinion writes >= {load_participation.WRITE_TARGET_RPS}/s at {writes['clients']} clients, "
            f"none lost or doubled): {'met' if met else 'NOT met'} ({writes['throughput_rps']}/s)."
        )
    for name in STRATEGY_SCENARIOS:
        strategy = results["scenarios"].get(name, {})
        if strategy.get("latency_ms", {}).get("p95") is not None:
            met = strategy["latency_ms"]["p95"] < STRATEGY_TARGET_MS and not strategy["error_count"]
            print(
                f"Target ({name}, p95 < {STRATEGY_TARGET_MS} ms at {args.clients} clients): {'met' if met else 'NOT met'}."
            )
    for name in AGENDA_SCENARIOS:
        agenda = results["scenarios"].get(name, {})
        if agenda.get("latency_ms", {}).get("p95") is not None:
            met = agenda["latency_ms"]["p95"] < AGENDA_TARGET_MS and not agenda["error_count"]
            print(
                f"Target ({name}, p95 < {AGENDA_TARGET_MS} ms at {args.clients} clients, "
                f"{data['events']} events): {'met' if met else 'NOT met'}."
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
