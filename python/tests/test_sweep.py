"""dfc.sweep reproduces `dfc sweep --format json`, sharded or not, locally or on Ray."""

import subprocess

import pytest

import dfc
from conftest import DATA, dfc_binary

EXAMPLE = "examples/resnet18_sweep.df"


def test_sweep_is_the_cli_report():
    report = dfc.sweep(dfc.compile(EXAMPLE))
    expected = (DATA / "resnet18_sweep.json").read_text()
    assert report.text == expected
    assert len(report) == 16
    assert report.columns[:6] == ["point", "mapping", "pes", "l1", "noc.bandwidth", "dataflow.c_tile"]
    assert [r["status"] for r in report].count("does_not_fit") == 8
    assert report.identity["points"] == 16
    binary = dfc_binary()
    if binary is not None:
        printed = subprocess.run(
            [binary, "sweep", EXAMPLE, "--format", "json"],
            check=True, capture_output=True, text=True,
        ).stdout
        assert report.text == printed


@pytest.mark.parametrize("shards", [2, 3, 16, 40])
def test_local_shards_merge_to_the_whole(shards):
    program = dfc.compile(EXAMPLE)
    whole = dfc.sweep(program)
    sharded = dfc.sweep(program, shards=shards)
    assert sharded.text == whole.text
    assert sharded.rows == whole.rows


def test_per_layer_and_pareto():
    program = dfc.compile(EXAMPLE)
    per_layer = dfc.sweep(program, per_layer=True)
    # ResNet-18's 21 layers at each of the 16 points, fitting or not.
    assert len(per_layer) == 16 * 21
    assert {r["layer"] for r in per_layer if r["point"] == 5} == set(
        r["layer"] for r in per_layer if r["point"] == 0
    )
    front = dfc.sweep(program, pareto=("runtime", "energy"), shards=3)
    assert front.text == dfc.sweep(program, pareto=("runtime", "energy")).text
    assert 1 <= len(front) <= 8
    assert all(r["status"] == "ok" for r in front)


def test_ray_tasks_give_the_local_result():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        program = dfc.compile(EXAMPLE)
        on_ray = dfc.sweep(program, shards=4, executor="ray")
        assert on_ray.text == dfc.sweep(program).text
        # A program compiled from text travels as its text.
        text = dfc.compile_text(open(EXAMPLE).read(), name="inline.df")
        assert dfc.sweep(text, shards=2, executor="ray").rows == dfc.sweep(text).rows
    finally:
        ray.shutdown()


def test_errors():
    program = dfc.compile(EXAMPLE)
    with pytest.raises(dfc.DfcError) as missing:
        dfc.sweep(program, "no_such_sweep")
    assert missing.value.code == "E1211"
    without = dfc.compile("examples/resnet50_edge.df")
    with pytest.raises(dfc.DfcError) as none:
        dfc.sweep(without)
    assert none.value.code == "E1211"
    parts = [
        dfc._dfc.sweep(program, None, (i, 3), False, None)["json"] for i in range(3)
    ]
    assert dfc.sweep_merge(parts).text == dfc.sweep(program).text
    with pytest.raises(dfc.DfcError) as incomplete:
        dfc.sweep_merge(parts[:2])
    assert incomplete.value.code == "E1210"
    with pytest.raises(dfc.DfcError) as twice:
        dfc.sweep_merge(parts + parts[:1])
    assert twice.value.code == "E1209"
    with pytest.raises(dfc.DfcError) as empty:
        dfc.compile_text(
            "use std::dataflows::nvdla; use std::hardware::edge256; use std::networks::resnet18;\n"
            "mapping m { network: resnet18; hardware: edge256; dataflow: nvdla; }\n"
            "sweep s { mapping: m; }\n"
        )
    assert empty.value.code == "E1203"
    for bad in [dict(shards=0), dict(shards=2.5), dict(executor="dask"),
                dict(pareto=("runtime", "runtime"))]:
        with pytest.raises(ValueError):
            dfc.sweep(program, **bad)
