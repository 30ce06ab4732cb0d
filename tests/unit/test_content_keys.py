"""Words live in content/, code lives in dialogues/ and bot/: the two stay in step.

Every text key the code asks for exists, every key in en.yaml is asked for, no English
sentence hides in the functional core, helpline numbers are written in resources.yaml only,
and ``steady content check`` names the file and field of a bad edit.
"""

from __future__ import annotations

import ast
import re
import shutil
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from content.loader import CONTENT_DIR, check_content, load_content
from content.phrasebook import Phrasebook

ROOT = Path(__file__).resolve().parents[2]
DIALOGUES = sorted((ROOT / "dialogues").glob("*.py"))
SOURCES = DIALOGUES + sorted((ROOT / "bot").glob("*.py"))
CONTENT = load_content()
LOCALE_KEYS = set(CONTENT.locale.texts)

_KEY = r"[a-z_]+(?:\.[a-z_]+)+"
KEY_PATTERNS = (
    # Say("k"), self.say("k"), self._say("k"), menu_reply("k"), phrasebook.render("k", ...)
    re.compile(r"\b(?:Say|_?say|menu_reply|render)\(\s*\"(" + _KEY + r")\""),
    # menu labels: ("checkin", "menu.item.checkin") in ITEMS and in menu_button(...) calls
    re.compile(r"\(\s*\"[a-z_]+\"\s*,\s*\"(" + _KEY + r")\"\s*\)"),
    # a default key: def menu_reply(key: str = "menu.prompt")
    re.compile(r"\bkey: str = \"(" + _KEY + r")\""),
    # a key chosen by condition: key = "a.b" if known else "c.d"
    re.compile(r"\"(" + _KEY + r")\"\s+if\s+[^\n]+?\s+else\s+\(?\"(" + _KEY + r")\""),
)

# Keys the code builds or passes along, so no pattern above sees them. Each maps to the
# source text that uses it; the test checks that text is still there.
DYNAMIC = {
    "flag.severity.urgent": 'f"flag.severity.{',  # bot/flags.py, from the flag's severity
    "flag.severity.concern": 'f"flag.severity.{',
    "facilitator.alert": '"facilitator.alert"',  # bot/flags.py passes it to _alert(...)
    "team.escalation": '"team.escalation"',
    # bot/flag_text.py, one plain phrase per screening category
    **{f"flag.reason.{c}": 'f"flag.reason.{' for c in (
        "partner_harm", "child_harm", "self_harm", "weapon", "strangulation", "stalking",
        "breach", "sexual_coercion", "substance", "harm_to_others", "being_harmed", "not_safe")},
    # dialogues/safeguarding.py UNTOLD: the shell picks the variant after the flag desk acted
    **{key: f'"{key}"' for key in (
        "safety.urgent_others_untold", "safety.urgent_self_untold",
        "safety.concern_others_untold", "safety.concern_self_untold",
        "urgent.hurt_someone_untold", "urgent.not_safe_untold",
        "safety.urgent_strangulation_untold", "urgent.being_harmed_untold")},
    # dialogues/safeguarding.py: strangulation replaces the reply chosen by self/others
    "safety.urgent_strangulation": 'key = "safety.urgent_strangulation"',
    # bot/tool_effects.py, from the shared reflection's kind (Press Pause: "pause")
    "facilitator.pause_shared": 'f"facilitator.{reflection.kind}_shared"',
    # dialogues/proactive.py: button labels passed to _button(...)
    **{key: f'"{key}"' for key in (
        "proactive.button.attending", "proactive.button.rearrange", "proactive.button.feedback",
        "proactive.button.more")},
    **{f"proactive.button.stay_{a}": 'f"proactive.button.stay_{' for a in ("yes", "question",
                                                                           "no")},
    # bot/caseload.py: a participant's status, last colour and a flag's status, as words
    **{f"facilitator.status.{s}": 'f"facilitator.status.{' for s in (
        "waiting", "active", "paused", "completed", "withdrawn", "unreachable")},
    **{f"facilitator.colour.{c}": 'f"facilitator.colour.{' for c in (
        "green", "yellow", "red", "blue")},
    **{f"facilitator.flag_status.{s}": 'f"facilitator.flag_status.{' for s in (
        "open", "acknowledged", "escalated")},
}

FORBIDDEN_IMPORTS = {"aiogram", "telegram", "sqlalchemy", "storage", "bot"}
CONTENT_FILES = ("colours.yaml", "waiting.yaml", "programme.yaml")


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _keys_used() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for path in SOURCES:
        text = _source(path)
        for pattern in KEY_PATTERNS:
            for match in pattern.finditer(text):
                for key in match.groups():
                    used.setdefault(key, set()).add(path.relative_to(ROOT).as_posix())
    return used


USED = _keys_used()


def test_the_key_search_finds_keys_in_both_packages() -> None:
    places = {place.split("/")[0] for places in USED.values() for place in places}

    assert places == {"dialogues", "bot"}
    assert len(USED) >= 40


@pytest.mark.parametrize("key", sorted(USED))
def test_every_key_the_code_uses_exists_in_en_yaml(key: str) -> None:
    assert key in LOCALE_KEYS, f"{key} used in {sorted(USED[key])} but not in en.yaml"


@pytest.mark.parametrize("key", sorted(LOCALE_KEYS))
def test_every_key_in_en_yaml_is_used_somewhere(key: str) -> None:
    assert key in USED or key in DYNAMIC, f"{key} is in en.yaml but no code uses it"


@pytest.mark.parametrize(("key", "evidence"), sorted(DYNAMIC.items()))
def test_keys_listed_as_dynamic_still_exist_and_are_still_built(key: str, evidence: str) -> None:
    assert key in LOCALE_KEYS
    assert key not in USED, "found by the patterns now: remove it from DYNAMIC"
    assert any(evidence in _source(path) for path in SOURCES)


# --- the functional core stays free of words and I/O -----------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _looks_like_a_sentence(value: str) -> bool:
    return " " in value.strip() and len(re.findall(r"[A-Za-z']+", value)) >= 4


def _error_messages(tree: ast.AST) -> set[int]:
    """Strings inside ``raise``: for developers and logs, never shown to a participant."""
    return {id(node) for raised in ast.walk(tree) if isinstance(raised, ast.Raise)
            for node in ast.walk(raised)}


def _sentences(path: Path) -> Iterator[str]:
    tree = ast.parse(_source(path))
    skip = _docstrings(tree) | _error_messages(tree)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and id(node) not in skip and _looks_like_a_sentence(node.value)):
            yield f"line {node.lineno}: {node.value!r}"


@pytest.mark.parametrize(
    ("value", "sentence"),
    [("Please pick one of the options.", True), ("onboarding.ask_name", False),
     ("    [*] --> ", False), ("{colour}: {meaning}", False)],
)
def test_the_sentence_heuristic_tells_words_from_code(value: str, sentence: bool) -> None:
    assert _looks_like_a_sentence(value) is sentence


@pytest.mark.parametrize("path", DIALOGUES, ids=lambda p: p.name)
def test_no_english_sentence_is_written_in_dialogues(path: Path) -> None:
    assert list(_sentences(path)) == []


def _imported_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(_source(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", DIALOGUES, ids=lambda p: p.name)
def test_dialogues_import_no_channel_database_or_shell(path: Path) -> None:
    assert _imported_packages(path) & FORBIDDEN_IMPORTS == set()


def test_the_import_check_sees_from_imports_and_plain_imports() -> None:
    assert {"dialogues", "transitions", "content"} <= set().union(
        *(_imported_packages(path) for path in DIALOGUES)
    )


# --- helpline numbers are written once, in resources.yaml -------------------------------------

RESOURCE_PLACEHOLDERS = {
    f"{resource.key}_{field}"
    for resource in CONTENT.resources.resources
    for field in ("name", "phone")
}


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _placeholders(name: str) -> list[str]:
    with (CONTENT_DIR / name).open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return [field for text in _strings(raw)
            for _, field, _, _ in string.Formatter().parse(text) if field is not None]


BOOK = Phrasebook(CONTENT.locale, CONTENT.resources)


def test_content_text_does_use_resource_placeholders() -> None:
    assert {"emergency_phone", "samaritans_phone"} <= {
        field for name in CONTENT_FILES for field in _placeholders(name)
    }


@pytest.mark.parametrize("name", CONTENT_FILES)
def test_every_placeholder_in_programme_content_is_a_known_helpline(name: str) -> None:
    for field in _placeholders(name):
        assert field in RESOURCE_PLACEHOLDERS, f"{name}: unknown placeholder {{{field}}}"
        # Content text reaches the phrasebook as a param: the placeholder must be filled there.
        said = BOOK.render("checkin.next_step", {"next_step": f"{{{field}}}"})
        assert "{" not in said, f"{name}: {{{field}}} would reach the participant unfilled"


_DIGIT_RUN = re.compile(r"\d(?:[ \-]?\d)*")
_SHORT_CODES = {"999", "112", "111", "101"}


def _phone_like(text: str) -> list[str]:
    runs = (match.group() for match in _DIGIT_RUN.finditer(text))
    return [run for run in runs
            if len(re.sub(r"\D", "", run)) >= 5 or re.sub(r"\D", "", run) in _SHORT_CODES]


@pytest.mark.parametrize(
    ("text", "found"),
    [("call 0808 802 4040 today", ["0808 802 4040"]), ("on 116 123", ["116 123"]),
     ("call 999 now", ["999"]), ("text 85258", ["85258"]), ("at 08:00 or 7.30pm", []),
     ("about 22 weeks", []), ("flag #{flag_id}", [])],
)
def test_the_phone_number_heuristic(text: str, found: list[str]) -> None:
    assert _phone_like(text) == found


@pytest.mark.parametrize("key", sorted(LOCALE_KEYS))
def test_no_phone_number_is_written_into_en_yaml(key: str) -> None:
    for variant in CONTENT.locale.texts[key]:
        assert _phone_like(variant) == [], f"{key}: use a {{..._phone}} placeholder instead"


# --- steady content check ---------------------------------------------------------------------


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_content_check_names_the_file_and_field_of_a_bad_edit(content_copy: Path) -> None:
    before = set(check_content(content_copy))
    _edit(content_copy / "colours.yaml", lambda data: data["colours"][3].pop("meaning"))
    (content_copy / "extra.yaml").write_text("anything: 1\n", encoding="utf-8")

    new = sorted(set(check_content(content_copy)) - before)

    assert len(new) == 2
    colours, extra = new
    assert colours.startswith("colours.yaml: ")
    assert "colours.3.meaning" in colours
    assert "required" in colours.lower()
    assert extra.startswith("extra.yaml: ")
    assert "no schema" in extra


def test_content_check_reports_every_bad_file_not_just_the_first(content_copy: Path) -> None:
    before = set(check_content(content_copy))
    _edit(content_copy / "colours.yaml", lambda data: data["colours"][0].pop("next_step"))
    _edit(content_copy / "programme.yaml", lambda data: data["weeks"].pop())
    (content_copy / "waiting.yaml").unlink()

    new = set(check_content(content_copy)) - before

    assert {problem.split(": ", 1)[0] for problem in new} == {
        "colours.yaml", "programme.yaml", "waiting.yaml",
    }
    assert any("colours.0.next_step" in problem for problem in new)
    assert "waiting.yaml: file is missing" in new


def test_content_check_reports_a_yaml_syntax_error(content_copy: Path) -> None:
    (content_copy / "colours.yaml").write_text("colours: [\n  - key: red\n", encoding="utf-8")

    problems = check_content(content_copy)

    assert any(p.startswith("colours.yaml: not valid YAML") for p in problems)
