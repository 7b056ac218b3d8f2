"""Reading and writing BLT files, including the variants found in published files."""

import io

import pytest

from counting import BLTError, Election, count, read_blt, read_blt_text, write_blt

STANDARD = """\
4 2
-2
3 1 2 0
1 0
2 4 3 1 0
0
"Diane"
"Bob"
"Chuck"
"Amy"
"Gardening Club"
"""


def test_standard_file_is_read_into_grouped_ballots():
    e = read_blt_text(STANDARD)
    assert e.candidates == ("Diane", "Bob", "Chuck", "Amy")
    assert e.seats == 2
    assert e.withdrawn == {1}
    assert e.title == "Gardening Club"
    assert dict(e.ballots) == {(0, 1): 3, (): 1, (3, 2, 0): 2}


def test_identical_ballot_lines_are_grouped_as_they_are_read():
    text = "3 1\n1 1 2 0\n1 1 2 0\n1 2 0\n1 1 2\n0\nA\nB\nC\nT\n"
    e = read_blt_text(text)
    assert dict(e.ballots) == {(0, 1): 3, (1,): 1}


def test_variants_met_in_the_wild_are_accepted(tmp_path):
    text = (
        "\ufeff# exported by a council system\n"
        "3 1   # three candidates, one seat\n"
        "[withdrawn 3]\n"
        "2 1 2      # no closing zero on the next line\n"
        "1 2 1\n"
        "\n"
        "0\n"
        "  Rebecca COLEMAN-BENNETT   \n"
        '"Ken LYNN ""SNP"""\n'
        '"Withdrawn #3"  # a comment after a name\n'
        '"Ward 2"\n'
        "an extra line after the title\n"
    )
    path = tmp_path / "ward.blt"
    path.write_text(text, encoding="utf-8")
    notes: list[str] = []
    e = read_blt(path, notes)
    assert e.candidates == ("Rebecca COLEMAN-BENNETT", 'Ken LYNN "SNP"', "Withdrawn #3")
    assert e.withdrawn == {2}
    assert dict(e.ballots) == {(0, 1): 2, (1, 0): 1}
    assert e.title == "Ward 2"
    assert any("after the title" in n for n in notes)


def test_several_quoted_names_on_one_line():
    e = read_blt_text('2 1\n1 1 0\n0\n"A" "B" "Title"\n')
    assert e.candidates == ("A", "B") and e.title == "Title"


def test_skipped_and_equal_ranks_cut_the_ballot_short():
    text = "4 1\n1 1 - 2 0\n1 2 3=4 1 0\n1 3=4 1 0\n1 4 1 4 2 0\n0\nA\nB\nC\nD\nT\n"
    notes: list[str] = []
    e = read_blt(io.StringIO(text), notes)
    assert dict(e.ballots) == {(0,): 1, (1,): 1, (): 1, (3, 0): 1}
    assert any("4 ballots were cut short" in n for n in notes)


def test_missing_title_is_allowed():
    e = read_blt_text("2 1\n1 1 0\n0\nA\nB\n")
    assert e.title == ""


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "empty"),
        ("# only a comment\n", 1, "empty"),
        ("three 1\n", 1, "header"),
        ("3\n", 1, "header"),
        ("0 1\n", 1, "at least 1"),
        ("3 0\n", 1, "seats must be at least 1"),
        ("3 1\n1 1 4 0\n0\n", 2, "candidate 4 is not in 1..3"),
        ("3 1\n1 1 0 2 0\n0\n", 2, "0 may only end"),
        ("3 1\n1.5 1 2 0\n0\n", 2, "weight must be a whole number"),
        ("3 1\n1 1 x 0\n0\n", 2, "candidate number must be a whole number"),
        ("3 1\n-4\n", 2, "withdrawn candidate 4"),
        ("3 1\n-1 2 0\n", 2, "negative"),
        ("3 1\n1 1 0\n", 3, "ends before the line '0'"),
        ("3 1\n1 1 0\n0\nA\nB\n", 6, "expected 3 candidate names"),
        ('3 1\n1 1 0\n0\n"A\nB\nC\n', 4, "not closed"),
        ("3 1\n1 1 0\n0\nA\nB\nA\nT\n", 6, "used twice"),
        ('3 1\n1 1 0\n0\n"A" x\n', 4, "unexpected text"),
    ],
)
def test_unreadable_files_name_the_line_and_the_reason(text, line, reason):
    with pytest.raises(BLTError) as raised:
        read_blt_text(text)
    assert raised.value.line == line
    assert reason in raised.value.reason
    assert str(raised.value).startswith(f"line {line}: ")


def test_writer_output_reads_back_to_the_same_election():
    e = Election.from_ballots(
        ['Ken LYNN "SNP"', "Bob", "Amy #1"],
        [((0, 1), 3), ((), 2), ((2,), 1), ((1, 2, 0), 4)],
        seats=2,
        withdrawn=[1],
        title='The "Annual" election',
    )
    text = write_blt(e)
    back = read_blt_text(text)
    assert back.candidates == e.candidates
    assert back.seats == 2 and back.withdrawn == e.withdrawn and back.title == e.title
    assert dict(back.ballots) == dict(e.ballots)
    for method in ("scottish", "ers97", "meek", "approval"):
        assert count(method, back, seed=1).to_dict() == count(method, e, seed=1).to_dict()


def test_writer_writes_to_a_path(tmp_path):
    e = read_blt_text(STANDARD)
    path = tmp_path / "out.blt"
    write_blt(e, path)
    assert read_blt(path).ballots == e.ballots


def test_writer_puts_each_name_on_one_line_and_each_once():
    """A name as a form accepts it may hold line breaks, separators and controls: the file
    holds it on one line, and names that become the same, or empty, are told apart."""
    e = Election(["A\nB", "A\u2028B", "C\r\x01D \"E\"", "\x1f"], {}, seats=1,
                 title="Board\r\nelection")
    back = read_blt_text(write_blt(e))
    assert list(back.candidates) == ["A B", "A B (2)", 'C D "E"', "(4)"]
    assert back.title == "Board election"
