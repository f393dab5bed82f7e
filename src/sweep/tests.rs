//! The grid's order, shards as a partition, the Pareto front, and the run bound.

use super::table::front;
use super::*;
use crate::ir::lower::lower_text;

const PROGRAM: &str = "
use std::dataflows::nvdla;
use std::hardware::edge256;
use std::networks::alexnet;
mapping a { network: alexnet; hardware: edge256; dataflow: nvdla(c_tile: 32); }
mapping b { network: alexnet; hardware: edge256; dataflow: nvdla(c_tile: 16); }
sweep grid {
    mapping: a, b;
    pes: 64, 128, 256;
    dataflow { c_tile: 8, 16; }
}
";

fn program() -> Program {
    let (_, program, diags) = lower_text("grid.df", PROGRAM);
    program.unwrap_or_else(|| panic!("{diags:?}"))
}

#[test]
fn points_run_mapping_outermost_and_the_last_axis_fastest() {
    let program = program();
    let sweep = find(&program, None, None).expect("one sweep");
    assert_eq!(count(sweep), 12);
    let all = points(sweep, None);
    let described: Vec<(u32, Vec<usize>)> = all
        .iter()
        .map(|p| (p.mapping.0, p.values.clone()))
        .collect();
    assert_eq!(described[0], (0, vec![0, 0]));
    assert_eq!(described[1], (0, vec![0, 1]));
    assert_eq!(described[2], (0, vec![1, 0]));
    assert_eq!(described[11], (1, vec![2, 1]));
    for (i, p) in all.iter().enumerate() {
        assert_eq!(p.index, i as u64);
        assert_eq!(point(sweep, i as u64), *p);
    }
}

#[test]
fn shards_partition_the_points() {
    let program = program();
    let sweep = find(&program, None, None).expect("one sweep");
    for n in [1u32, 2, 5, 12, 30] {
        let mut seen: Vec<u64> = (0..n)
            .flat_map(|i| points(sweep, Some(Shard { index: i, count: n })))
            .map(|p| p.index)
            .collect();
        let lengths: u64 = (0..n).map(|i| Shard { index: i, count: n }.len(12)).sum();
        assert_eq!(lengths, 12);
        seen.sort_unstable();
        assert_eq!(seen, (0..12).collect::<Vec<_>>(), "{n} shards");
    }
    assert_eq!(Shard { index: 3, count: 4 }.len(2), 0);
    assert_eq!(Shard::parse("3/4"), Ok(Shard { index: 3, count: 4 }));
    for bad in ["4/4", "0/0", "-1/2", "1", "x/2"] {
        assert_eq!(
            Shard::parse(bad).map_err(|d| d.code),
            Err(Code::SweepBadShard)
        );
    }
}

#[test]
fn the_front_keeps_exactly_the_undominated_points() {
    let candidates = [
        Some((3.0, 1.0)),
        Some((1.0, 3.0)),
        Some((2.0, 2.0)),
        Some((2.0, 3.0)), // dominated by (2, 2)
        Some((1.0, 3.0)), // equal to a front point: kept too
        None,             // does not fit
        Some((4.0, 1.0)), // dominated by (3, 1)
    ];
    assert_eq!(
        front(&candidates),
        [true, true, true, false, true, false, false]
    );
}

#[test]
fn a_run_is_bounded_and_a_shard_of_it_too() {
    let program = program();
    let sweep = find(&program, None, None).expect("one sweep");
    let mut huge = sweep.clone();
    for axis in &mut huge.axes {
        let v = axis.values[0];
        axis.values = vec![v; 2_000];
    }
    assert_eq!(count(&huge), 8_000_000);
    let options = SweepOptions::default();
    let refused = run(&program, &huge, &options, &|_, _| {}).map(|_| ());
    let codes: Vec<Code> = refused.unwrap_err().iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::SweepTooLarge]);
    // A sixteenth of the points is within the bound, but not times alexnet's 8 layers.
    let per_layer = SweepOptions {
        per_layer: true,
        shard: Some(Shard {
            index: 0,
            count: 16,
        }),
        ..SweepOptions::default()
    };
    let refused = run(&program, &huge, &per_layer, &|_, _| {}).map(|_| ());
    let codes: Vec<Code> = refused.unwrap_err().iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::SweepTooLarge]);
}

#[test]
fn a_table_renders_the_same_rows_in_both_formats() {
    let program = program();
    let sweep = find(&program, Some("grid"), None).expect("the sweep");
    let table = run(&program, sweep, &SweepOptions::default(), &|_, _| {}).expect("runs");
    assert_eq!(table.rows.len(), 12);
    assert_eq!(table.to_csv().lines().count(), 13);
    let json: serde_json::Value = serde_json::from_str(&table.to_json()).expect("JSON");
    assert_eq!(json["rows"].as_array().map(Vec::len), Some(12));
    assert_eq!(json["identity"]["shard"], serde_json::Value::Null);
    let missing = find(&program, Some("nope"), None).map(|_| ());
    assert_eq!(missing.map_err(|d| d.code), Err(Code::SweepNotFound));
}

/// A sweep prints back as `.df` that lowers to the same sweep (`emit ∘ lower ∘ emit = emit`),
/// every kind of value included.
#[test]
fn a_sweep_round_trips_through_emit() {
    let text = PROGRAM.replace(
        "pes: 64, 128, 256;",
        "pes: 64, 128, 256;\n    macs_per_pe: 1, 2;\n    l1: 512 B, 64 elem;\n    l2: 1 MiB, 108 KiB;\n    \
         noc { bandwidth: 8 B/cycle, 64 elem/cycle; latency: 1 cycle, 2 cycles; }\n    \
         precision: int8, fp16;",
    );
    let (_, program, diags) = lower_text("grid.df", &text);
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(count(&program.sweeps[0]), 2 * 3 * 2 * 2 * 2 * 2 * 2 * 2 * 2);
    let emitted = crate::ir::emit::emit(&program);
    assert!(emitted.contains("l2: 1 MiB, 108 KiB;"), "{emitted}");
    assert!(
        emitted.contains("bandwidth: 8 B/cycle, 64 elem/cycle;"),
        "{emitted}"
    );
    let (_, again, diags) = lower_text("emitted.df", &emitted);
    let again = again.unwrap_or_else(|| panic!("{diags:?}\n{emitted}"));
    assert_eq!(crate::ir::emit::emit(&again), emitted);
    let axes = |p: &Program| -> Vec<_> {
        p.sweeps[0]
            .axes
            .iter()
            .map(|a| (a.field.clone(), a.values.clone()))
            .collect()
    };
    assert_eq!(axes(&again), axes(&program));
}
