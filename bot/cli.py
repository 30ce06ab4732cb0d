"""The `steady` command line: admin tasks, the bot itself, and the terminal demo."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.admin import (
    AdminError,
    add_facilitator,
    audit_trail,
    create_invite,
    deactivate_facilitator,
    deep_link,
    reassign,
)
from bot.config import Settings
from bot.outgoing import OutgoingWriter
from content.loader import CONTENT_DIR, check_content, load_content
from storage.crypto import EncryptionKeyError, FieldCipher
from storage.database import make_engine, make_session_factory
from storage.key_check import WrongEncryptionKey, check_key
from storage.keyed_upgrade import keyed_upgrade
from storage.migrate import upgrade
from storage.uow import UnitOfWork

if TYPE_CHECKING:
    from bot.session_admin import Booked

T = TypeVar("T")
app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Steady: a companion between programme sessions.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
facilitator_app = typer.Typer(no_args_is_help=True, help="Facilitators.")
content_app = typer.Typer(no_args_is_help=True, help="Programme content under content/.")
app.add_typer(db_app, name="db")
app.add_typer(facilitator_app, name="facilitator")
app.add_typer(content_app, name="content")


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _cipher_or_none(settings: Settings) -> FieldCipher | None:
    key = settings.encryption_key
    return FieldCipher(key.get_secret_value()) if key else None


async def _with_uow(settings: Settings, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    engine = make_engine(settings.database_url)
    try:
        await upgrade(engine)
        cipher = _cipher_or_none(settings)
        sessions = make_session_factory(engine)
        if cipher is not None:
            async with UnitOfWork(sessions, cipher) as checking:
                try:
                    await check_key(checking, cipher)
                except WrongEncryptionKey as exc:
                    raise _fail(str(exc), 2) from None
            await keyed_upgrade(engine, cipher)  # only once the key is known to be right
        uow = UnitOfWork(sessions, cipher)
        async with uow:
            return await work(uow)
    finally:
        await engine.dispose()


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema (Alembic) to the latest version."""
    settings = Settings()

    async def _go() -> None:
        engine = make_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(_go())
    typer.echo("database is up to date")


@facilitator_app.command("add")
def facilitator_add(
    telegram_id: Annotated[int, typer.Option("--telegram-id", help="Numeric Telegram user id")],
    name: Annotated[str, typer.Option("--name", help="Name shown to admins")],
) -> None:
    """Register a facilitator, who will receive alerts in Telegram."""
    now = datetime.now(UTC)
    try:
        new_id = asyncio.run(_with_uow(
            Settings(), lambda uow: add_facilitator(uow, telegram_id, name, now)))
    except (AdminError, EncryptionKeyError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"facilitator {new_id} added (Telegram id {telegram_id})")


@facilitator_app.command("deactivate")
def facilitator_deactivate(
    telegram_id: Annotated[int, typer.Option("--telegram-id", help="Numeric Telegram user id")],
) -> None:
    """Deactivate a facilitator: their participants are unassigned, their flags escalate."""
    from content.phrasebook import Phrasebook

    content = load_content()
    writer = OutgoingWriter(Phrasebook(content.locale, content.resources, content.overlays))
    now = datetime.now(UTC)
    try:
        done = asyncio.run(_with_uow(
            Settings(), lambda uow: deactivate_facilitator(uow, telegram_id, now, writer)))
    except (AdminError, EncryptionKeyError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"facilitator {done.facilitator_id} ({done.name}) deactivated")
    typer.echo(f"open flags sent to the team chat: {done.flags_escalated}")
    typer.echo(f"unused invites withdrawn: {done.invites_withdrawn}")
    if done.aliases:
        typer.echo(f"participants to reassign: {', '.join(done.aliases)}")
        if not done.team_notified:
            typer.echo("(no team chat is set: set one with steady team-chat set)")
    else:
        typer.echo("participants to reassign: none")


@app.command("reassign")
def reassign_participant(
    alias: Annotated[str, typer.Option("--alias", help="The participant's alias")],
    to: Annotated[int, typer.Option("--to", help="The new facilitator's Telegram user id")],
) -> None:
    """Give a participant to another facilitator (who is told, in Telegram)."""
    from content.phrasebook import Phrasebook

    content = load_content()
    writer = OutgoingWriter(Phrasebook(content.locale, content.resources, content.overlays))
    now = datetime.now(UTC)
    try:
        done = asyncio.run(_with_uow(Settings(), lambda uow: reassign(uow, alias, to, now,
                                                                      writer)))
    except (AdminError, EncryptionKeyError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{done.alias} is now the participant of the facilitator with Telegram id {to}"
               f" (live flags: {done.live_flags})")


@app.command("audit")
def audit(
    alias: Annotated[str | None, typer.Option("--alias", help="One participant only")] = None,
) -> None:
    """Print the audit trail: who did or saw what, and when (ids only, never text)."""
    async def _rows(uow: UnitOfWork) -> list[str]:
        return [f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor:<16} {entry.action:<28} "
                f"{name:<12} {' '.join(f'{k}={v}' for k, v in sorted(entry.detail.items()))}"
                .rstrip()
                for entry, name in await audit_trail(uow, alias)]

    try:
        lines = asyncio.run(_with_uow(Settings(), _rows))
    except (AdminError, EncryptionKeyError) as exc:
        raise _fail(str(exc)) from None
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("no audit entries")


@app.command("invite")
def invite(
    facilitator_telegram_id: Annotated[int, typer.Option("--facilitator-telegram-id")],
    alias: Annotated[str, typer.Option("--alias", help="A code name for the participant")],
    start: Annotated[str | None, typer.Option("--start", help="First session, YYYY-MM-DD")] = None,
) -> None:
    """Create a single-use invite and print its code and Telegram link."""
    settings = Settings()
    try:
        start_date = date.fromisoformat(start) if start else None
    except ValueError:
        raise _fail(f"--start must be a date like 2026-12-01, not {start!r}") from None
    now = datetime.now(UTC)
    valid_for = timedelta(days=settings.invite_valid_days)
    try:
        new = asyncio.run(_with_uow(settings, lambda uow: create_invite(
            uow, facilitator_telegram_id, alias, start_date, now, valid_for)))
    except (AdminError, EncryptionKeyError) as exc:
        raise _fail(str(exc)) from None
    username = settings.bot_username or _bot_username(settings)
    typer.echo(f"code: {new.code}")
    typer.echo(f"link: {deep_link(username or 'YOUR_BOT', new.code)}")
    typer.echo(f"expires: {new.expires_at:%Y-%m-%d %H:%M} UTC")
    if not username:
        typer.echo("(set STEADY_BOT_USERNAME or STEADY_TELEGRAM_TOKEN to print the real link)")


def _bot_username(settings: Settings) -> str | None:
    if settings.telegram_token is None:
        return None
    from bot.telegram_aiogram import make_bot

    token = settings.telegram_token.get_secret_value()

    async def _ask() -> str | None:
        bot = make_bot(token, settings.telegram_api_base)
        try:
            return (await bot.get_me()).username
        finally:
            await bot.session.close()

    try:
        return asyncio.run(_ask())
    except Exception:
        return None


team_chat_app = typer.Typer(no_args_is_help=True, help="The team (duty) chat for escalations.")
app.add_typer(team_chat_app, name="team-chat")


@team_chat_app.command("set")
def team_chat_set(
    chat_id: Annotated[int, typer.Option("--chat-id", help="Telegram group id (negative)")],
) -> None:
    """Set the Telegram group where unacknowledged flags escalate."""
    now = datetime.now(UTC)

    async def _set(uow: UnitOfWork) -> None:
        await uow.settings.put("team_chat_id", str(chat_id))
        await uow.audit.add(now, "admin", "team_chat.set", None, {"chat_id": str(chat_id)})
        await uow.commit()

    asyncio.run(_with_uow(Settings(), _set))
    typer.echo(f"team chat set to {chat_id}")


@app.command("flags")
def flags(
    only_open: Annotated[bool, typer.Option("--open", help="Only flags still needing action")]
    = False,
) -> None:
    """List safeguarding flags (no message text: facilitators see that in Telegram)."""
    now = datetime.now(UTC)

    async def _list(uow: UnitOfWork) -> list[str]:
        rows = []
        for flag in await uow.flags.listing(only_open):
            participant = await uow.participants.get(flag.participant_id)
            alias = participant.alias if participant else "?"
            rows.append(f"#{flag.id}\t{flag.created_at:%Y-%m-%d %H:%M}\t{alias}\t{flag.severity}"
                        f"\t{','.join(flag.categories)}\t{flag.status}\t{flag.message_count}")
        await uow.audit.add(now, "admin", "flags.listed", None,
                            {"count": str(len(rows)), "open_only": str(only_open)})
        await uow.commit()
        return rows

    rows = asyncio.run(_with_uow(Settings(), _list))
    typer.echo("id\tcreated (UTC)\talias\tseverity\tcategories\tstatus\tmessages")
    for row in rows:
        typer.echo(row)
    if not rows:
        typer.echo("(no flags)")


@content_app.command("check")
def content_check(
    path: Annotated[Path, typer.Option(help="Content folder")] = CONTENT_DIR,
) -> None:
    """Validate every YAML file under content/; exit 1 naming file and field if one is bad."""
    problems = check_content(path)
    if path == CONTENT_DIR:
        from bot.screen_learned import stale_reason

        stale = stale_reason()
        if stale is not None:
            problems.append(stale)
    for problem in problems:
        typer.echo(f"content/{problem}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("content is valid")


@app.command("diagrams")
def diagrams() -> None:
    """Write a Mermaid diagram of each flow beside its file in dialogues/."""
    from dialogues.diagrams import render_all

    folder = Path(__file__).resolve().parent.parent / "dialogues"
    for name, text in render_all().items():
        (folder / f"{name}.mmd").write_text(text, encoding="utf-8")
        typer.echo(f"wrote dialogues/{name}.mmd")


@app.command("keygen")
def keygen() -> None:
    """Print a new encryption key for STEADY_ENCRYPTION_KEY."""
    typer.echo(FieldCipher.generate_key())


screen_app = typer.Typer(help="The disclosure screener (rules and learned layer).")
app.add_typer(screen_app, name="screen")


@screen_app.callback(invoke_without_command=True)
def screen(
    ctx: typer.Context,
    explain: Annotated[bool, typer.Option(
        help="Print what each layer found and why, instead of JSON")] = False,
) -> None:
    """Screen JSON lines from stdin ({"text": ...}) and write one JSON result per line."""
    if ctx.invoked_subcommand is not None:
        return
    from bot.screen_cli import explain_stream, screen_stream

    raise typer.Exit((explain_stream if explain else screen_stream)(sys.stdin, sys.stdout))


@screen_app.command("train")
def screen_train(
    seed: Annotated[int, typer.Option(help="Seed for the validation split")] = 9,
) -> None:
    """Train the learned layer on content/screening-corpus/ and write
    content/screening-model.json (thresholds and validation figures included)."""
    from bot.screen_learned import MODEL_PATH, train_and_write

    document = train_and_write(seed=seed)
    rows = document["rows"]
    typer.echo(f"trained on {rows['train']} rows, validated on {rows['validation']}")
    for head, info in document["heads"].items():
        figures = info["validation"]
        typer.echo(f"  {head:16} threshold {info['threshold']:.3f}  recall "
                   f"{figures['recall']:.3f}  false positives {figures['false_positive_rate']:.3f}")
    typer.echo(f"wrote {MODEL_PATH.relative_to(MODEL_PATH.parents[1])}")


# --- appointments (one-to-one sessions) ---------------------------------------------------

session_app = typer.Typer(no_args_is_help=True, help="Appointments: book, move, record.")
app.add_typer(session_app, name="session")
AtOption = Annotated[str, typer.Option("--at", help="Local time, 'YYYY-MM-DD HH:MM'")]
IdOption = Annotated[int, typer.Option("--id", help="The appointment's id")]


def _session_command(work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    from bot.session_admin import SessionError

    try:
        return asyncio.run(_with_uow(Settings(), work))
    except SessionError as exc:
        raise _fail(str(exc), 2) from None
    except EncryptionKeyError as exc:
        raise _fail(str(exc)) from None


def _show(booked: Booked) -> None:
    week = f" week {booked.week}" if booked.week else ""
    withdrawn = f" ({booked.withdrawn} queued reminder(s) withdrawn)" if booked.withdrawn else ""
    typer.echo(f"appointment {booked.id}: {booked.alias} {booked.local} {booked.timezone}"
               f"{week} {booked.status}{withdrawn}")


@session_app.command("add")
def session_add(
    alias: Annotated[str, typer.Option("--alias", help="The participant's code name")],
    at: AtOption,
    week: Annotated[int | None, typer.Option("--week", help="Programme week, 1-22")] = None,
) -> None:
    """Book an appointment; reminders go out 24 hours and 2 hours before."""
    from bot.session_admin import add_session

    _show(_session_command(lambda uow: add_session(uow, alias, at, week, datetime.now(UTC))))


@session_app.command("move")
def session_move(appointment_id: IdOption, at: AtOption) -> None:
    """Move an appointment; its queued reminders are replaced."""
    from bot.session_admin import move_session

    _show(_session_command(lambda uow: move_session(uow, appointment_id, at, datetime.now(UTC))))


@session_app.command("cancel")
def session_cancel(appointment_id: IdOption) -> None:
    """Cancel an appointment; its queued reminders are withdrawn."""
    from bot.session_admin import cancel_session

    _show(_session_command(lambda uow: cancel_session(uow, appointment_id, datetime.now(UTC))))


@session_app.command("attended")
def session_attended(appointment_id: IdOption) -> None:
    """Record that the participant came (they are then asked for feedback)."""
    from bot.session_admin import record_outcome

    _show(_session_command(lambda uow: record_outcome(
        uow, appointment_id, "attended", datetime.now(UTC))))


@session_app.command("missed")
def session_missed(appointment_id: IdOption) -> None:
    """Record that the participant did not come."""
    from bot.session_admin import record_outcome

    _show(_session_command(lambda uow: record_outcome(
        uow, appointment_id, "missed", datetime.now(UTC))))


@session_app.command("list")
def session_list(
    alias: Annotated[str, typer.Option("--alias", help="The participant's code name")],
) -> None:
    """List a participant's appointments, in their local time."""
    from bot.session_admin import list_sessions

    booked = _session_command(lambda uow: list_sessions(uow, alias))
    for one in booked:
        _show(one)
    if not booked:
        typer.echo("no appointments")


@app.command("run")
def run() -> None:
    """Run the Telegram bot (long polling)."""
    from bot.runner import StartupError, run_bot

    try:
        asyncio.run(run_bot(Settings()))
    except (StartupError, EncryptionKeyError, ValueError) as exc:
        # One line, no traceback: a refusal to start is a configuration problem to fix.
        typer.echo(f"steady: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("send")
def send() -> None:
    """Deliver queued messages only: an extra worker beside `steady run` on PostgreSQL."""
    from bot.runner import StartupError, run_sender
    from storage.migrate import SchemaNotCurrentError

    try:
        asyncio.run(run_sender(Settings()))
    except (StartupError, SchemaNotCurrentError, EncryptionKeyError, ValueError) as exc:
        typer.echo(f"steady: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("chat")
def chat(
    database: Annotated[Path, typer.Option(help="SQLite file for the demo")] = Path(
        "steady-demo.db"),
    key_file: Annotated[Path, typer.Option(help="Demo encryption key file")] = Path(
        "steady-demo.key"),
    fresh: Annotated[bool, typer.Option(help="Start again with an empty demo database")] = False,
) -> None:
    """Talk to Steady in this terminal as a new participant (demo; no token needed)."""
    from bot.demo import run_demo

    asyncio.run(run_demo(database, key_file, fresh))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
