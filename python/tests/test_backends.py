"""dfc.map, dfc.simulate and dfc.schedule: exact values of the bundled examples."""

import pytest

import dfc
from conftest import DATA, assert_same_values


def test_map_chooses_the_cli_dataflows():
    program = dfc.compile("examples/custom_dataflow.df")
    mapped = dfc.map(program)
    assert mapped.columns == [
        "mapping", "layer", "dataflow", "same_as", "objective",
        "objective_value", "best_stdlib", "best_stdlib_value", "status",
    ]
    # The values of `dfc map examples/custom_dataflow.df --emit json`.
    assert [(r["layer"], r["objective_value"], r["best_stdlib"], r["best_stdlib_value"])
            for r in mapped] == [
        ("conv1", 13856.0, "shidiannao", 18440.0),
        ("conv2", 73813.0, "row_stationary", 118288.0),
        ("conv3", 147545.0, "shidiannao", 196616.0),
        ("fc", 23.0, "systolic", 33.0),
    ]
    assert {r["status"] for r in mapped} == {"ok"}
    assert [r["dataflow"] for r in mapped] == [
        "conv1_searched", "conv2_searched", "conv3_searched", "fc_searched",
    ]
    assert "dataflow conv1_searched" in mapped.text
    # The mapped program evaluates to the runtimes the search chose.
    evaluated = dfc.evaluate(mapped.program)
    assert [r["runtime_cycles"] for r in evaluated] == [13856, 73813, 147545, 23]


def test_map_only_search_keeps_written_dataflows():
    mapped = dfc.map(dfc.compile("examples/resnet50_edge.df"), only_search=True)
    kept = [r for r in mapped if r["status"] == "kept"]
    assert len(mapped) == 54 and len(kept) == 53
    assert mapped[53]["layer"] == "fc" and mapped[53]["status"] == "ok"


def test_simulate_rows_are_the_compute_report():
    report = dfc.simulate(dfc.compile("examples/systolic_resnet18.df"))
    assert report.columns[0] == "mapping"
    assert {r["mapping"] for r in report} == {"resnet18_on_systolic32"}
    rows = [{k: v for k, v in r.items() if k != "mapping"} for r in report]
    expected = (DATA / "systolic_resnet18.compute.csv").read_text()
    assert_same_values(report.columns[1:], rows, expected)
    assert report[0]["Total Cycles"] == 126380


def test_simulate_needs_a_systolic_array():
    with pytest.raises(dfc.DfcError) as caught:
        dfc.simulate(dfc.compile("examples/custom_dataflow.df"))
    assert caught.value.code == "E0503"


def test_schedule_rows_are_the_csv():
    report = dfc.schedule(dfc.compile("examples/ar_vr_hda.df"))
    assert_same_values(report.columns, report.rows,
                       (DATA / "ar_vr_hda.schedule.csv").read_text())
    assert len(report) == 82
    assert report.summary["accelerator"] == "ar_vr"
    assert report.summary["schedule"]["makespan"] == max(r["end"] for r in report)


def test_schedule_names_are_checked():
    program = dfc.compile("examples/ar_vr_hda.df")
    with pytest.raises(dfc.DfcError) as caught:
        dfc.schedule(program, accelerator="nope")
    assert caught.value.code == "E1301"
    with pytest.raises(dfc.DfcError) as caught:
        dfc.schedule(dfc.compile("examples/custom_dataflow.df"))
    assert (caught.value.code, caught.value.line) == ("E0311", 1)
    with pytest.raises(ValueError):
        dfc.schedule(program, partition="best")
