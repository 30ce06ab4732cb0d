"""The learned screening layer: the corpus, training, thresholds, staleness, and what it
catches that no rule was written for. Every sentence here is invented for these tests."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from bot.screen_learned import (
    CORPUS_DIR,
    HEADS,
    THRESHOLD_FLOOR,
    LearnedModel,
    LearnedScreener,
    choose_threshold,
    corpus_hash,
    default_learned_screener,
    fit_logistic,
    load_corpus,
    stale_reason,
)
from content.screening_rules import CATEGORIES


@pytest.fixture(scope="module")
def learned() -> LearnedScreener:
    return default_learned_screener()


def test_the_corpus_is_broad_and_has_more_hard_negatives_than_risky_rows() -> None:
    rows = load_corpus()
    risky = [r for r in rows if r.flag]
    assert len(rows) >= 3000
    assert len(rows) - len(risky) >= len(risky)
    per_category = Counter(c for r in risky for c in r.categories)
    assert all(per_category[c] >= 30 for c in CATEGORIES), per_category
    severities = Counter(r.severity for r in risky)
    assert severities["urgent"] >= 300 and severities["concern"] >= 300
    texts = " ".join(r.text.lower() for r in rows)
    for partner in ("my husband", "my boyfriend", "my girlfriend", "my wife", "our lass"):
        assert partner in texts  # men and women, same-sex partners, dialect


def test_a_bad_row_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text(json.dumps(
        {"text": "x", "flag": True, "severity": None, "categories": [], "note": "n"}) + "\n")
    with pytest.raises(ValueError, match="disagree"):
        load_corpus(tmp_path)
    (tmp_path / "bad.jsonl").write_text(json.dumps(
        {"text": "x", "flag": True, "severity": "urgent", "categories": ["nope"],
         "note": "n"}) + "\n")
    with pytest.raises(ValueError, match="unknown categories"):
        load_corpus(tmp_path)


def test_the_committed_model_matches_the_corpus() -> None:
    assert stale_reason() is None


def test_a_changed_corpus_makes_the_model_stale(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in CORPUS_DIR.glob("*.jsonl"):
        (corpus / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    model = tmp_path / "model.json"
    model.write_text(json.dumps({"corpus_hash": corpus_hash(corpus)}))
    assert stale_reason(model, corpus) is None
    with (corpus / "written.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"text": "a new row", "flag": False, "severity": None,
                            "categories": [], "note": "new"}) + "\n")
    reason = stale_reason(model, corpus)
    assert reason is not None and "steady screen train" in reason


def test_thresholds_and_their_validation_figures_are_written_down() -> None:
    model = LearnedModel.load()
    heads = model.document["heads"]
    assert set(heads) == set(HEADS)
    for head in HEADS:
        assert THRESHOLD_FLOOR <= heads[head]["threshold"] <= 0.99
        assert {"recall", "false_positive_rate"} <= set(heads[head]["validation"])
    assert model.document["rows"]["validation"] > 300


def test_training_is_deterministic_and_separates_what_it_can() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 8)).astype(np.float32)
    y = x[:, 0] + 0.5 * x[:, 1] > 0
    w1, b1 = fit_logistic(x, y)
    w2, b2 = fit_logistic(x, y)
    assert np.array_equal(w1, w2) and b1 == b2
    predicted = (x @ w1 + b1) > 0
    assert (predicted == y).mean() > 0.95


def test_the_threshold_is_the_highest_that_reaches_the_recall() -> None:
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.95], dtype=np.float32)
    y = np.array([True, True, True, True, False, False])
    assert choose_threshold(p, y, 0.75) == pytest.approx(0.7)
    assert choose_threshold(p, y, 1.0) == pytest.approx(0.6)
    assert choose_threshold(p * 0.1, y, 1.0) == THRESHOLD_FLOOR


# Wording that is in no corpus row and that no rule matches: what the layer is for. A
# regression guard, not a measure: the figures are in content/screening-model.json.
UNSEEN_RISK = [
    ("when I'm back from the boozer she'll find out what happens to liars", "partner_harm"),
    ("he has to hand his wages over to me every Friday", "partner_harm"),
    ("I parked up by her new flat to see who goes in", "stalking"),
    ("I drove round to her mate's to find out where she's staying", "stalking"),
]
UNSEEN_FINE = [
    "we had a lovely Sunday dinner at my sister's",
    "I'm nervous about the job interview on Monday",
    "the kids were buzzing after the panto",
    "I told my partner I was wound up and went for a walk, it helped",
]


@pytest.mark.parametrize(("text", "category"), UNSEEN_RISK)
def test_it_flags_risky_wording_it_has_not_seen(learned: LearnedScreener, text: str,
                                                category: str) -> None:
    verdict = learned.verdict(text)
    assert verdict.flagged, verdict.probabilities
    assert category in verdict.categories
    result = verdict.screening()
    assert result.evidence and result.evidence[0].rule == "learned"
    assert result.evidence[0].matched.startswith("close to: ")


@pytest.mark.parametrize("text", ["Zebedee", "Skip", "ok thanks", "Priya x"])
def test_names_and_short_replies_are_left_to_the_rules(learned: LearnedScreener,
                                                       text: str) -> None:
    assert not learned.verdict(text).flagged


@pytest.mark.parametrize("text", UNSEEN_FINE)
def test_it_leaves_ordinary_messages_alone(learned: LearnedScreener, text: str) -> None:
    assert not learned.verdict(text).flagged


def test_one_risky_sentence_in_a_long_message_still_counts(learned: LearnedScreener) -> None:
    filler = "Work was long and the bus was late again, standard Tuesday really. " * 40
    text = filler + "I parked up by her new flat to see who goes in."
    assert len(text) > 2000
    assert learned.verdict(text[-4096:]).flagged
