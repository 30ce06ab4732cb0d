"""The bot token never reaches the log, not even inside a traceback's exception text."""

from __future__ import annotations

import logging
import sys

from bot.logs import RedactingFormatter, SkipBusyTicks

TOKEN = "424242:AAinventedTOKENvalue_for-tests"


def _format(exc: Exception) -> str:
    formatter = RedactingFormatter("%(levelname)s %(message)s", [TOKEN])
    try:
        raise exc
    except ValueError:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed: %s", (TOKEN,),
                                   sys.exc_info())
    return formatter.format(record)


def test_a_token_in_a_traceback_is_redacted_plain_and_percent_encoded() -> None:
    line = _format(ValueError(f"not%20a%20url/bot{TOKEN}/getMe and /bot424242%3AAAinvented"
                              "TOKENvalue_for-tests/getMe"))
    assert "AAinventedTOKENvalue" not in line
    assert "Traceback" in line and "[redacted]" in line


def test_only_the_skipped_busy_tick_warning_of_the_scheduler_is_dropped() -> None:
    busy = SkipBusyTicks()

    def record(message: str) -> logging.LogRecord:
        return logging.LogRecord("apscheduler.scheduler", logging.WARNING, __file__, 1,
                                 message, ("Ticker._run",), None)

    assert not busy.filter(record(
        'Execution of job "%s" skipped: maximum number of running instances reached (1)'))
    assert busy.filter(record('Run time of job "%s" was missed by 0:00:31'))
