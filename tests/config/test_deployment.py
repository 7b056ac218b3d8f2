"""The deployment: the image, the compose file, the shared media volume, static files and the
daily session clean-up. tools/check_image_steps.sh runs the image's steps for real in CI."""

import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.templatetags.static import static
from django.utils import timezone

from accounts.tasks import clear_expired_sessions
from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[2]
# Set by docker-compose.yml or the image itself, or meaningful outside containers only.
NOT_PASSED_BY_COMPOSE = {"DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "STATIC_MANIFEST",
                         "FONT_DIRS", "WHITENOISE_USE_FINDERS", "EMAIL_BACKEND",
                         "POSTGRES_PASSWORD"}


def dot_env_variables() -> set[str]:
    return set(re.findall(r"^#? ?([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))


def compose_config(tmp_path, *, with_env: bool) -> str:
    binary = shutil.which("docker-compose")
    if binary is None:
        need_service("docker-compose is not installed (apt-get install -y docker-compose)")
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    if with_env:
        shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    # As on a server where none of the settings is in the shell's environment.
    clean = {k: v for k, v in os.environ.items() if k not in dot_env_variables()}
    result = subprocess.run([binary, "-f", "docker-compose.yml", "config"], cwd=tmp_path,
                            env=clean, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def services(config: str) -> dict[str, str]:
    """Each service's block of `docker-compose config`'s output, by name."""
    body = re.split(r"^\S", ("\n" + config).split("\nservices:\n", 1)[1], maxsplit=1,
                    flags=re.M)[0]
    parts = re.split(r"^  ([a-z]+):\n", body, flags=re.M)[1:]
    return dict(zip(parts[::2], parts[1::2], strict=True))


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_the_compose_file_parses_as_shipped_without_a_dot_env(tmp_path):
    config = compose_config(tmp_path, with_env=False)
    # No secret is made up: web refuses to start until SECRET_KEY is set in .env.
    assert "SECRET_KEY: ''" in services(config)["web"]


def test_every_setting_in_dot_env_reaches_the_containers(tmp_path):
    listed = dot_env_variables()
    web = services(compose_config(tmp_path, with_env=True))["web"]
    passed = set(re.findall(r"^      ([A-Z_]+):", web, re.M))
    assert listed - NOT_PASSED_BY_COMPOSE <= passed, sorted(listed - passed)
    assert "SITE_URL: https://omov.example.org" in web  # the value from .env


def test_web_and_worker_share_a_media_volume_at_the_images_media_root(tmp_path):
    media_root = re.search(r"^\s+MEDIA_ROOT=(\S+)", dockerfile(), re.M).group(1)
    config = compose_config(tmp_path, with_env=False)
    for name in ("web", "worker"):
        assert f"- media:{media_root}:rw" in services(config)[name], name
    assert re.search(r"^volumes:\n(  .*\n)*  media: {}$", config, re.M)


def test_the_image_runs_as_omov_who_owns_the_media_folder():
    text = dockerfile()
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] == "omov"
    media_root = re.search(r"^\s+MEDIA_ROOT=(\S+)", text, re.M).group(1)
    assert re.search(rf"install -d -o omov -g omov( -m \d+)? {re.escape(media_root)}\b", text)
    assert re.search(r"apt-get install .*fonts-dejavu-core fonts-droid-fallback",
                     text.replace("\\\n", " "))


def test_the_image_copies_the_whole_project_and_no_app_by_name():
    text = dockerfile()
    assert re.search(r"^COPY \. \.$", text, re.M)
    apps = sorted(path.parent.name for path in ROOT.glob("*/apps.py"))
    assert "members" in apps and "notifications" in apps
    for app in apps:
        assert not re.search(rf"^COPY .*\b{app}\b", text, re.M), app
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", ".env", "db.sqlite3", "media", "staticfiles"} <= ignored
    assert not ignored & {*apps, "config", "templates", "static", "locale", "manage.py"}


def test_an_upload_is_saved_in_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    name = default_storage.save("member-imports/register.csv", ContentFile(b"a,b\n"))
    assert (tmp_path / "media" / name).read_bytes() == b"a,b\n"


def test_expired_sessions_are_cleared_daily(settings, db):
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-clear-expired-sessions"]
    assert entry == {"task": "accounts.tasks.clear_expired_sessions",
                     "schedule": timedelta(days=1)}
    now = timezone.now()
    Session.objects.create(session_key="expired" * 4, session_data="", expire_date=now
                           - timedelta(seconds=1))
    Session.objects.create(session_key="current" * 4, session_data="",
                           expire_date=now + timedelta(days=1))
    clear_expired_sessions.delay()
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" * 4]


def test_without_static_manifest_pages_need_no_collectstatic():
    assert static("css/site.css") == "/static/css/site.css"


def test_with_static_manifest_file_names_carry_their_hash(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    url = static("css/site.css")
    assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", url)
    assert (settings.STATIC_ROOT / url.removeprefix("/static/")).is_file()


def test_static_manifest_1_chooses_the_manifest_storage():
    env = {**os.environ, "STATIC_MANIFEST": "1"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; from django.conf import settings; "
         "django.setup(); print(settings.STORAGES['staticfiles']['BACKEND'])"],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == "whitenoise.storage.CompressedManifestStaticFilesStorage"
