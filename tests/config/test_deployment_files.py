"""The deployment files stay in step with the settings."""

import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parents[2]


def settings_variables() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text()
    names = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', source))
    names |= set(re.findall(r'"([A-Z_]+)" (?:not )?in os\.environ', source))
    return names


def test_env_example_lists_every_variable_the_settings_read():
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    missing = settings_variables() - listed
    assert not missing, f".env.example lacks {sorted(missing)}"
    assert "DATABASE_URL" in settings_variables()


def test_docker_compose_file_parses(tmp_path):
    binary = shutil.which("docker-compose")
    if binary is None:
        need_service("docker-compose is not installed (apt-get install -y docker-compose)")
    # As an operator would: the compose file beside a .env made from .env.example.
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    result = subprocess.run([binary, "config", "-q"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
