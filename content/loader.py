"""Load and validate the YAML under content/.

``load_content`` is what the bot uses; ``check_content`` is what ``steady content check``
runs: it reports every bad file with the field that is wrong, rather than stopping at the
first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from content.schema import Locale, Palette, Programme, Resources, Waiting

CONTENT_DIR = Path(__file__).resolve().parent
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
M = TypeVar("M", bound=BaseModel)


class ContentError(ValueError):
    """A content file is missing, is not YAML, or does not match its schema."""


# locales/en-<mode>.yaml: plain language, no metaphors, and "open" (discreet mode off)
OVERLAYS = ("plain", "literal", "open")


@dataclass(frozen=True)
class Content:
    locale: Locale
    palette: Palette
    programme: Programme
    resources: Resources
    waiting: Waiting
    overlays: dict[str, Locale] = field(default_factory=dict)


def read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise ContentError(f"{path.name}: file is missing") from None
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: not valid YAML ({' '.join(str(exc).split())})") \
            from None


def _load(path: Path, model: type[M]) -> M:
    try:
        return model.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ContentError(_describe(path, exc)) from None


def _describe(path: Path, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        problems.append(f"{path.name}: field '{where}': {error['msg']}")
    return "\n".join(problems)


def load_content(root: Path = CONTENT_DIR) -> Content:
    return Content(
        locale=_load(root / "locales" / "en.yaml", Locale),
        palette=_load(root / "colours.yaml", Palette),
        programme=_load(root / "programme.yaml", Programme),
        resources=_load(root / "resources.yaml", Resources),
        waiting=_load(root / "waiting.yaml", Waiting),
        overlays={mode: _load(path, Locale) for mode in OVERLAYS
                  if (path := root / "locales" / f"en-{mode}.yaml").exists()},
    )


def _check_overlay(path: Path) -> None:
    """An overlay may only reword keys en.yaml has, with the same placeholders."""
    overlay = _load(path, Locale)
    base = _load(path.parent / "en.yaml", Locale)
    problems = []
    for key, variants in overlay.texts.items():
        if key not in base.texts:
            problems.append(f"{path.name}: field 'texts.{key}': en.yaml has no such key")
            continue
        wanted = set(_PLACEHOLDER.findall(base.texts[key][0]))
        if any(set(_PLACEHOLDER.findall(v)) != wanted for v in variants):
            problems.append(f"{path.name}: field 'texts.{key}': placeholders differ from en.yaml")
    if problems:
        raise ContentError("\n".join(problems))


def _check_screening(path: Path) -> None:
    from content.screening_rules import load_screening_rules

    try:
        load_screening_rules(path)
    except ValidationError as exc:
        raise ContentError(_describe(path, exc)) from None
    except ValueError as exc:
        raise ContentError(f"{path.name}: {exc}") from None


SCHEMAS: dict[str, Callable[[Path], object]] = {
    "locales/en.yaml": lambda p: _load(p, Locale),
    **{f"locales/en-{mode}.yaml": _check_overlay for mode in OVERLAYS},
    "colours.yaml": lambda p: _load(p, Palette),
    "programme.yaml": lambda p: _load(p, Programme),
    "resources.yaml": lambda p: _load(p, Resources),
    "waiting.yaml": lambda p: _load(p, Waiting),
    "screening.yaml": _check_screening,
}


def check_content(root: Path = CONTENT_DIR) -> list[str]:
    """Validate every YAML file under ``root``; return one message per problem."""
    problems: list[str] = []
    found = {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*.yaml"))}
    for name in SCHEMAS:
        if name not in found and not name.startswith("locales/en-"):
            problems.append(f"{name}: file is missing")
    for name, path in found.items():
        check = SCHEMAS.get(name)
        if check is None:
            problems.append(f"{name}: no schema knows this file (add one to content/loader.py)")
            continue
        try:
            check(path)
        except ContentError as exc:
            # Each problem starts "<file>: "; YAML errors continue on further lines.
            problems.extend(f"{name}: {line.split(': ', 1)[1]}" if line.startswith(path.name)
                            else f"{name}: {line.strip()}"
                            for line in str(exc).splitlines() if line.strip())
    return problems
