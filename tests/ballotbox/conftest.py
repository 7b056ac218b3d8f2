"""Fixtures for the ballot box tests: they run the real belenios-tool, never a stand-in.

Without the tool these tests skip, and fail in CI (tests/conftest.py, need_service).
"""

import hashlib
import io
import json
import re
import subprocess
import tarfile

import pytest

from ballotbox import belenios
from tests.conftest import need_service


def pytest_collection_modifyitems(config, items):
    """Mark every test that runs the tool, wherever it is: CI's runs on awkward dates leave
    them out (their cost is the tool's, and nothing in them reads the calendar)."""
    for item in items:
        if "tool" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.belenios)


@pytest.fixture(scope="session")
def tool():
    try:
        return belenios.check_tool()
    except belenios.BeleniosError as error:
        need_service(f"belenios-tool {belenios.TOOL_VERSION} is needed "
                     f"(apt-get install belenios-tool): {error}")


def archive_records(archive: bytes) -> list[tuple[str, bytes]]:
    """The archive's files, in order: (name, content)."""
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]


def rewrite_archive(archive: bytes, edit, tmp_path) -> bytes:
    """The archive as someone rewriting it consistently would leave it: `edit` takes and
    returns the list of records [(kind, content, hash)] (kind "data" or "event", hash the
    record's own before any change; header left out); every hash naming a changed record,
    every event's parent and height are then redone, so only Belenios' own checks of proofs
    and signatures can tell."""
    records = archive_records(archive)
    header = records[0][1]
    kept = edit([(name.split(".")[1], content, name.split(".")[0])
                 for name, content in records[1:]])
    renamed: dict[str, str] = {}
    folder = tmp_path / "rewritten"
    folder.mkdir(parents=True)
    (folder / "BELENIOS").write_bytes(header)
    previous, height = None, 0
    for kind, content, old_hash in kept:
        text = re.sub(r"[0-9a-f]{64}", lambda m: renamed.get(m.group(0), m.group(0)),
                      content.decode())
        if kind == "event":
            event = json.loads(text)
            if previous is None:
                event.pop("parent", None)
            else:
                event["parent"] = previous
            event["height"] = height
            height += 1
            text = json.dumps({k: event[k] for k in ("parent", "height", "type", "payload")
                               if k in event}, separators=(",", ":"))
        new = hashlib.sha256(text.encode()).hexdigest()
        renamed[old_hash] = new
        if kind == "event":
            previous = new
        (folder / f"{new}.{kind}.json").write_text(text)
    made = subprocess.run([belenios.check_tool(), "archive", "make", "--dir", str(folder)],
                          capture_output=True, check=True, timeout=60)
    return made.stdout


def edited_line(message: str, line: int, change) -> str:
    """A trustee's two-line message with line `line` (0 = content) changed by `change` on its
    JSON, and the ownership line's hash redone, so only the proof can tell."""
    lines = message.strip().splitlines()
    content = json.loads(lines[0])
    change(content)
    lines[0] = json.dumps(content, separators=(",", ":"))
    owner = json.loads(lines[1])
    owner["payload"] = hashlib.sha256(lines[0].encode()).hexdigest()
    lines[1] = json.dumps(owner, separators=(",", ":"))
    return "\n".join(lines) + "\n"


def bump(number: str) -> str:
    """Another number of the same length, to alter a ciphertext or a proof."""
    return number[:-1] + ("1" if number[-1] != "1" else "2")
