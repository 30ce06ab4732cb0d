"""PLACEHOLDER until the real screener lands (helper-1 owns this file)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Evidence:
    rule: str
    category: str
    severity: str
    matched: str


@dataclass(frozen=True)
class Screening:
    flagged: bool
    severity: Literal["urgent", "concern"] | None
    categories: tuple[str, ...]
    evidence: tuple[Evidence, ...]


def screen(text: str) -> Screening:
    return Screening(False, None, (), ())
