"""Turn a ``Say(key, params)`` into words, varying recurring prompts.

A key with several variants rotates through them per person (the caller keeps the
``memory`` of which variant each key used last), so the same prompt never appears word for
word twice in a row. Helpline names and numbers are filled in from resources.yaml, so they
are written in one place only.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, MutableMapping, Sequence

from content.schema import Locale, Resources

_SHARED = re.compile(r"\{([a-z_]+_(?:name|phone))\}")


class MissingText(KeyError):
    """The dialogue asked for a key that content/locales does not have."""


class Phrasebook:
    """``overlays`` (e.g. "plain", "literal") replace some keys for people who chose them."""

    def __init__(self, locale: Locale, resources: Resources,
                 overlays: Mapping[str, Locale] | None = None) -> None:
        self.locale = locale
        self.overlays = dict(overlays or {})
        self.shared: dict[str, str] = {}
        for resource in resources.resources:
            self.shared[f"{resource.key}_name"] = resource.name
            self.shared[f"{resource.key}_phone"] = resource.phone or ""

    def has(self, key: str) -> bool:
        return key in self.locale.texts

    def render(self, key: str, params: Mapping[str, str],
               memory: MutableMapping[str, int] | None = None,
               modes: Sequence[str] = ()) -> str:
        """Return one variant of ``key`` with params filled in; update ``memory``."""
        try:
            variants = self.locale.texts[key]
        except KeyError:
            raise MissingText(key) from None
        for mode in modes:
            overlay = self.overlays.get(mode)
            if overlay is not None and key in overlay.texts:
                variants = overlay.texts[key]
                break
        index = 0
        if len(variants) > 1 and memory is not None:
            index = (memory.get(key, -1) + 1) % len(variants)
            memory[key] = index
        text = string.Formatter().vformat(variants[index], (), {**self.shared, **params})
        # Content passed in as a param (a colour's next step, say) may name a helpline too.
        return _SHARED.sub(lambda m: self.shared.get(m[1], m[0]), text).strip()
