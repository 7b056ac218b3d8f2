"""Create .venv with pip, even where the system Python has no ensurepip (Debian without
python3-venv): then the venv is made without pip and pip is fetched from PyPI as a wheel."""

import json
import subprocess
import sys
import tempfile
import urllib.request
import venv
from pathlib import Path

if sys.version_info < (3, 11):
    sys.exit(f"OMOV needs Python 3.11 or newer; this is {sys.version.split()[0]}.")

target = Path(sys.argv[1] if len(sys.argv) > 1 else ".venv")
python = target / "bin" / "python"


def has_pip() -> bool:
    return python.exists() and subprocess.run(
        [python, "-m", "pip", "--version"], capture_output=True, check=False
    ).returncode == 0


if not has_pip():
    try:
        venv.create(target, with_pip=True, clear=target.exists())
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"ensurepip is not available ({error}); fetching pip from PyPI instead.")
        venv.create(target, with_pip=False, clear=True)
        with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:  # noqa: S310
            release = json.load(response)
        wheel = next(f for f in release["urls"] if f["filename"].endswith(".whl"))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / wheel["filename"]
            urllib.request.urlretrieve(wheel["url"], path)  # noqa: S310
            subprocess.run([python, f"{path}/pip", "install", "--no-index", str(path)],
                           check=True)
print(f"{target} is ready ({subprocess.check_output([python, '--version'], text=True).strip()}).")
