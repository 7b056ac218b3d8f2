# OMOV web, worker and beat image.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# belenios-tool: the ballot box's cryptography (docs/secrecy.md), run as a separate program.
RUN apt-get update \
    && apt-get install -y --no-install-recommends belenios-tool \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 omov
WORKDIR /app

COPY pyproject.toml README.md ./
COPY config ./config
COPY accounts ./accounts
COPY societies ./societies
COPY members ./members
COPY shares ./shares
COPY ballotbox ./ballotbox
COPY ballots ./ballots
COPY boards ./boards
COPY notifications ./notifications
RUN pip install .

COPY manage.py ./
COPY templates ./templates
COPY locale ./locale
COPY static ./static
# collectstatic needs settings but no database or real secret.
RUN DATABASE_URL=sqlite:///tmp/build.db SECRET_KEY=build-only python manage.py collectstatic --noinput

USER omov
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "2", "--threads", "4", "--worker-class", "gthread", \
     "--access-logfile", "-", "--timeout", "60"]
