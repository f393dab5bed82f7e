"""Shared helpers: the repository's paths, and report CSVs read back as the values they print."""

import csv
import math
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _at_repository_root(monkeypatch):
    # Imports of examples (`use "shared/…"`) and the file names in diagnostics are relative.
    monkeypatch.chdir(REPO)


def read_csv(text):
    """Header and rows of a report CSV; SCALE-Sim's reports pad with spaces and end each line
    with a comma, which the names and cells drop."""
    lines = [[cell.strip() for cell in row] for row in csv.reader(text.splitlines())]
    width = len(lines[0]) - (lines[0][-1] == "")
    return lines[0][:width], [row[:width] for row in lines[1:]]


def assert_same_values(columns, rows, expected_text):
    """`rows` (dictionaries) hold exactly the values of the CSV text: the same columns in
    order, the same number of rows, every number equal to the one printed (floats read back
    bit for bit), empty cells as None."""
    header, expected = read_csv(expected_text)
    assert columns == header
    assert len(rows) == len(expected)
    for row, cells in zip(rows, expected):
        for name, cell in zip(header, cells):
            value = row[name]
            if cell == "":
                assert value is None, (name, value)
            elif isinstance(value, bool) or isinstance(value, str):
                assert value == cell, (name, value, cell)
            elif isinstance(value, int):
                assert str(value) == cell, (name, value, cell)
            elif math.isnan(value):
                assert cell == "nan", (name, cell)
            else:
                assert value == float(cell), (name, value, cell)


def dfc_binary():
    """The `dfc` binary CI built (`DFC_BIN`), for a live comparison; None elsewhere."""
    path = os.environ.get("DFC_BIN")
    return path if path and os.path.exists(path) else None
