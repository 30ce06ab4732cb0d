"""Read a time of day the way people type it: "7pm", "19:30", "7.30 am", "0730", "noon"."""

from __future__ import annotations

import re

_CLOCK = re.compile(
    r"^\s*(?P<h>\d{1,2})(?:[:.\s]?(?P<m>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?\s*$", re.I
)
_WORDS = {"noon": "12:00", "midday": "12:00", "midnight": "00:00"}


def parse_clock(text: str) -> str | None:
    """Return "HH:MM" (24-hour) or None when the text is not a time of day."""
    cleaned = text.strip().lower()
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    match = _CLOCK.match(cleaned)
    if match is None:
        return None
    hour, minute = int(match["h"]), int(match["m"] or 0)
    ampm = (match["ampm"] or "").replace(".", "")
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return f"{hour:02d}:{minute:02d}"
