# optout-bot as a container: `docker build -t optout-bot .` then see compose.yaml.
# Slim Python, the project installed from this checkout (a normal, non-editable install),
# a non-root user, the database and the knowledge on volumes, /healthz as the health check.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY knowledge ./knowledge
# The knowledge moderators edit lives on its own volume, outside the installed package (an
# upgrade replaces the package; /kb-admin teach refuses to write there). A new named volume starts
# as a copy of what the image holds at /knowledge.
RUN pip install . \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin optout \
    && optout-bot knowledge export /knowledge \
    && mkdir -p /data \
    && chown -R optout:optout /data /knowledge \
    && rm -rf /src

USER optout
WORKDIR /data
ENV DATABASE_PATH=/data/optout-bot.sqlite3 \
    KNOWLEDGE_DIR=/knowledge \
    HEALTH_PORT=8080 \
    HEALTH_HOST=127.0.0.1
VOLUME ["/data", "/knowledge"]

# 200 while connected to Discord, 503 (or no answer) otherwise.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HEALTH_PORT', '8080'), timeout=4)"]

# SIGTERM (docker stop) lets answers in progress finish, then closes the database.
STOPSIGNAL SIGTERM
ENTRYPOINT ["optout-bot"]
CMD ["run"]
