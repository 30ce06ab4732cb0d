"""The PostgreSQL test database, shared by the integration and end-to-end tests: tests on
it run only when STEADY_TEST_DATABASE_URL is set, and each starts from an empty schema."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from storage.database import make_engine

PG_ENV = "STEADY_TEST_DATABASE_URL"


def postgres_param() -> object:
    """A ``postgres`` fixture parameter, skipped with the reason when no database is set."""
    marks = [pytest.mark.postgres]
    if not os.environ.get(PG_ENV):
        marks.append(pytest.mark.skip(reason=f"PostgreSQL tests need {PG_ENV} "
                                             "(e.g. postgresql+asyncpg://postgres@127.0.0.1/test)"))
    return pytest.param("postgres", marks=marks, id="postgres")


async def reset_postgres(url: str) -> None:
    """Wipe the test database (it must be one kept for tests: everything in it goes)."""
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
