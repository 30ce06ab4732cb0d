"""Screening runs off the event loop: one message being screened (however long it
takes) does not hold up another person's reply. No timing: a gate holds the screener
in its worker thread for as long as the test likes."""

from __future__ import annotations

import asyncio
import threading

from bot.app import App
from bot.screening_context import ContextScreener
from dialogues.events import Kind
from dialogues.screening import CLEAR, Screening
from tests.integration.conftest import InboundFactory, RecordingChannel, UserFactory, onboard

LONG = ("I've had a long week and I want to tell you all about it. " * 80)[:4096]


class GatedScreener:
    """Blocks (in its worker thread) on the long message until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.entered = threading.Event()

    def __call__(self, text: str) -> Screening:
        if text == LONG:
            self.entered.set()
            assert self.gate.wait(timeout=30), "the test never opened the gate"
        return CLEAR


async def test_a_long_message_being_screened_does_not_hold_up_another_reply(
        app: App, channel: RecordingChannel, make_inbound: InboundFactory) -> None:
    gated = GatedScreener()
    app.engine.context = ContextScreener(gated)
    slow = asyncio.ensure_future(app.engine.handle(make_inbound(4101, Kind.TEXT, LONG)))
    assert await asyncio.to_thread(gated.entered.wait, 30)  # it is inside the screener now
    other = await app.engine.handle(make_inbound(4102, Kind.TEXT, "hello"))
    await app.sender.dispatch_due()
    assert not other.duplicate
    assert not slow.done()  # still being screened, and yet the other person was answered
    assert channel.to(4102), "the other person got no reply"
    gated.gate.set()
    await slow
    await app.sender.dispatch_due()
    assert channel.to(4101)


async def test_the_shipped_screener_bounds_a_4096_character_message() -> None:
    """The learned layer embeds a bounded number of pieces, whatever the length."""
    from bot.embedder import MAX_PIECES, pieces

    assert len(pieces(LONG)) <= MAX_PIECES
    assert len(pieces("x " * 50_000)) <= MAX_PIECES


async def test_risk_split_over_two_messages_raises_a_flag_through_the_engine(
        app: App, invite_code: str, user: UserFactory) -> None:
    """The engine screens a message with the same person's previous one as context."""
    person = user(4103)
    await onboard(person, invite_code)
    await person.type("ive been thinking about my mums tablets")
    assert await _flags(app) == []
    turn = await person.type("and taking the lot later")
    assert any("999" in text for text in person.mine(turn))
    [flag] = await _flags(app)
    assert flag == ("urgent", ["self_harm"])


async def _flags(app: App) -> list[tuple[str, list[str]]]:
    async with app.uow() as uow:
        return [(f.severity, list(f.categories)) for f in await uow.flags.listing()]
