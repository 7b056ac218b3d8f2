#!/usr/bin/env bash
# The Docker image's steps where no Docker engine runs (CI): the committed project, cloned
# afresh and cut down as .dockerignore cuts it, is installed and its static files collected as
# root, as the Dockerfile builds the image; then, as the user omov who cannot write to the
# project, as the image runs: migrate (SQLite here), save an upload through Django's storage
# into the media folder, serve a page and a static file, and print a letter to four members
# whose names need DejaVu Sans and the CJK fallback font. Run as root; needs git, runuser and
# pdftotext (poppler-utils). Dependencies come from a wheel folder kept between runs
# (OMOV_WHEEL_DIR), so only the first run downloads them.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
# A Python the user omov may run (not one under root's home): Debian's by default.
python="${PYTHON:-/usr/bin/python3}"
wheels="${OMOV_WHEEL_DIR:-/var/cache/omov/wheels}"
die() { printf 'check_image_steps: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: it makes the user omov and runs the app as that user"
command -v pdftotext >/dev/null || die "pdftotext is missing (apt-get install -y poppler-utils)"
id omov >/dev/null 2>&1 || useradd --create-home omov

work="$(mktemp -d /tmp/omov-image-XXXXXX)"
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
app="$work/app" media="$work/media" data="$work/data"

# Built as root, as the Dockerfile does.
git clone -q "$root" "$app"
while IFS= read -r pattern; do
  case "$pattern" in ''|'#'*|'!'*|*'*'*) continue ;; esac
  rm -rf "${app:?}/$pattern"
done < "$app/.dockerignore"
[ -f "$app/manage.py" ] && [ ! -d "$app/tests" ] || die ".dockerignore left out the wrong files"
"$python" "$app/tools/bootstrap_venv.py" "$work/venv" >/dev/null
"$python" -c "import tomllib; print('\n'.join(tomllib.load(open('$app/pyproject.toml', 'rb'))['project']['dependencies']))" > "$work/requirements.txt"
pip=("$work/venv/bin/python" -m pip --disable-pip-version-check -q)
mkdir -p "$wheels"
if ! "${pip[@]}" install --no-compile --no-index --find-links "$wheels" -r "$work/requirements.txt" 2>/dev/null; then
  "${pip[@]}" wheel -w "$wheels" -r "$work/requirements.txt"
  "${pip[@]}" install --no-compile --no-index --find-links "$wheels" -r "$work/requirements.txt"
fi
(cd "$app" && env PYTHONPATH="$app" STATIC_MANIFEST=1 DATABASE_URL=sqlite:////tmp/omov-build.db \
  SECRET_KEY=build-only "$work/venv/bin/python" manage.py collectstatic --noinput -v 0)
install -d -o omov -g omov -m 0750 "$media" "$data"
chown -R root:root "$app"

# Run as omov, as the image runs: the settings the image and docker-compose.yml give.
as_omov() {
  (cd "$app" && runuser -u omov -- env -i PATH=/usr/bin:/bin HOME=/home/omov LANG=C.UTF-8 \
    PYTHONPATH="$app" MEDIA_ROOT="$media" STATIC_MANIFEST=1 HTTPS=0 ALLOWED_HOSTS=testserver \
    DATABASE_URL="sqlite:///$data/omov.db" SECRET_KEY="check-only-$$-0123456789-abcdefghijklmnop" \
    "$work/venv/bin/python" "$@")
}
! runuser -u omov -- test -w "$app" || die "the project must not be writable by the app's user"
as_omov manage.py migrate --noinput -v 0
as_omov - "$data/letters.pdf" <<'PY'
import os
import re
import sys
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.conf import settings  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.storage import default_storage  # noqa: E402
from django.templatetags.static import static  # noqa: E402
from django.test import Client  # noqa: E402

from config import fonts  # noqa: E402
from notifications.letters import LetterPack  # noqa: E402

name = default_storage.save("member-imports/register.csv", ContentFile(b"member_number\n1\n"))
saved = Path(settings.MEDIA_ROOT) / name
assert saved.read_bytes() == b"member_number\n1\n" and saved.stat().st_uid == os.getuid(), saved

url = static("css/site.css")
assert re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", url), url
client = Client()
assert client.get(url).status_code == 200, url
page = client.get("/accounts/login/")
assert page.status_code == 200 and url in page.content.decode(), page.status_code

assert not fonts.missing(), f"fonts missing: {fonts.missing()}"
names = ["Zoë Ní Bhriain", "Łukasz Wróblewski", "Ayşe Ağaoğlu", "陈"]
society = SimpleNamespace(name="Millmead Children's Centre", registration_number="30145R",
                          registered_office="1 Mill Lane\nMillmead")
pack = LetterPack(society)
for number, member in enumerate(names, start=1):
    pack.add(SimpleNamespace(
        to_address=f"{member}\n2 Mill Lane\nMillmead", kind="notifications.notice",
        recipient=SimpleNamespace(member_number=number, large_print=False),
        subject=f"Dear {member}", body_text="The AGM is on 1 May."), date(2026, 5, 1))
Path(sys.argv[1]).write_bytes(pack.output())
print("check_image_steps: upload saved, static and a page served, letters written")
PY
text="$(pdftotext "$data/letters.pdf" -)"
for name in "Zoë Ní Bhriain" "Łukasz Wróblewski" "Ayşe Ağaoğlu" "陈"; do
  grep -qF "$name" <<<"$text" || die "the letter lacks the name $name"
done
if grep -qF "?" <<<"$text"; then die "the letters print '?' for a character"; fi
echo "check_image_steps: the image's steps ran as omov in ${SECONDS} s"
