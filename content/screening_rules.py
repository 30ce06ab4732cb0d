"""Schema and loader for ``content/screening.yaml``, the disclosure screener's lexicon.

The YAML is written and reviewed by people, so this module does three things only:
validate its shape (pydantic names the field that is wrong), expand the ``{NAME}``
macros a pattern may use (``terms`` and the people lists), and compile every regex
once, raising a ValueError that names the rule whose pattern is broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

Category = Literal[
    "partner_harm", "child_harm", "self_harm", "weapon", "strangulation",
    "stalking", "breach", "sexual_coercion", "substance", "harm_to_others",
]
CATEGORIES: tuple[Category, ...] = (
    "partner_harm", "child_harm", "self_harm", "weapon", "strangulation",
    "stalking", "breach", "sexual_coercion", "substance", "harm_to_others",
)
Severity = Literal["urgent", "concern"]
Gender = Literal["female", "male", "either", "plural"]
PronounForm = Literal["object", "possessive", "subject"]

DEFAULT_PATH = Path(__file__).with_name("screening.yaml")
_MACRO = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PeopleGroup(_Strict):
    """Words for one kind of person; a harm rule aimed at them gets ``category``."""

    category: Category
    female: list[str] = []
    male: list[str] = []
    either: list[str] = []
    plural: list[str] = []


class Pronoun(_Strict):
    word: str = Field(pattern=r"^[a-z]+$")
    forms: list[PronounForm] = Field(min_length=1)
    refers_to: list[Gender] = Field(min_length=1)
    default: str  # a key of ``people``


class Negation(_Strict):
    window_words: int = Field(ge=1, le=20)
    cues: list[str] = Field(min_length=1)
    breakers: list[str] = []
    after: list[str] = []
    new_subject: list[str] = Field(min_length=1)


class Exclusions(_Strict):
    idioms: list[str] = []
    topic_talk: list[str] = []
    topic_window_words: int = Field(default=4, ge=0, le=10)
    third_party_subjects: list[str] = []
    # Past learning: a concern-level match in a clause that tells of the past
    # (``past_cues`` just before it) is dropped when the message also says it has stopped
    # (``reflection_cues``): "I used to check her phone, I don't now".
    past_cues: list[str] = []
    reflection_cues: list[str] = []


class Prefilter(_Strict):
    """Speed only: which literals everyday messages hold, so filters avoid them."""

    everyday: str = Field(min_length=1)
    common_words: list[str] = []


class Rule(_Strict):
    """One explainable rule: when a pattern matches, it is evidence for ``category``."""

    id: str = Field(pattern=r"^[a-z_]+\.[a-z0-9_]+$")
    category: Category | Literal["target"]
    severity: Severity
    description: str = Field(min_length=3)
    patterns: list[str] = Field(min_length=1)
    with_target: bool = False
    default_target: str | None = None
    # Who an unresolved "him"/"her" means for this rule, instead of the pronoun's default.
    pronouns_default_to: str | None = None
    requires: list[str] = []
    unless: list[str] = []
    unless_before: list[str] = []
    escalate_when: list[str] = []
    scope: Literal["sentence", "message"] = "sentence"
    negatable: bool = True
    topic_talk_applies: bool = True
    examples: list[str] = []

    @model_validator(mode="after")
    def _target_needs_default(self) -> Rule:
        if self.category == "target" and self.default_target is None:
            raise ValueError(f"rule {self.id}: category 'target' needs default_target")
        return self


@dataclass(frozen=True)
class CompiledRule:
    id: str
    category: str  # a category, or "target" (taken from the person the words are aimed at)
    severity: Severity
    with_target: bool
    default_target: str | None  # a people key
    pronouns_default_to: str | None  # a people key
    patterns: tuple[re.Pattern[str], ...]
    requires: re.Pattern[str] | None
    unless: re.Pattern[str] | None
    unless_before: re.Pattern[str] | None
    escalate: re.Pattern[str] | None
    scope: Literal["sentence", "message"]
    negatable: bool
    topic_talk_applies: bool = True


@dataclass(frozen=True)
class CompiledPeople:
    """Person words, by people key and gender, plus the pronoun table."""

    groups: tuple[tuple[str, Category, Gender, re.Pattern[str]], ...]
    referents: re.Pattern[str]  # finds any person word, for pronoun resolution
    pronouns: dict[str, Pronoun]


class ScreeningRules(_Strict):
    version: int = Field(ge=1)
    replacements: dict[str, str] = {}
    # Words people disguise ("k1ll", "h u r t"): the normaliser undoes a disguise only
    # when the result is one of these (with its usual endings), so "3pm" stays "3pm".
    evasion_words: list[str] = []
    prefilter: Prefilter
    terms: dict[str, list[str]] = {}
    people: dict[str, PeopleGroup]
    pronouns: list[Pronoun]
    negation: Negation
    exclusions: Exclusions
    clause_breaks: list[str] = Field(min_length=1)
    always_urgent: list[Category] = []
    # Right after a child is named, these words mean the child's other parent, the partner
    # ("my 6 year old saw me punch her mum").
    childs_parent: str | None = None
    rules: list[Rule] = Field(min_length=1)

    _compiled: tuple[CompiledRule, ...] = PrivateAttr(default=())
    _patterns: dict[str, re.Pattern[str]] = PrivateAttr(default_factory=dict)
    _people: CompiledPeople | None = PrivateAttr(default=None)
    _lists: dict[str, tuple[re.Pattern[str], ...]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _compile(self) -> ScreeningRules:
        odd = sorted(w for w in self.evasion_words if not re.fullmatch(r"[a-z]+", w))
        if odd:
            raise ValueError(f"evasion_words: lower-case letters only: {odd}")
        bad = sorted(k for k in self.replacements if not re.fullmatch(r"[a-z0-9]+", k))
        if bad:
            raise ValueError(f"replacements: keys must be one lower-case word each: {bad}")
        ids = [r.id for r in self.rules]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"rules: duplicate ids {duplicates}")
        for p in self.pronouns:
            if p.default not in self.people:
                raise ValueError(f"pronouns.{p.word}: default {p.default!r} is not in people")
        for rule in self.rules:
            for field in (rule.default_target, rule.pronouns_default_to):
                if field is not None and field not in self.people:
                    raise ValueError(f"rule {rule.id}: {field!r} is not in people")
        if self.childs_parent is not None:
            try:
                re.compile(self.childs_parent)
            except re.error as exc:
                raise ValueError(f"childs_parent: pattern does not compile ({exc})") from None
        macros = _Macros(self)
        self._people = _compile_people(self, macros)
        self._patterns = {
            "negation_cues": macros.compile_list("negation.cues", self.negation.cues),
            "negation_breakers": macros.compile_list("negation.breakers",
                                                     self.negation.breakers),
            "negation_after": macros.compile_list("negation.after", self.negation.after),
            "new_subject": macros.compile_list("negation.new_subject",
                                               self.negation.new_subject),
            "topic_talk": macros.compile_list(
                "exclusions.topic_talk", self.exclusions.topic_talk,
                suffix=rf"(?: [a-z]+){{0,{self.exclusions.topic_window_words}}} ?$"),
            "third_party": macros.compile_list(
                "exclusions.third_party_subjects", self.exclusions.third_party_subjects,
                prefix="^", suffix=" ?$"),
            "clause_breaks": macros.compile_list("clause_breaks", self.clause_breaks),
            "past_cues": macros.compile_list("exclusions.past_cues",
                                             self.exclusions.past_cues),
            "reflection_cues": macros.compile_list("exclusions.reflection_cues",
                                                   self.exclusions.reflection_cues),
        }
        self._lists["idioms"] = tuple(macros.compile(f"exclusions.idioms[{i}]", item)
                                      for i, item in enumerate(self.exclusions.idioms))
        self._compiled = tuple(_compile_rule(rule, macros) for rule in self.rules)
        return self

    @property
    def compiled(self) -> tuple[CompiledRule, ...]:
        return self._compiled

    @property
    def people_index(self) -> CompiledPeople:
        assert self._people is not None
        return self._people

    def patterns(self, name: str) -> tuple[re.Pattern[str], ...]:
        """A global list compiled item by item (only "idioms")."""
        return self._lists.get(name, ())

    def pattern(self, name: str) -> re.Pattern[str] | None:
        """A compiled global list: negation_cues, negation_breakers, negation_after,
        new_subject,
        topic_talk, third_party or clause_breaks."""
        return self._patterns.get(name)


class _Macros:
    """Expands ``{NAME}`` in a pattern from ``terms`` and the people lists."""

    def __init__(self, rules: ScreeningRules) -> None:
        self.terms = {name: _alternation(values) for name, values in rules.terms.items()}
        every: list[str] = []
        for key, group in rules.people.items():
            words = group.female + group.male + group.either + group.plural
            self.terms[key.upper()] = _alternation(_longest_first(words))
            every += words
        forms: dict[str, list[str]] = {"object": [], "possessive": [], "subject": []}
        for p in rules.pronouns:
            for form in p.forms:
                forms[form].append(p.word)
        people = _longest_first(every)
        self.terms["PERSON"] = _alternation(people + forms["object"])
        self.terms["WHO"] = "(?P<who>" + "|".join(people + forms["object"]) + ")"
        # "my exs new fella" is the fella: a shorter person word must not stop short of it.
        self.terms["WHOSE"] = ("(?P<who>" + "|".join(people + forms["possessive"]) + ")"
                               + "(?!s (?:new )?(?:boyfriend|bloke|fella|feller|man|partner|"
                               + "husband|guy|lad|fancy man)\\b)s?")
        self.terms["WHO_SUBJ"] = "(?P<who>" + "|".join(people + forms["subject"]) + ")s?"

    def expand(self, where: str, text: str, seen: tuple[str, ...] = ()) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.terms:
                raise ValueError(f"{where}: unknown term {{{name}}}")
            if name in seen:
                raise ValueError(f"{where}: term {{{name}}} refers to itself")
            return self.expand(where, self.terms[name], (*seen, name))

        return _MACRO.sub(one, text)

    def compile(self, where: str, text: str) -> re.Pattern[str]:
        source = self.expand(where, text)
        try:
            return re.compile(source)
        except re.error as exc:
            raise ValueError(f"{where}: pattern does not compile ({exc}): {text}") from None

    def compile_list(self, where: str, items: list[str], prefix: str = "",
                     suffix: str = "") -> re.Pattern[str]:
        if not items:
            return re.compile(r"(?!x)x")  # matches nothing
        for i, item in enumerate(items):
            self.compile(f"{where}[{i}]", item)
        return self.compile(where, prefix + "(?:" + "|".join(items) + ")" + suffix)


def _alternation(values: list[str]) -> str:
    return "(?:" + "|".join(values) + ")"


def _longest_first(words: list[str]) -> list[str]:
    return sorted(dict.fromkeys(words), key=len, reverse=True)


def _compile_rule(rule: Rule, macros: _Macros) -> CompiledRule:
    where = f"rule {rule.id}"
    patterns = tuple(macros.compile(f"{where} pattern {i}", p)
                     for i, p in enumerate(rule.patterns))
    def optional(name: str, items: list[str]) -> re.Pattern[str] | None:
        return macros.compile_list(f"{where} {name}", items) if items else None

    return CompiledRule(
        id=rule.id, category=rule.category, severity=rule.severity,
        with_target=rule.with_target, default_target=rule.default_target,
        pronouns_default_to=rule.pronouns_default_to,
        patterns=patterns, requires=optional("requires", rule.requires),
        unless=optional("unless", rule.unless),
        unless_before=macros.compile_list(f"{where} unless_before", rule.unless_before,
                                          suffix=" ?$") if rule.unless_before else None,
        escalate=optional("escalate_when", rule.escalate_when),
        scope=rule.scope, negatable=rule.negatable,
        topic_talk_applies=rule.topic_talk_applies)


def _compile_people(rules: ScreeningRules, macros: _Macros) -> CompiledPeople:
    groups: list[tuple[str, Category, Gender, re.Pattern[str]]] = []
    named: list[str] = []
    genders: tuple[Gender, ...] = ("female", "male", "either", "plural")
    for key, group in rules.people.items():
        for gender in genders:
            words: list[str] = getattr(group, gender)
            if not words:
                continue
            alternation = "|".join(_longest_first(words))
            pattern = macros.compile(f"people.{key}.{gender}", alternation)
            groups.append((key, group.category, gender, pattern))
            named.append(f"(?P<{key}__{gender}>{alternation})")
    referents = macros.compile("people", r"\b(?:" + "|".join(named) + r")\b")
    return CompiledPeople(tuple(groups), referents, {p.word: p for p in rules.pronouns})


def load_screening_rules(path: Path | None = None) -> ScreeningRules:
    """Read, validate and compile the screening rules (default: content/screening.yaml)."""
    source = path or DEFAULT_PATH
    with source.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return ScreeningRules.model_validate(data)


@cache
def default_screening_rules() -> ScreeningRules:
    """The rules shipped in content/screening.yaml, loaded once per process."""
    return load_screening_rules()
