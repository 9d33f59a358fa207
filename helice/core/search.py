"""Full-text search that behaves the same on SQLite and PostgreSQL.

The French-speaker's expectations (accents and case ignored, French stemming,
prefix matching while typing, typo tolerance on names) are met in Python, once,
when a record is saved: :func:`build_document` turns its texts into a
*search document*, a space-separated list of normalised words and their French
stems. A query is turned into terms the same way, and a record matches when, for
every term, one word of its document starts with the term (or the term's stem).

Only the last step depends on the database, behind :func:`filter_documents`:
PostgreSQL uses a GIN index on ``to_tsvector('simple', document)`` with prefix
queries; SQLite uses ``LIKE '% term%'``. Both answer the same question on the
same words, so both return the same records. The directory does not use SQL
for its own searches: it answers the same question from an in-process index
(``helice.directory.search_index``), tested against :func:`filter_documents`.

When a query finds nothing, :func:`correct_terms` proposes, for each term that
begins no known word, the nearest words of a vocabulary (the names) within a
small edit distance: "minalogik" becomes "minalogic".
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass, field

import snowballstemmer
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8

# Words too common to narrow a search (French and English); never query terms.
STOP_WORDS = frozenset(
    (
        "a au aux avec ce ces d dans de des du en et il la le les l leur lui ma mais me mes mon ne nos notre "
        "nous on ou par pas pour qu que qui sa se ses son sur ta te tes ton tu un une vos votre vous y "
        "an and at by for from in into is it of on or the to with"
    ).split()
)

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_stemmer = snowballstemmer.stemmer("french")


def normalize(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: accents, case,
    punctuation and control characters are gone."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", str(text).translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return _NON_WORD.sub(" ", text).strip()


def words(text: str) -> list[str]:
    return [w for w in normalize(text).split(" ") if w]


@functools.lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def build_document(*texts: str) -> str:
    """The search document of a record: its distinct words and their stems,
    framed by spaces so that ``' term'`` always marks the start of a word."""
    tokens: set[str] = set()
    for text in texts:
        for word in words(text):
            if word in STOP_WORDS:
                continue
            tokens.add(word)
            tokens.add(stem(word))
    return f" {' '.join(sorted(tokens))} " if tokens else ""


def name_key(name: str) -> str:
    """Normalised name, framed by spaces, for ranking and sorting."""
    norm = normalize(name)
    return f" {norm} " if norm else ""


@dataclass
class Term:
    """One word of a query and the prefixes any of which satisfies it."""

    word: str
    prefixes: tuple[str, ...]
    corrected_from: str | None = None


@dataclass
class ParsedQuery:
    terms: list[Term] = field(default_factory=list)

    def __bool__(self):
        return bool(self.terms)

    @property
    def corrections(self) -> list[tuple[str, str]]:
        return [(t.corrected_from, t.word) for t in self.terms if t.corrected_from]


def _term(word: str, corrected_from: str | None = None) -> Term:
    prefixes = {word, stem(word)}
    # A prefix of another prefix adds nothing: "energ" covers "energie".
    kept = tuple(sorted(p for p in prefixes if not any(o != p and p.startswith(o) for o in prefixes)))
    return Term(word=word, prefixes=kept, corrected_from=corrected_from)


def parse_query(q: str) -> ParsedQuery:
    """Query terms in order, without stop words or duplicates, at most MAX_TERMS."""
    seen: list[str] = []
    for word in words((q or "")[:MAX_QUERY_LENGTH]):
        if word not in STOP_WORDS and word not in seen:
            seen.append(word)
    return ParsedQuery([_term(w) for w in seen[:MAX_TERMS]])


def _tsquery(parsed: ParsedQuery) -> str:
    return " & ".join("(" + " | ".join(f"{p}:*" for p in term.prefixes) + ")" for term in parsed.terms)


class _TsMatch(Func):
    """``to_tsvector('simple', document) @@ to_tsquery('simple', query)``: the
    expression of the GIN index created by the directory's migration 0002, so
    PostgreSQL uses that index whatever alias the table has in the query."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        document_sql, document_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        sql = f"to_tsvector('simple'::regconfig, {document_sql}) @@ to_tsquery('simple'::regconfig, {query_sql})"
        return sql, (*document_params, *query_params)


def filter_documents(qs: QuerySet, parsed: ParsedQuery, document_field: str = "search_document") -> QuerySet:
    """Keep the rows whose document has, for every term, a word starting with
    one of the term's prefixes. The one place where the database matters."""
    if not parsed:
        return qs
    if connection.vendor == "postgresql":
        return qs.filter(_TsMatch(F(document_field), Value(_tsquery(parsed))))
    condition = Q()
    for term in parsed.terms:
        alternatives = Q()
        for prefix in term.prefixes:
            alternatives |= Q(**{f"{document_field}__contains": f" {prefix}"})
        condition &= alternatives
    return qs.filter(condition)


def max_typos(word: str) -> int:
    if len(word) <= 3:
        return 0
    return 1 if len(word) <= 5 else 2


def correct_terms(parsed: ParsedQuery, vocabulary: list[str]) -> ParsedQuery | None:
    """Replace each term that starts no word of ``vocabulary`` by its nearest
    word within :func:`max_typos` edits. None when nothing could be corrected."""
    words = sorted(vocabulary)
    changed = False
    terms: list[Term] = []
    for term in parsed.terms:
        i = bisect.bisect_left(words, term.word)
        if (i < len(words) and words[i].startswith(term.word)) or max_typos(term.word) == 0:
            terms.append(term)
            continue
        best = process.extractOne(term.word, vocabulary, scorer=Levenshtein.distance, score_cutoff=max_typos(term.word))
        if best is None:
            terms.append(term)
            continue
        changed = True
        terms.append(_term(best[0], corrected_from=term.word))
    return ParsedQuery(terms) if changed else None
