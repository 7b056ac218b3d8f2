# OMOV web, worker and beat image (docker-compose.yml runs it three ways). Built as root, run
# as the user omov, who can write only to the media folder: a volume that web and worker share.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONPATH=/app \
    MEDIA_ROOT=/var/lib/omov/media \
    STATIC_MANIFEST=1

# belenios-tool: the ballot box's cryptography (docs/secrecy.md), run as a separate program.
# The PDF fonts (config/fonts.py): DejaVu Sans, and Droid Sans Fallback for Chinese, Japanese
# and Korean names (7 MB installed, where Noto CJK takes 90 MB).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
       belenios-tool fonts-dejavu-core fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/*
# The media folder exists, owned by omov, before a volume is mounted on it: Docker gives a new
# volume the folder's owner, so uploads (register imports) can be saved.
RUN useradd --create-home --uid 1000 omov \
    && install -d -o omov -g omov -m 0750 /var/lib/omov/media
WORKDIR /app

# The dependencies in a layer of their own: a change to the code alone does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The whole project but what .dockerignore leaves out, so a new app needs no line here. It is
# run from /app (PYTHONPATH), owned by root: the app cannot change its own code.
COPY . .
# collectstatic needs settings but no database or real secret.
RUN DATABASE_URL=sqlite:////tmp/build.db SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && rm -f /tmp/build.db

USER omov
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--workers", "2", "--threads", "4", "--worker-class", "gthread", \
     "--access-logfile", "-", "--timeout", "60"]
