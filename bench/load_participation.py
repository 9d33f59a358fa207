"""The participation scenarios of ``bench/load.py`` (data: ``bench/generate_participation.py``).

* ``participation_list``  the consultation's proposals list page with varied sorts,
  filters, searches and pages (300 URLs drawn from the seed);
* ``participation_api``   the same selections through ``/api/v1/participation/…/proposals``,
  and one proposal in ten with its comments;
* ``participation_opinion_write``  each client signs in as its own participants (the
  generator's sessions, a CSRF cookie and header like a browser's) and POSTs opinions
  as the page's form does without JavaScript (302 on success): 75 % on a proposal the
  person has no opinion on yet, 20 % changing an opinion, 5 % withdrawing one. Every
  answer is recorded; after the run the database is checked: each (person, proposal)
  written holds exactly the last value the client was told was saved (none lost, none
  doubled, none left after a withdrawal), and every proposal's counters equal its rows.

Before the write scenario the writers' opinions of a previous run are deleted and the
counters recomputed, so that each run starts from the generated state."""

from __future__ import annotations

import http.client
import random
import secrets
import string
import time
from urllib.parse import urlencode

CONSULTATION = "bench-consultation"
LIST_SCENARIOS = ("participation_list", "participation_api")
WRITE_SCENARIO = "participation_opinion_write"
SCENARIOS = (*LIST_SCENARIOS, WRITE_SCENARIO)
LIST_TARGET_MS = 80
WRITE_TARGET_RPS = 300
# fmt: off
WORDS = ["hydrogène", "batteries", "tiers-lieux", "fonds", "formation", "santé", "montagne", "cybersécurité",
         "brevets", "mobilité", "talents", "salon"]
# fmt: on


def dataset(conn, seed: int) -> dict:
    """What the scenarios need from the bench database (``conn``: psycopg)."""
    from bench.generate_participation import writer_session_key

    row = conn.execute("SELECT id FROM participation_consultation WHERE slug = %s", [CONSULTATION]).fetchone()
    if row is None:
        return {"participation": None}
    consultation = row[0]
    proposals = conn.execute(
        "SELECT id, slug, state FROM participation_proposal WHERE consultation_id = %s ORDER BY id", [consultation]
    ).fetchall()
    objectives = [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT o.code FROM strategy_objective o JOIN participation_proposal p ON p.objective_id = o.id "
            "WHERE p.consultation_id = %s ORDER BY o.code",
            [consultation],
        )
    ]
    keys = [writer_session_key(seed, i) for i in range(20_000)]
    found = {r[0] for r in conn.execute("SELECT session_key FROM django_session WHERE session_key = ANY(%s)", [keys])}
    writers_count = 0
    while writers_count < len(keys) and keys[writers_count] in found:
        writers_count += 1
    writer_ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM accounts_user WHERE username LIKE 'bench-p-%%' ORDER BY username DESC LIMIT %s",
            [writers_count],
        )
    ][::-1]
    return {
        "participation": {
            "consultation": consultation,
            "proposals": len(proposals),
            "public": [slug for _pk, slug, state in proposals if state not in ("submitted", "hidden")],
            "open": [(pk, slug) for pk, slug, state in proposals if state in ("published", "evaluating")],
            "objectives": objectives,
            "writers": list(zip(writer_ids, keys[:writers_count], strict=True)),
            "opinions": conn.execute(
                "SELECT count(*) FROM participation_opinion o JOIN participation_proposal p ON p.id = o.proposal_id "
                "WHERE p.consultation_id = %s",
                [consultation],
            ).fetchone()[0],
            "comments": conn.execute(
                "SELECT count(*) FROM participation_comment c JOIN participation_proposal p ON p.id = c.proposal_id "
                "WHERE p.consultation_id = %s",
                [consultation],
            ).fetchone()[0],
        }
    }


def selections(data: dict, seed: int, size: int = 300) -> list[dict]:
    """``size`` distinct selections of the proposals list: a sort (random with a seed,
    most supported, most debated, newest), often a state or an objective, sometimes
    words, and a page that exists (pages 2-5 only without a filter)."""
    rng = random.Random(f"{seed}-participation")
    sorts = [("random", 35), ("supported", 25), ("debated", 20), ("newest", 20)]
    names, weights = zip(*sorts, strict=True)
    seen: set[str] = set()
    result: list[dict] = []
    while len(result) < size:
        params: dict = {"sort": rng.choices(names, weights)[0]}
        if params["sort"] == "random":
            params["seed"] = rng.randint(1, 1_000_000)
        filtered = False
        if rng.random() < 0.35:
            params["state"] = rng.choice(("published", "published", "evaluating", "accepted", "rejected"))
            filtered = True
        if rng.random() < 0.3 and data["objectives"]:
            params["objective"] = rng.choice(data["objectives"])
            filtered = True
        if rng.random() < 0.15:
            params["q"] = rng.choice(WORDS)
            filtered = True
        if not filtered and rng.random() < 0.5:
            params["page"] = rng.randint(2, 5)
        key = urlencode(params)
        if key not in seen:
            seen.add(key)
            result.append(params)
    return result


def scenario_paths(name: str, data: dict | None, seed: int) -> list[str]:
    if not data:
        return [f"/concertation/{CONSULTATION}/"]
    chosen = selections(data, seed)
    if name == "participation_list":
        return [f"/concertation/{CONSULTATION}/?{urlencode(p)}" for p in chosen]
    prefix = f"/api/v1/participation/consultations/{CONSULTATION}/proposals"
    rng = random.Random(f"{seed}-participation-api")
    paths = [f"{prefix}?{urlencode(p)}" for p in chosen]
    paths += [f"{prefix}/{slug}" for slug in rng.sample(data["public"], min(30, len(data["public"])))]
    return paths


# ---------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------


def write_client(args: tuple) -> dict:
    """One client: its own participants (a distinct slice of the writers), one
    keep-alive connection, sequential POSTs until ``end``. Returns the latencies,
    the errors, what the server said was saved ((user, proposal) -> value or None
    for withdrawn, in order) and the pairs whose outcome is unknown (a failed request)."""
    host, port, writers, proposals, consultation, start, end, max_requests, seed, timeout = args
    rng = random.Random(seed)
    while time.time() < start:
        time.sleep(min(0.01, max(0.0, start - time.time())))
    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    saved: dict[tuple[int, int], str | None] = {}
    unknown: set[tuple[int, int]] = set()
    mine: dict[int, dict[int, str]] = {user: {} for user, _key in writers}  # user -> {proposal: value}
    sent = 0
    turn = 0
    while sent < max_requests and time.time() < end:
        user, session = writers[turn % len(writers)]
        turn += 1
        given = mine[user]
        roll = rng.random()
        if given and roll < 0.05:
            proposal_id = rng.choice(list(given))
            slug = proposals[proposal_id]
            body, value = {"withdraw": "on"}, None
        elif given and roll < 0.25:
            proposal_id = rng.choice(list(given))
            slug = proposals[proposal_id]
            value = rng.choice([v for v in ("agree", "mixed", "disagree") if v != given[proposal_id]])
            body = {"value": value}
        else:
            choices = [pk for pk in proposals if pk not in given]
            if not choices:
                continue
            proposal_id = rng.choice(choices)
            slug = proposals[proposal_id]
            value = rng.choices(("agree", "mixed", "disagree"), (5, 2, 3))[0]
            body = {"value": value}
        path = f"/concertation/{consultation}/propositions/{slug}/avis/"
        headers = {
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept-Language": "fr",
            "Connection": "keep-alive",
        }
        sent += 1
        began = time.perf_counter()
        key = (user, proposal_id)
        try:
            conn.request("POST", path, body=urlencode(body), headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - began
            if response.status == 302:
                latencies.append(elapsed)
                saved[key] = value
                if value is None:
                    given.pop(proposal_id, None)
                else:
                    given[proposal_id] = value
            else:
                errors[f"HTTP {response.status}"] = errors.get(f"HTTP {response.status}", 0) + 1
                unknown.add(key)  # refused: nothing should have changed, but do not count on it
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            unknown.add(key)
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn.close()
    return {
        "latencies": latencies,
        "errors": errors,
        "sent": sent,
        "cpu": 0.0,
        "saved": list(saved.items()),
        "unknown": list(unknown),
    }


def reset_writers(database_url: str, data: dict) -> int:
    """Delete the writers' opinions of a previous run, recompute the counters and
    vacuum the tables the writes touch."""
    import psycopg

    ids = [user for user, _key in data["writers"]]
    with psycopg.connect(database_url) as conn:
        deleted = conn.execute("DELETE FROM participation_opinion WHERE user_id = ANY(%s)", [ids]).rowcount
        conn.execute(
            """
            UPDATE participation_proposal p SET
                agree_count = coalesce(s.agree, 0), mixed_count = coalesce(s.mixed, 0),
                disagree_count = coalesce(s.disagree, 0)
            FROM participation_proposal q LEFT JOIN (
                SELECT proposal_id, count(*) FILTER (WHERE value = 'agree') AS agree,
                       count(*) FILTER (WHERE value = 'mixed') AS mixed,
                       count(*) FILTER (WHERE value = 'disagree') AS disagree
                FROM participation_opinion GROUP BY proposal_id) s ON s.proposal_id = q.id
            WHERE p.id = q.id AND q.consultation_id = %s
            """,
            [data["consultation"]],
        )
    # Every run starts from the same clean tables: without this, autovacuum cleans the
    # previous run's dead rows during the measure, a few percent of the CPU (runs
    # differed by 7 % on an idle machine).
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) participation_opinion, participation_proposal, django_session")
    return deleted


def integrity(database_url: str, data: dict, outcomes: list[dict]) -> dict:
    """Compare the database with what the clients were told (phases in order)."""
    import psycopg

    expected: dict[tuple[int, int], str | None] = {}
    unknown: set[tuple[int, int]] = set()
    for outcome in outcomes:
        for (user, proposal), value in outcome["saved"]:
            expected[(user, proposal)] = value
        unknown.update(tuple(k) for k in outcome["unknown"])
    ids = [user for user, _key in data["writers"]]
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT user_id, proposal_id, value FROM participation_opinion WHERE user_id = ANY(%s)", [ids]
        ).fetchall()
        doubled = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM participation_opinion WHERE user_id = ANY(%s) "
            "GROUP BY user_id, proposal_id HAVING count(*) > 1) d",
            [ids],
        ).fetchone()[0]
        wrong_counters = conn.execute(
            """
            SELECT count(*) FROM participation_proposal p
            LEFT JOIN (SELECT proposal_id, count(*) FILTER (WHERE value = 'agree') AS a,
                              count(*) FILTER (WHERE value = 'mixed') AS m,
                              count(*) FILTER (WHERE value = 'disagree') AS d
                       FROM participation_opinion GROUP BY proposal_id) o ON o.proposal_id = p.id
            WHERE p.consultation_id = %s AND (p.agree_count <> coalesce(o.a, 0)
                OR p.mixed_count <> coalesce(o.m, 0) OR p.disagree_count <> coalesce(o.d, 0))
            """,
            [data["consultation"]],
        ).fetchone()[0]
        total_rows, total_counted = conn.execute(
            "SELECT (SELECT count(*) FROM participation_opinion o JOIN participation_proposal q ON q.id = o.proposal_id "
            "        WHERE q.consultation_id = %s), "
            "       (SELECT sum(agree_count + mixed_count + disagree_count) FROM participation_proposal "
            "        WHERE consultation_id = %s)",
            [data["consultation"], data["consultation"]],
        ).fetchone()
    stored = {(u, p): v for u, p, v in rows}
    lost = sum(
        1 for k, v in expected.items() if k not in unknown and v is not None and stored.get(k) != v
    )  # saved but missing or with another value
    left_after_withdrawal = sum(1 for k, v in expected.items() if k not in unknown and v is None and k in stored)
    unexpected = sum(1 for k in stored if k not in expected and k not in unknown)
    return {
        "writes_confirmed": sum(len(o["saved"]) for o in outcomes),
        "pairs_written": len(expected),
        "opinions_expected": sum(1 for v in expected.values() if v is not None),
        "writer_rows": len(rows),
        "lost": lost,
        "doubled": doubled,
        "left_after_withdrawal": left_after_withdrawal,
        "unexpected_rows": unexpected,
        "unknown_outcome": len(unknown),
        "proposals_with_wrong_counters": wrong_counters,
        "opinion_rows": total_rows,
        "opinions_counted": total_counted,
        "ok": lost == doubled == left_after_withdrawal == unexpected == wrong_counters == 0
        and total_rows == total_counted,
    }


def integrity_text(check: dict) -> str:
    return (
        f"Integrity: {check['writes_confirmed']} writes confirmed on {check['pairs_written']} (person, proposal) pairs; "
        f"{check['writer_rows']} writer rows stored for {check['opinions_expected']} expected; "
        f"lost {check['lost']}, doubled {check['doubled']}, left after withdrawal {check['left_after_withdrawal']}, "
        f"unexpected {check['unexpected_rows']}, outcome unknown {check['unknown_outcome']}; "
        f"{check['opinion_rows']} opinion rows, {check['opinions_counted']} counted, "
        f"{check['proposals_with_wrong_counters']} proposals with wrong counters: {'OK' if check['ok'] else 'FAILED'}."
    )
