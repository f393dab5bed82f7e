"""dfc.compile and dfc.compile_text: programs, paths, and errors as DfcError."""

import pathlib

import pytest

import dfc

SOURCE = """use std::dataflows::nvdla;
use std::hardware::edge256;
network n { a = conv(K: 64, C: 64, R: 3, S: 3, Y: 32, X: 32, pad: 1); }
mapping m { network: n; hardware: edge256; dataflow: nvdla; }
"""


def test_str_and_path_compile_the_same_program():
    by_str = dfc.compile("examples/resnet50_edge.df")
    by_path = dfc.compile(pathlib.Path("examples") / "resnet50_edge.df")
    assert by_str.file == by_path.file == "examples/resnet50_edge.df"
    assert by_str.mappings == by_path.mappings == ["resnet50_edge"]
    assert by_str.to_df() == by_path.to_df()


def test_imports_of_other_files_are_followed():
    program = dfc.compile("examples/two_files.df")
    assert program.mappings == ["alexnet_lab"]


def test_compile_text():
    program = dfc.compile_text(SOURCE, name="mine.df")
    assert program.file == "mine.df"
    assert program.mappings == ["m"]
    assert dfc.compile_text(SOURCE).file == "<string>"
    assert repr(program) == '<dfc.Program "mine.df": mappings ["m"]>'


def test_an_error_carries_code_message_file_line_and_column():
    text = SOURCE.replace("network: n;", "network: q;")
    with pytest.raises(dfc.DfcError) as caught:
        dfc.compile_text(text, name="bad.df")
    e = caught.value
    assert (e.code, e.file, e.line, e.column) == ("E0101", "bad.df", 4, 22)
    assert e.message == "no network named `q` is in scope"
    assert [d["code"] for d in e.diagnostics] == ["E0101"]
    assert str(e) == (
        "bad.df:4:22: error[E0101]: no network named `q` is in scope "
        "(help: did you mean `n`?)"
    )
    assert e.report is None


def test_every_error_is_listed_in_position_order():
    with pytest.raises(dfc.DfcError) as caught:
        dfc.compile_text("network n { a = conv(K: 1); }\nmapping m { network: q; }")
    positions = [(d["code"], d["line"], d["column"]) for d in caught.value.diagnostics]
    assert positions == [("E0204", 1, 13), ("E0308", 2, 9), ("E0101", 2, 22)]
    assert caught.value.code == "E0204"


def test_a_syntax_error():
    with pytest.raises(dfc.DfcError) as caught:
        dfc.compile_text("network n {\n  a = conv(K: 64,, C: 3);\n}\n")
    assert (caught.value.code, caught.value.line) == ("E0003", 2)


def test_a_missing_file_is_an_io_error(tmp_path):
    with pytest.raises(dfc.DfcError) as caught:
        dfc.compile(tmp_path / "absent.df")
    e = caught.value
    assert (e.code, e.file, e.line, e.column) == ("E0901", None, None, None)
    assert e.message == f"no file `{tmp_path / 'absent.df'}`"


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(dfc.DfcError) as caught:
        dfc.compile(tmp_path)
    assert caught.value.code == "E0903"


def test_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.df"
    path.write_bytes(b"network n { }\n// caf\xe9\n")
    with pytest.raises(dfc.DfcError) as caught:
        dfc.compile(path)
    assert (caught.value.code, caught.value.line) == ("E0006", 2)


def test_a_warning_is_a_python_warning():
    text = SOURCE.replace("C: 64", "C: 3")
    with pytest.warns(dfc.DfcWarning, match="W0301: a tile of 64 along `C` is larger than"):
        dfc.compile_text(text)


def test_a_wrong_argument_type_is_a_type_error():
    with pytest.raises(TypeError):
        dfc.compile(42)
    with pytest.raises(TypeError):
        dfc.evaluate("examples/resnet50_edge.df")
