"""Synthetic data for the participation benchmark, in a PostgreSQL bench database only.

    .venv/bin/python bench/generate_participation.py \\
        --database-url postgres://postgres@127.0.0.1:5432/helice_bench_participation

Creates the database if needed, migrates it, loads the territory's plan (the
proposals hang on its objectives), then one open consultation
(``bench-consultation``) with 200 proposals, 50,000 participants with a verified
address, 500,000 opinions and 50,000 comments (some replies, some hidden), written
with COPY. The proposals' counters are then computed from the rows in one
statement each, so they are exact; the script checks it before it ends.

The last ``--writers`` participants (1,600 by default) have given no opinion yet:
the load script's opinion-write scenario signs in as them. Each has a session
whose key is derived from the seed (``writer_session_key``), so ``bench/load.py``
needs no file from this script; the sessions are written by Django's own session
store, so they are valid for the bench server (same ``SECRET_KEY``).

A second run deletes the previous synthetic participation data first (the
consultation, its proposals, opinions and comments, and the ``bench-p-`` accounts).
Same seed, same data."""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate_organizations import ensure_database

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/helice_bench_participation"
CONSULTATION_SLUG = "bench-consultation"
USER_PREFIX = "bench-p-"
SYNTHETIC = "Synthetic data for the participation benchmark (bench/generate_participation.py)."

# fmt: off
TOPICS = [
    "l'hydrogène vert", "les batteries", "la micro-électronique", "la santé numérique", "les dispositifs médicaux",
    "l'intelligence artificielle", "la cybersécurité", "la photonique", "les matériaux recyclés", "la mobilité douce",
    "les technologies de montagne", "l'agriculture urbaine", "la qualité de l'air", "les start-up étudiantes",
    "les tiers-lieux", "les plateformes technologiques", "l'export vers l'Asie", "les brevets des laboratoires",
    "la formation des ingénieurs", "les quartiers prioritaires", "la commande publique innovante", "le logiciel libre",
]
VERBS = [
    "Créer un fonds d'amorçage pour", "Ouvrir un guichet unique pour", "Mutualiser des équipements pour",
    "Former les dirigeants à", "Organiser chaque année un salon sur", "Soutenir les démonstrateurs de",
    "Rapprocher laboratoires et PME autour de", "Accueillir des talents étrangers dans", "Financer des thèses sur",
    "Recenser les compétences du territoire en", "Lancer un appel à projets sur", "Ouvrir au public un atelier sur",
]
SENTENCES = [
    "Les entreprises du territoire peinent à trouver le bon interlocuteur.",
    "Plusieurs acteurs le font déjà, sans se coordonner.",
    "Un premier bilan pourrait être présenté dans deux ans.",
    "Les étudiants et les chercheurs y seraient associés dès le départ.",
    "Le coût serait partagé entre la Métropole et ses partenaires.",
    "Cela suppose des locaux accessibles et des horaires élargis.",
    "Les communes de montagne doivent en bénéficier autant que le centre.",
    "Il faut mesurer l'effet sur l'emploi local et le publier.",
]
COMMENTS = [
    "Bonne idée, à condition que les petites entreprises y aient accès.",
    "Je ne vois pas comment cela serait financé sur la durée.",
    "C'est déjà ce que fait notre cluster, il faudrait s'appuyer sur l'existant.",
    "Pourquoi ne pas commencer par une expérimentation dans deux communes ?",
    "Tout à fait d'accord, c'est une attente forte des étudiants.",
    "Le calendrier me paraît trop ambitieux.",
    "Il manque la question de l'accessibilité des lieux.",
    "Merci pour cette proposition claire.",
    "=SOMME(A1:A9) est-ce que les chiffres seront publiés ?",
    "Attention à ne pas doublonner avec les dispositifs régionaux.",
]
CATEGORIES = [("citizen", 45), ("student", 15), ("researcher", 10), ("company", 18), ("institution", 5), ("", 7)]
# fmt: on


def writer_session_key(seed: int, index: int) -> str:
    """The session key of the ``index``-th writer (32 characters of [0-9a-f])."""
    return hashlib.sha256(f"helice-bench-participation-{seed}-writer-{index}".encode()).hexdigest()[:32]


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    """COPY ``rows`` (tuples) into ``table``; returns the number of rows."""
    count = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def delete_previous() -> None:
    from django.db import connection

    from helice.participation.models import Consultation

    with connection.cursor() as cursor:
        # Opinions and comments go with their proposals (cascades), but deleting
        # 500,000 rows through the ORM would take minutes: straight SQL.
        cursor.execute(
            "DELETE FROM participation_opinion WHERE proposal_id IN (SELECT p.id FROM participation_proposal p "
            "JOIN participation_consultation c ON c.id = p.consultation_id WHERE c.slug = %s)",
            [CONSULTATION_SLUG],
        )
        cursor.execute(
            "DELETE FROM participation_comment WHERE proposal_id IN (SELECT p.id FROM participation_proposal p "
            "JOIN participation_consultation c ON c.id = p.consultation_id WHERE c.slug = %s)",
            [CONSULTATION_SLUG],
        )
    Consultation.objects.filter(slug=CONSULTATION_SLUG).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM account_emailaddress WHERE user_id IN (SELECT id FROM accounts_user WHERE username LIKE %s)",
            [USER_PREFIX + "%"],
        )
        cursor.execute("DELETE FROM accounts_user WHERE username LIKE %s", [USER_PREFIX + "%"])


def generate(*, seed: int, proposals: int, participants: int, opinions: int, comments: int, writers: int) -> dict:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from helice.accounts.models import User
    from helice.participation.models import (
        DECIDED_STATES,
        PUBLIC_STATES,
        Consultation,
        ConsultationStatus,
        Origin,
        Proposal,
        ProposalState,
    )
    from helice.strategy.models import Objective

    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    call_command("load_territory", "grenoble", verbosity=0)  # organisations, then the plan
    objectives = list(Objective.objects.order_by("code"))
    with transaction.atomic():
        consultation = Consultation.objects.create(
            slug=CONSULTATION_SLUG,
            title_fr="Consultation de charge (données synthétiques)",
            summary_fr="Données synthétiques du banc d'essai de la participation.",
            status=ConsultationStatus.PUBLISHED,
            announced_on=today - datetime.timedelta(days=60),
            opens_on=today - datetime.timedelta(days=45),
            closes_on=today + datetime.timedelta(days=60),
            sources=SYNTHETIC,
        )
        consultation.objectives.set(objectives)

        # --- participants (COPY), the writers last -----------------------------------
        cats, weights = zip(*CATEGORIES, strict=True)
        joined = now - datetime.timedelta(days=50)
        user_rows = []
        for i in range(participants):
            name = f"Participant {i:05d}" if rng.random() < 0.4 else ""
            user_rows.append(
                (
                    "!",  # unusable password: the bench signs in through prepared sessions
                    f"{USER_PREFIX}{i:05d}",
                    "",
                    "",
                    f"{USER_PREFIX}{i:05d}@bench.example",
                    False,
                    True,
                    False,
                    joined,
                    name,
                    rng.choices(cats, weights)[0],
                )
            )
        with connection.cursor() as c:
            _copy(
                c.cursor,
                "accounts_user",
                [
                    "password",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_superuser",
                    "is_active",
                    "is_staff",
                    "date_joined",
                    "display_name",
                    "participant_category",
                ],
                user_rows,
            )
            c.execute(
                "SELECT id, participant_category FROM accounts_user WHERE username LIKE %s ORDER BY username",
                [USER_PREFIX + "%"],
            )
            users = c.fetchall()
            _copy(
                c.cursor,
                "account_emailaddress",
                ["user_id", "email", "verified", '"primary"'],
                ((uid, f"{USER_PREFIX}{i:05d}@bench.example", True, True) for i, (uid, _cat) in enumerate(users)),
            )
        givers, writer_users = users[: participants - writers], users[participants - writers :]

        # --- proposals (ORM: 200 rows, search documents computed by the model) ------
        states = (
            [ProposalState.PUBLISHED] * 150
            + [ProposalState.EVALUATING] * 20
            + [ProposalState.ACCEPTED] * 10
            + [ProposalState.REJECTED] * 8
            + [ProposalState.ALREADY_DONE] * 5
            + [ProposalState.SUBMITTED] * 4
            + [ProposalState.HIDDEN] * 3
        )
        states = (states * (proposals // len(states) + 1))[:proposals]
        rng.shuffle(states)
        objects, slugs = [], set()
        for i, state in enumerate(states):
            title = f"{rng.choice(VERBS)} {rng.choice(TOPICS)}"[:180] + f" ({i + 1})"
            official = i < proposals * 0.6
            slug = slugify(title)[:200]
            slugs.add(slug)
            published = now - datetime.timedelta(days=45 - i * 40 / proposals, minutes=rng.randint(0, 600))
            p = Proposal(
                consultation=consultation,
                reference=f"B{i + 1:03d}" if official else "",
                title_fr=title,
                slug=slug,
                body_fr="\n\n".join(rng.sample(SENTENCES, 3)),
                objective=rng.choice(objectives) if objectives else None,
                origin=Origin.OFFICIAL if official else Origin.IDEA,
                author=None if official else User(pk=rng.choice(givers)[0]),
                state=state,
                state_changed_at=published,
                published_at=None if state in (ProposalState.SUBMITTED,) else published,
                created_at=published - datetime.timedelta(hours=2),
                answer_fr="Réponse synthétique de la Métropole." if state in DECIDED_STATES else "",
                answered_at=published + datetime.timedelta(days=20) if state in DECIDED_STATES else None,
                position=i,
                sources=SYNTHETIC,
            )
            objects.append(p)
        for p in objects:
            p.search_document = p.build_search_document()
        Proposal.objects.bulk_create(objects)
        assert len(slugs) == proposals, "proposal slugs must be unique"
        public = [p for p in objects if p.state in PUBLIC_STATES]

        # --- opinions (COPY): each giver 0–30 opinions, popular proposals favoured ---
        popularity = [rng.paretovariate(1.2) for _ in public]
        leaning = [rng.choice(((6, 2, 2), (4, 3, 3), (3, 2, 5), (5, 4, 1), (2, 2, 6))) for _ in public]
        per_user = _allocate(rng, opinions, len(givers), max_each=min(len(public), 40))
        first_day = now - datetime.timedelta(days=45)

        def opinion_rows():
            for (uid, cat), k in zip(givers, per_user, strict=True):
                chosen: set[int] = set()
                while len(chosen) < k:
                    chosen.update(rng.choices(range(len(public)), popularity, k=k - len(chosen)))
                for index in chosen:
                    value = rng.choices(("agree", "mixed", "disagree"), leaning[index])[0]
                    at = first_day + datetime.timedelta(seconds=rng.randint(0, 45 * 86400))
                    yield (public[index].pk, uid, value, cat or "", at, at)

        with connection.cursor() as c:
            written = _copy(
                c.cursor,
                "participation_opinion",
                ["proposal_id", "user_id", "value", "participant_category", "created_at", "updated_at"],
                opinion_rows(),
            )

        # --- comments (COPY with explicit ids, so that replies name their parent) ----
        with connection.cursor() as c:
            c.execute("SELECT nextval(pg_get_serial_sequence('participation_comment', 'id'))")
            next_id = c.fetchone()[0]
            by_proposal: dict[int, list[int]] = {}
            comment_rows = []
            stances = ("for", "against", "neutral", "none")
            for n in range(comments):
                index = rng.choices(range(len(public)), popularity)[0]
                proposal_id = public[index].pk
                earlier = by_proposal.setdefault(proposal_id, [])
                parent = rng.choice(earlier) if earlier and rng.random() < 0.3 else None
                at = first_day + datetime.timedelta(seconds=45 * 86400 * n // comments + rng.randint(0, 600))
                hidden = rng.random() < 0.01
                comment_rows.append(
                    (
                        next_id,
                        proposal_id,
                        parent,
                        rng.choice(givers)[0],
                        f"{rng.choice(COMMENTS)} ({n})",
                        rng.choices(stances, (30, 20, 15, 35))[0],
                        False,
                        False,
                        at,
                        at if hidden else None,
                        "Propos injurieux." if hidden else "",
                    )
                )
                earlier.append(next_id)
                next_id += 1
            _copy(
                c.cursor,
                "participation_comment",
                [
                    "id",
                    "proposal_id",
                    "parent_id",
                    "author_id",
                    "body",
                    "stance",
                    "is_official",
                    "is_example",
                    "created_at",
                    "hidden_at",
                    "hidden_reason",
                ],
                comment_rows,
            )
            c.execute("SELECT setval(pg_get_serial_sequence('participation_comment', 'id'), %s)", [next_id])

            # --- counters from the rows, in one statement each -----------------------
            c.execute(
                """
                UPDATE participation_proposal p SET
                    agree_count = coalesce(s.agree, 0), mixed_count = coalesce(s.mixed, 0),
                    disagree_count = coalesce(s.disagree, 0)
                FROM participation_proposal q LEFT JOIN (
                    SELECT proposal_id,
                           count(*) FILTER (WHERE value = 'agree') AS agree,
                           count(*) FILTER (WHERE value = 'mixed') AS mixed,
                           count(*) FILTER (WHERE value = 'disagree') AS disagree
                    FROM participation_opinion GROUP BY proposal_id
                ) s ON s.proposal_id = q.id
                WHERE p.id = q.id AND q.consultation_id = %s
                """,
                [consultation.pk],
            )
            c.execute(
                """
                UPDATE participation_proposal p SET comment_count = coalesce(s.n, 0)
                FROM participation_proposal q LEFT JOIN (
                    SELECT proposal_id, count(*) AS n FROM participation_comment
                    WHERE hidden_at IS NULL GROUP BY proposal_id
                ) s ON s.proposal_id = q.id
                WHERE p.id = q.id AND q.consultation_id = %s
                """,
                [consultation.pk],
            )

    # --- the writers' sessions: Django's store, keys derived from the seed -----------
    from django.contrib.sessions.models import Session

    store = SessionStore()
    hashes = dict(User.objects.filter(pk__in=[u for u, _c in writer_users]).values_list("pk", "password"))
    expiry = now + datetime.timedelta(days=7)
    backend = "django.contrib.auth.backends.ModelBackend"
    sessions = []
    for i, (uid, _cat) in enumerate(writer_users):
        user = User(pk=uid, password=hashes[uid])
        data = {SESSION_KEY: str(uid), BACKEND_SESSION_KEY: backend, HASH_SESSION_KEY: user.get_session_auth_hash()}
        sessions.append(
            Session(session_key=writer_session_key(seed, i), session_data=store.encode(data), expire_date=expiry)
        )
    Session.objects.filter(session_key__in=[s.session_key for s in sessions]).delete()
    Session.objects.bulk_create(sessions, batch_size=1000)
    return {
        "consultation": consultation.pk,
        "proposals": len(objects),
        "public_proposals": len(public),
        "participants": len(users),
        "writers": len(writer_users),
        "opinions": written,
        "comments": len(comment_rows),
    }


def _allocate(rng: random.Random, total: int, people: int, *, max_each: int) -> list[int]:
    """``people`` numbers between 0 and ``max_each`` that add up to ``total`` (skewed: many give a few)."""
    if people * max_each < total:
        raise SystemExit("Not enough participants or proposals for that many opinions.")
    raw = [rng.expovariate(1.0) for _ in range(people)]
    scale = total / sum(raw)
    counts = [min(max_each, int(r * scale)) for r in raw]
    missing = total - sum(counts)
    i = 0
    while missing > 0:
        if counts[i % people] < max_each:
            counts[i % people] += 1
            missing -= 1
        i += 1
    return counts


def check(consultation_id: int) -> dict:
    """Counters equal to the rows, for every proposal of the bench consultation."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            """
            SELECT count(*) FROM participation_proposal p
            LEFT JOIN (SELECT proposal_id,
                              count(*) FILTER (WHERE value = 'agree') AS a,
                              count(*) FILTER (WHERE value = 'mixed') AS m,
                              count(*) FILTER (WHERE value = 'disagree') AS d
                       FROM participation_opinion GROUP BY proposal_id) o ON o.proposal_id = p.id
            LEFT JOIN (SELECT proposal_id, count(*) AS n FROM participation_comment
                       WHERE hidden_at IS NULL GROUP BY proposal_id) k ON k.proposal_id = p.id
            WHERE p.consultation_id = %s AND (
                p.agree_count <> coalesce(o.a, 0) OR p.mixed_count <> coalesce(o.m, 0)
                OR p.disagree_count <> coalesce(o.d, 0) OR p.comment_count <> coalesce(k.n, 0))
            """,
            [consultation_id],
        )
        wrong = c.fetchone()[0]
        c.execute(
            "SELECT sum(agree_count + mixed_count + disagree_count), sum(comment_count) FROM participation_proposal "
            "WHERE consultation_id = %s",
            [consultation_id],
        )
        opinions, visible_comments = c.fetchone()
    return {"proposals_with_wrong_counters": wrong, "opinions_counted": opinions, "visible_comments": visible_comments}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--proposals", type=int, default=200)
    parser.add_argument("--participants", type=int, default=50_000)
    parser.add_argument("--opinions", type=int, default=500_000)
    parser.add_argument("--comments", type=int, default=50_000)
    parser.add_argument(
        "--writers", type=int, default=1_600, help="participants without opinions, signed in for the write scenario"
    )
    args = parser.parse_args(argv)
    if not (0 < args.writers < args.participants) or args.proposals < 10:
        parser.error("--writers must be between 1 and --participants; at least 10 proposals")
    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("The bench database must be PostgreSQL.")
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    delete_previous()
    counts = generate(
        seed=args.seed,
        proposals=args.proposals,
        participants=args.participants,
        opinions=args.opinions,
        comments=args.comments,
        writers=args.writers,
    )
    with connection.cursor() as c:
        for table in ("accounts_user", "participation_proposal", "participation_opinion", "participation_comment"):
            c.execute(f"VACUUM ANALYZE {table}")
    verdict = check(counts["consultation"])
    print(
        f"Done in {time.monotonic() - started:.0f} s: {counts['proposals']} proposals ({counts['public_proposals']} public), "
        f"{counts['participants']} participants ({counts['writers']} writers with a session), "
        f"{counts['opinions']} opinions, {counts['comments']} comments."
    )
    print(
        f"Counters: {verdict['opinions_counted']} opinions and {verdict['visible_comments']} visible comments counted; "
        f"{verdict['proposals_with_wrong_counters']} proposals with a counter different from the rows."
    )
    return 1 if verdict["proposals_with_wrong_counters"] else 0


if __name__ == "__main__":
    sys.exit(main())
