# Steady: the Telegram bot (long polling). Build: docker build -t steady .
# Run: docker run -e STEADY_TELEGRAM_TOKEN=... -e STEADY_ENCRYPTION_KEY=... \
#        -e STEADY_DATABASE_URL=postgresql+asyncpg://user@db/steady steady
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY dialogues ./dialogues
COPY content ./content
COPY storage ./storage
RUN pip install --no-cache-dir . && useradd --create-home steady
USER steady

# The schema is migrated on start (Alembic), so a new image upgrades the database itself.
CMD ["steady", "run"]
