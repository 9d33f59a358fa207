"""The search language: normalisation, stemming, prefixes, typo correction."""

import pytest

from helice.core import search


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Énergie", "energie"),
        ("ÉCOLE  d'ingénieurs", "ecole d ingenieurs"),
        ("Cœur-de-Ville", "coeur de ville"),
        ("STMicroelectronics\x00", "stmicroelectronics"),
        ("\u202egnp\u202c", "gnp"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_removes_accents_case_punctuation_and_controls(text, expected):
    assert search.normalize(text) == expected


def test_document_holds_words_and_french_stems_without_stop_words():
    doc = search.build_document("Les énergies renouvelables de la Métropole")
    tokens = doc.split()
    assert doc.startswith(" ") and doc.endswith(" ")
    assert "energies" in tokens and "energ" in tokens
    assert "renouvelables" in tokens and "renouvel" in tokens
    assert "les" not in tokens and "de" not in tokens and "la" not in tokens


def test_query_terms_drop_stop_words_duplicates_and_are_capped():
    parsed = search.parse_query("la santé et la SANTE des " + " ".join(f"mot{i}" for i in range(20)))
    assert [t.word for t in parsed.terms][:1] == ["sante"]
    assert len(parsed.terms) == search.MAX_TERMS


def test_query_is_cut_at_max_length():
    parsed = search.parse_query("a" * 10_000)
    assert len(parsed.terms) == 1
    assert len(parsed.terms[0].word) == search.MAX_QUERY_LENGTH


def test_plural_and_singular_share_a_prefix():
    """A query in the plural finds the singular through the stem."""
    doc = search.build_document("Énergie")
    for q in ("énergies", "ENERGIE", "energ"):
        term = search.parse_query(q).terms[0]
        assert any(f" {p}" in doc for p in term.prefixes), q


def test_empty_or_stop_word_query_is_falsy():
    assert not search.parse_query("  de la  ")
    assert not search.parse_query("")


def test_typo_is_corrected_against_the_vocabulary():
    corrected = search.correct_terms(search.parse_query("minalogik"), ["minalogic", "grenoble", "cea"])
    assert corrected is not None
    assert corrected.terms[0].word == "minalogic"
    assert corrected.corrections == [("minalogik", "minalogic")]


def test_known_prefix_and_far_words_are_not_corrected():
    vocabulary = ["minalogic", "grenoble"]
    assert search.correct_terms(search.parse_query("greno"), vocabulary) is None
    assert search.correct_terms(search.parse_query("zzzzzzzz"), vocabulary) is None
    # Very short words are never "corrected": too many false friends.
    assert search.correct_terms(search.parse_query("cez"), ["cea"]) is None


def test_tsquery_has_only_safe_characters():
    parsed = search.parse_query("l'énergie & (santé) | 'DROP TABLE' :*")
    tsq = search._tsquery(parsed)
    assert set(tsq) <= set("abcdefghijklmnopqrstuvwxyz0123456789:*&|() ")
