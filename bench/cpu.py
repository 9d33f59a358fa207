#!/usr/bin/env python
"""CPU time of one request in one process: the reliable comparison on a shared
machine, where load figures also measure the neighbours.

    CACHE_URL=redis://127.0.0.1:6379/5 .venv/bin/python bench/cpu.py agenda
    .venv/bin/python bench/cpu.py participation --database-url postgres://postgres@127.0.0.1:5432/helice_bench_participation
    .venv/bin/python bench/cpu.py agenda --profile 25        # the 25 costliest functions (cProfile)

Each URL of the benchmark's scenarios (``bench/load.py``) is requested through
``django.test.Client`` on the bench database, with ``time.process_time`` around
the call (this process only: PostgreSQL's and Redis's own CPU is not counted).
``--cold`` clears the cache before each request (every page computed); without
it, each URL is requested twice and the second is measured (what a cache hit
costs). Opinion writes are POSTed as the generator's writers, signed in.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "part",
        choices=("agenda", "agenda_feed", "agenda_month", "participation", "participation_api", "writes", "ping"),
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/helice_bench")
    parser.add_argument("--count", type=int, default=40, help="URLs (or writes) measured")
    parser.add_argument("--cold", action="store_true", help="clear the cache before each request")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client

    from bench import load, load_participation

    data = load.dataset(args.database_url, args.seed)
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    requests: list[tuple[str, str, dict]] = []
    if args.part == "ping":
        requests = [("GET", "/bench/ping", {})] * args.count
    elif args.part in ("agenda", "agenda_feed", "agenda_month"):
        name = {"agenda": "agenda_list"}.get(args.part, args.part)
        paths = load.agenda_paths(name, data["sectors"], args.seed)
        requests = [("GET", path, {}) for path in paths[: args.count]]
    elif args.part in ("participation", "participation_api"):
        name = "participation_list" if args.part == "participation" else "participation_api"
        paths = load_participation.scenario_paths(name, data["participation"], args.seed)
        requests = [("GET", path, {}) for path in paths[: args.count]]
    else:
        p = data["participation"]
        load_participation.reset_writers(args.database_url, p)
        writers = p["writers"][:20]
        proposals = p["open"]
        for i in range(args.count):
            _user, session = writers[i % len(writers)]
            _pk, slug = proposals[(i // len(writers)) % len(proposals)]
            path = f"/concertation/{load_participation.CONSULTATION}/propositions/{slug}/avis/"
            requests.append(("POST", path, {"value": ("agree", "mixed", "disagree")[i % 3], "_session": session}))

    def send(method, path, body):
        if method == "GET":
            return client.get(path)
        client.cookies["sessionid"] = body["_session"]
        client.cookies.pop("messages", None)  # as the load clients: the notice is read on the next page
        return client.post(path, {k: v for k, v in body.items() if not k.startswith("_")})

    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    timings = []
    statuses: dict[int, int] = {}
    for method, path, body in requests:
        if args.cold:
            cache.clear()
        elif method == "GET":
            send(method, path, body)  # the first request fills the caches
        if profiler:
            profiler.enable()
        began = time.process_time()
        response = send(method, path, body)
        if method == "GET" and response.streaming:
            b"".join(response.streaming_content)
        timings.append((time.process_time() - began) * 1000)
        if profiler:
            profiler.disable()
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
    timings.sort()
    print(
        f"{args.part}{' (cold)' if args.cold else ''}: {len(timings)} requests, statuses {statuses}; CPU ms "
        f"median {statistics.median(timings):.1f}, mean {statistics.mean(timings):.1f}, "
        f"p90 {timings[int(len(timings) * 0.9) - 1]:.1f}, max {timings[-1]:.1f}"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)


if __name__ == "__main__":
    main()
