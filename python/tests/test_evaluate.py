"""dfc.evaluate reproduces `dfc eval --format csv`: columns, rows and values."""

import subprocess
import threading
import time

import pytest

import dfc
from conftest import DATA, assert_same_values, dfc_binary


@pytest.mark.parametrize(
    "example, model, expected",
    [
        # A `search` layer (fc) is searched first, as `dfc eval` does.
        ("resnet50_edge", "default", "resnet50_edge.eval.csv"),
        ("custom_dataflow", "default", "custom_dataflow.eval.csv"),
        ("custom_dataflow", "maestro", "custom_dataflow.maestro.csv"),
    ],
)
def test_rows_are_the_cli_csv(example, model, expected):
    report = dfc.evaluate(dfc.compile(f"examples/{example}.df"), model=model)
    assert_same_values(report.columns, report.rows, (DATA / expected).read_text())


def test_rows_match_the_built_binary():
    binary = dfc_binary()
    if binary is None:
        pytest.skip("DFC_BIN names no dfc binary (.ci/run sets it)")
    csv = subprocess.run(
        [binary, "eval", "examples/resnet50_edge.df", "--format", "csv"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    report = dfc.evaluate(dfc.compile("examples/resnet50_edge.df"))
    assert_same_values(report.columns, report.rows, csv)


def test_row_shape():
    report = dfc.evaluate(dfc.compile("examples/custom_dataflow.df"))
    first = report[0]
    assert list(first)[:2] == ["layer", "runtime_cycles"]
    assert list(first)[-2:] == ["status", "mapping"]
    assert (first["layer"], first["runtime_cycles"], first["status"]) == ("conv1", 22547, "ok")
    assert first["mapping"] == "tiny_on_small"
    assert [r["layer"] for r in report] == ["conv1", "conv2", "conv3", "fc"]
    assert len(report) == 4 and report.warnings == []


def test_the_named_mapping_only():
    program = dfc.compile("examples/resnet50_edge.df")
    assert len(dfc.evaluate(program, mapping="resnet50_edge")) == 54


def test_an_unknown_mapping_is_e1301():
    program = dfc.compile("examples/resnet50_edge.df")
    with pytest.raises(dfc.DfcError) as caught:
        dfc.evaluate(program, mapping="resnet")
    e = caught.value
    assert (e.code, e.line) == ("E1301", None)
    assert e.message == (
        '`examples/resnet50_edge.df` defines no mapping `resnet`; its mappings: ["resnet50_edge"]'
    )


def test_a_file_without_mappings_is_e0311():
    program = dfc.compile_text("network n { a = fc(K: 10, C: 64); }")
    with pytest.raises(dfc.DfcError) as caught:
        dfc.evaluate(program)
    e = caught.value
    assert (e.code, e.line, e.column) == ("E0311", 1, 1)
    assert e.message == "`<string>` defines no mapping to evaluate"


def test_a_layer_that_does_not_fit_raises_with_the_report():
    text = """use std::dataflows::nvdla;
hardware tiny {
    pes: 256; l1: 512 B; l2: 64 B;
    noc { bandwidth: 64 elem/cycle; }
    dram { bandwidth: 16 B/cycle; }
    precision: int8;
}
network n { a = conv(K: 64, C: 64, R: 3, S: 3, Y: 32, X: 32, pad: 1); }
mapping m { network: n; hardware: tiny; dataflow: nvdla; }
"""
    with pytest.raises(dfc.DfcError) as caught:
        dfc.evaluate(dfc.compile_text(text))
    e = caught.value
    assert (e.code, e.file, e.line, e.column) == ("E0501", "<string>", 3, 26)
    assert e.report.rows[0]["status"] == (
        "error: the L2 buffer needs 5768 B (input 1152 B + filter 4608 B + output 8 B, "
        "double-buffered) but holds 64 B"
    )
    assert e.report.rows[0]["runtime_cycles"] is None


def test_bad_choices_are_value_errors():
    program = dfc.compile("examples/custom_dataflow.df")
    with pytest.raises(ValueError, match='model must be one of "default", "maestro", not "fast"'):
        dfc.evaluate(program, model="fast")
    with pytest.raises(ValueError, match="objective must be one of"):
        dfc.evaluate(program, objective="speed")


def test_pandas_frame_has_the_rows():
    pandas = pytest.importorskip("pandas")
    report = dfc.evaluate(dfc.compile("examples/custom_dataflow.df"))
    frame = report.to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == report.columns
    assert frame.shape == (4, 84)
    assert frame["runtime_cycles"].tolist() == [22547, 114905, 229817, 42]
    assert frame["throughput"].tolist() == [r["throughput"] for r in report]


def test_the_interpreter_runs_other_threads_during_a_call():
    # A search takes a second or more. Had the call kept the interpreter, this thread could
    # not run in the middle of it; released, it ticks there.
    program = dfc.compile("examples/custom_dataflow.df")
    done = threading.Event()
    call = []

    def work():
        start = time.perf_counter()
        dfc.map(program, budget=2000)
        call.extend([start, time.perf_counter()])
        done.set()

    worker = threading.Thread(target=work)
    worker.start()
    ticks = []
    while not done.is_set():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    start, end = call
    margin = (end - start) / 10
    assert any(start + margin < t < end - margin for t in ticks)
