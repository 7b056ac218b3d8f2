"""Running the tool (which one, which version, how long) and reading decrypted rankings.

The fakes here stand in for a wrong or missing tool only; every test of the cryptography runs
the real one (test_belenios_ranked.py, test_belenios_homomorphic.py).
"""

import pytest

from ballotbox import belenios
from ballotbox.belenios import BeleniosError, RankedQuestion


def fake_tool(tmp_path, version: str, then: str = "exit 0"):
    script = tmp_path / "belenios-tool"
    script.write_text(f'#!/bin/sh\nif [ "$1" = --version ]; then echo "{version}"; exit 0; fi\n'
                      f"{then}\n")
    script.chmod(0o755)
    return str(script)


def test_a_missing_tool_is_named_with_how_to_install_it(settings, tmp_path):
    settings.BELENIOS_TOOL = str(tmp_path / "nowhere" / "belenios-tool")
    with pytest.raises(BeleniosError) as missing:
        belenios.new_election_id()
    assert missing.value.step == "check belenios-tool"
    assert settings.BELENIOS_TOOL in str(missing.value)
    assert "apt-get install belenios-tool" in str(missing.value)


def test_another_version_is_refused_naming_it(settings, tmp_path):
    settings.BELENIOS_TOOL = fake_tool(tmp_path, "2.5 (20240315)")
    with pytest.raises(BeleniosError) as refused:
        belenios.check_tool()
    assert "is version 2.5 (20240315)" in str(refused.value)
    assert "written for version 2.0" in str(refused.value)


def test_a_step_that_runs_too_long_is_stopped(settings, tmp_path, monkeypatch):
    settings.BELENIOS_TOOL = fake_tool(tmp_path, "2.0 (20230102)", then="exec sleep 30")
    monkeypatch.setattr(belenios, "SETUP_TIMEOUT", 0.5)
    with pytest.raises(BeleniosError) as stopped:
        belenios.new_election_id()
    assert str(stopped.value) == ("generate the election id: stopped after 0.5 s without "
                                  "finishing")
    assert stopped.value.status is None


def test_a_failing_step_is_named_with_what_the_tool_said(settings, tmp_path):
    settings.BELENIOS_TOOL = fake_tool(
        tmp_path, "2.0 (20230102)", then='echo "I: working" >&2; echo "belenios-tool: boom" >&2; '
                                         "exit 124")
    with pytest.raises(BeleniosError) as failed:
        belenios.new_election_id()
    assert str(failed.value) == ("generate the election id: belenios-tool stopped with status "
                                 "124 (belenios-tool said: boom)")


def test_the_real_tool_is_the_version_we_wrote_for(tool):
    assert belenios.tool_version().startswith("2.0 ")


@pytest.mark.parametrize(("ranks", "preferences", "problem"), [
    ((2, 1, 3, 0), (1, 0, 2), None),
    ((0, 0, 0, 0), (), None),
    ((0, 1, 0, 0), (1,), None),
    ((1, 1, 2, 0), (), "rank 1 is given to 2 candidates"),
    ((1, 2, 2, 3), (0,), "rank 2 is given to 2 candidates"),
    ((1, 3, 0, 0), (0,), "rank 2 is missing"),
    ((0, 2, 0, 0), (), "rank 1 is missing"),
    ((1, 2, 3, 200), (0, 1, 2), "a rank is outside 0 to 4"),
    ((1, 1, 1, 1), (), "rank 1 is given to 4 candidates"),
])
def test_decrypted_rankings_read_to_the_first_gap_or_repeat(ranks, preferences, problem):
    read = belenios.read_ranks(ranks)
    assert read.preferences == preferences
    assert read.problem == problem


def test_invalid_rankings_are_reported_apart_from_the_valid():
    election = ('{"uuid":"x","questions":[{"type":"NonHomomorphic","value":'
                '{"answers":["A","B","C"],"question":"Q"}}]}')
    (result,) = belenios.read_result('{"result":[[[1,2,0],[1,1,1],[0,0,0],[3,0,1]]]}',
                                     election)
    assert result.question == RankedQuestion("Q", ("A", "B", "C"))
    assert result.valid == [(0, 1), ()]
    assert [(b.ranks, b.problem) for b in result.invalid] == [
        ((1, 1, 1), "rank 1 is given to 3 candidates"), ((3, 0, 1), "rank 2 is missing")]


def test_preferences_become_ranks():
    assert belenios.ranks_from_preferences([2, 0], 4) == [2, 0, 1, 0]
    assert belenios.read_ranks(belenios.ranks_from_preferences([3, 1, 2], 4)).preferences \
        == (3, 1, 2)


def test_a_result_that_does_not_fit_the_election_is_refused():
    election = '{"uuid":"x","questions":[{"answers":["Y","N"],"min":1,"max":1,"question":"Q"}]}'
    with pytest.raises(BeleniosError, match="not a Belenios result"):
        belenios.read_result("{}", election)
    with pytest.raises(BeleniosError, match="every question"):
        belenios.read_result('{"result":[[1,0],[0,1]]}', election)


def test_something_that_is_not_a_record_fails_verification(tool):
    verdict = belenios.verify_archive(b"not an archive at all")
    assert not verdict.ok
    assert verdict.message
    with pytest.raises(BeleniosError, match="not a Belenios archive"):
        belenios.read_setup(b"not an archive at all")
