"""Reflection journal: write an entry over several messages; read, delete or share one.

Entries are private until the person shares one. An entry is written over as many messages
as they like and saved on "Done", with this programme week's reflection question offered
first. Deleting removes the row, it does not hide it, and the bot says so. The shell loads
the ten most recent entries into ``ctx.profile.journal`` for every event, so only those ids
are accepted; the entry id of a new entry is only known from the next event, so the "share
it now" offer finds it there by the ref it was saved under.

    start -begin-> choose -write-> prompt_offer (week known) | writing
    prompt_offer -use_prompt/free-> writing ;  writing -text-> writing
    writing -done-> saved (some text) | done ;  writing -cancel-> done
    saved -share-> confirm_share | choose (not found) ;  saved -menu-> done
    choose -recent-> listing -view-> reading -delete-> confirm_delete -yes-> choose
    reading -share-> confirm_share -yes/no-> choose ;  confirm_delete -no-> listing
    listing -back-> choose ;  reading -back-> listing ;  choose -menu-> done
"""

from __future__ import annotations

from datetime import UTC
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from dialogues.effects import Button, DeleteJournalEntry, SaveJournalEntry, Say, ShareJournalEntry
from dialogues.errors import StaleButton
from dialogues.flow import Flow, FlowModel, JournalEntrySummary
from dialogues.menu import menu_reply

NAME = "journal"
MAX_ENTRY_LENGTH = 4000  # characters in one entry, all its messages together
RECENT = 10  # entries listed
LABEL_LENGTH = 40  # characters of an entry's start shown on its button


class States(Enum):
    start = "start"
    choose = "choose"
    prompt_offer = "prompt_offer"
    writing = "writing"
    saved = "saved"
    listing = "listing"
    reading = "reading"
    confirm_delete = "confirm_delete"
    confirm_share = "confirm_share"
    done = "done"


TRANSITIONS: list[dict[str, Any]] = [
    {"trigger": "begin", "source": States.start, "dest": States.choose},
    {"trigger": "write", "source": States.choose, "dest": States.prompt_offer,
     "conditions": "has_week_prompt"},
    {"trigger": "write", "source": States.choose, "dest": States.writing},
    {"trigger": "use_prompt", "source": States.prompt_offer, "dest": States.writing,
     "before": "choose_prompt"},
    {"trigger": "free", "source": States.prompt_offer, "dest": States.writing},
    {"trigger": "text", "source": States.writing, "dest": States.writing,
     "conditions": "part_fits", "before": "add_part"},
    {"trigger": "text", "source": States.writing, "dest": States.writing,
     "before": "refuse_part"},
    {"trigger": "done", "source": States.writing, "dest": States.saved,
     "conditions": "has_text", "before": "save_entry"},
    {"trigger": "done", "source": States.writing, "dest": States.done,
     "before": "nothing_to_save"},
    {"trigger": "cancel", "source": States.writing, "dest": States.done,
     "before": "discard_entry"},
    {"trigger": "share", "source": States.saved, "dest": States.confirm_share,
     "conditions": "found_new_entry"},
    {"trigger": "share", "source": States.saved, "dest": States.choose,
     "before": "new_entry_not_found"},
    {"trigger": "menu", "source": [States.saved, States.choose], "dest": States.done,
     "before": "show_menu"},
    {"trigger": "recent", "source": States.choose, "dest": States.listing,
     "conditions": "has_entries"},
    {"trigger": "view", "source": States.listing, "dest": States.reading,
     "conditions": "known_entry", "before": "open_entry"},
    {"trigger": "back", "source": States.listing, "dest": States.choose},
    {"trigger": "back", "source": States.reading, "dest": States.listing},
    {"trigger": "delete", "source": States.reading, "dest": States.confirm_delete},
    {"trigger": "share", "source": States.reading, "dest": States.confirm_share,
     "conditions": "not_yet_shared"},
    {"trigger": "yes", "source": States.confirm_delete, "dest": States.choose,
     "before": "delete_entry"},
    {"trigger": "no", "source": States.confirm_delete, "dest": States.listing,
     "before": "keep_entry"},
    {"trigger": "yes", "source": States.confirm_share, "dest": States.choose,
     "before": "share_entry"},
    {"trigger": "no", "source": States.confirm_share, "dest": States.choose,
     "before": "keep_private"},
]


def first_words(text: str, limit: int = LABEL_LENGTH) -> str:
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[:limit + 1]  # one more, to see whether the cut falls between two words
    cut = cut.rsplit(" ", 1)[0] if " " in cut else words[:limit]
    return cut.rstrip(" ,.;:") + "…"


class Journal(FlowModel):
    notice: Say | None = None  # what to say on going back to writing, instead of the prompt

    # --- helpers -----------------------------------------------------------------------------

    @property
    def parts(self) -> list[str]:
        return [str(part) for part in self.data.get("parts", [])]

    def week_prompt(self) -> str | None:
        week = self.ctx.profile.programme_week
        weeks = self.ctx.library.programme.weeks
        if week is None or not 1 <= week <= len(weeks):
            return None
        modes = self.ctx.profile.preferences.modes()
        return weeks[week - 1].wording(modes).reflection_prompt

    def entries(self) -> tuple[JournalEntrySummary, ...]:
        return self.ctx.profile.journal[:RECENT]

    def find(self, entry_id: int) -> JournalEntrySummary | None:
        return next((e for e in self.entries() if e.entry_id == entry_id), None)

    def entry(self) -> JournalEntrySummary:
        """The entry this conversation is about; gone from the journal means stale."""
        found = self.find(int(self.data.get("entry", 0)))
        if found is None:
            raise StaleButton(f"journal entry {self.data.get('entry')}")
        return found

    def date(self, entry: JournalEntrySummary) -> str:
        at = entry.created_at
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        local = at.astimezone(ZoneInfo(self.ctx.profile.timezone))
        return f"{local.day} {local:%b %Y}"

    def writing_buttons(self) -> list[Button]:
        return [self.button(Say("journal.button.done"), "done"),
                self.button(Say("journal.button.cancel"), "cancel")]

    # --- the journal's own menu --------------------------------------------------------------

    def on_enter_choose(self) -> None:
        rows = ([self.button(Say("journal.button.write"), "write")],
                [self.button(Say("journal.button.recent"), "recent")],
                [self.button(Say("button.menu"), "menu")])
        if self.data.get("again"):
            self.say("journal.choose_again", *rows)
        else:
            self.data["again"] = True
            self.say("journal.choose", *rows)

    def show_menu(self) -> None:
        self.do(menu_reply())

    # --- writing -----------------------------------------------------------------------------

    def has_week_prompt(self) -> bool:
        return self.week_prompt() is not None

    def on_enter_prompt_offer(self) -> None:
        self.say("journal.offer_prompt",
                 [self.button(Say("journal.button.use_prompt"), "use_prompt")],
                 [self.button(Say("journal.button.free"), "free")],
                 prompt=self.week_prompt() or "")

    def choose_prompt(self) -> None:
        self.data["prompt"] = True

    def on_enter_writing(self) -> None:
        buttons = self.writing_buttons()
        notice, self.notice = self.notice, None
        prompt = self.week_prompt() if self.data.get("prompt") else None
        if notice is not None:
            self.say(notice.key, buttons, **notice.params)
        elif self.parts:
            self.say("journal.keep_writing", buttons)
        elif prompt is not None:
            self.say("journal.write_to_prompt", buttons, prompt=prompt)
        else:
            self.say("journal.write_freely", buttons)

    def part_fits(self) -> bool:
        return bool(self.typed) and (
            len("\n\n".join([*self.parts, self.typed])) <= MAX_ENTRY_LENGTH)

    def add_part(self) -> None:
        self.data["parts"] = [*self.parts, self.typed]
        self.notice = Say("journal.part_added")

    def refuse_part(self) -> None:
        if self.typed:
            self.notice = Say("journal.too_long", {"limit": str(MAX_ENTRY_LENGTH)})

    def has_text(self) -> bool:
        return bool(self.parts)

    def save_entry(self) -> None:
        text = "\n\n".join(self.parts)
        self.do(SaveJournalEntry(ref=str(self.event.update_id), text=text,
                                 week=self.ctx.profile.programme_week or None, at=self.event.at))
        del self.data["parts"]
        self.data.pop("prompt", None)
        self.data["saved"] = str(self.event.update_id)

    def on_enter_saved(self) -> None:
        self.say("journal.saved",
                 [self.button(Say("journal.button.share"), "share")],
                 [self.button(Say("button.menu"), "menu")])

    def nothing_to_save(self) -> None:
        self.say("journal.nothing_saved")
        self.do(menu_reply())

    def discard_entry(self) -> None:
        self.say("journal.cancelled")
        self.do(menu_reply())

    def found_new_entry(self) -> bool:
        saved = self.data.get("saved")
        found = next((e for e in self.entries() if e.ref == saved), None)
        if found is None:
            return False
        self.data["entry"] = found.entry_id
        return True

    def new_entry_not_found(self) -> None:
        self.say("journal.share_not_found")

    # --- reading, deleting, sharing ----------------------------------------------------------

    def has_entries(self) -> bool:
        if not self.entries():
            self.say("journal.none_yet")
            return False
        return True

    def on_enter_listing(self) -> None:
        rows = [[self.button(Say("journal.entry_label",
                                 {"date": self.date(e), "start": first_words(e.text)}),
                             f"view.{e.entry_id}")] for e in self.entries()]
        rows.append([self.button(Say("journal.button.back"), "back")])
        self.say("journal.list", *rows)

    def known_entry(self) -> bool:
        if not self.arg.isdigit() or self.find(int(self.arg)) is None:
            raise StaleButton(f"journal entry {self.arg}")
        return True

    def open_entry(self) -> None:
        self.data["entry"] = int(self.arg)

    def on_enter_reading(self) -> None:
        entry = self.entry()
        rows: list[list[Button]] = [[self.button(Say("journal.button.delete"), "delete")]]
        if not entry.shared:
            rows.append([self.button(Say("journal.button.share"), "share")])
        rows.append([self.button(Say("journal.button.back"), "back")])
        key = "journal.entry_shared" if entry.shared else "journal.entry"
        self.say(key, *rows, date=self.date(entry), text=entry.text)

    def not_yet_shared(self) -> bool:
        if self.entry().shared:
            self.say("journal.already_shared")
            return False
        return True

    def on_enter_confirm_delete(self) -> None:
        self.say("journal.confirm_delete",
                 [self.button(Say("journal.button.confirm_delete"), "yes")],
                 [self.button(Say("journal.button.keep"), "no")],
                 date=self.date(self.entry()))

    def delete_entry(self) -> None:
        self.do(DeleteJournalEntry(self.entry().entry_id))
        self.data.pop("entry")
        self.say("journal.deleted")

    def keep_entry(self) -> None:
        self.data.pop("entry", None)
        self.say("journal.kept")

    def on_enter_confirm_share(self) -> None:
        self.say("journal.confirm_share",
                 [self.button(Say("journal.button.confirm_share"), "yes")],
                 [self.button(Say("journal.button.keep_private"), "no")],
                 date=self.date(self.entry()))

    def share_entry(self) -> None:
        entry = self.entry()
        self.data.pop("entry")
        if entry.shared:
            self.say("journal.already_shared")
            return
        self.do(ShareJournalEntry(entry.entry_id))
        self.say("journal.shared")

    def keep_private(self) -> None:
        self.data.pop("entry", None)
        self.say("journal.kept_private")


FLOW = Flow(NAME, States, TRANSITIONS, Journal, done=States.done)
