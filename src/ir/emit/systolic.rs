//! A hardware's `systolic { … }` block written back as `.df`, its `sparsity` and `layout`
//! blocks included.

use super::*;
use crate::ir::systolic::{
    OperandLayout, SystolicLayout, SystolicSparsity, FILTER_AXES, IFMAP_AXES,
};

pub(super) fn array(a: &SystolicArray) -> ast::Field {
    let count = |n: u64| quantity(n, None);
    let mut array = vec![
        field("rows", count(a.rows)),
        field("cols", count(a.cols)),
        field("dataflow", ast::Value::Name(ident(a.dataflow.name()))),
        field("ifmap_sram", size(Size::Bytes(a.ifmap_sram_bytes))),
        field("filter_sram", size(Size::Bytes(a.filter_sram_bytes))),
        field("ofmap_sram", size(Size::Bytes(a.ofmap_sram_bytes))),
    ];
    match a.bandwidth {
        SystolicBandwidth::Calc => array.push(field("bandwidth", ast::Value::Name(ident("calc")))),
        SystolicBandwidth::User {
            ifmap,
            filter,
            ofmap,
        } => {
            let words = |n: u64| bandwidth(Bandwidth::ElementsPerCycle(n));
            array.push(block(
                "dram",
                vec![
                    field("ifmap", words(ifmap)),
                    field("filter", words(filter)),
                    field("ofmap", words(ofmap)),
                ],
            ));
        }
    }
    array.push(block(
        "offsets",
        vec![
            field("ifmap", count(a.offsets[0])),
            field("filter", count(a.offsets[1])),
            field("ofmap", count(a.offsets[2])),
        ],
    ));
    array.push(field("word", size(Size::Bytes(a.word_bytes))));
    if let Some(s) = &a.sparsity {
        array.push(sparsity(s));
    }
    let calc = a.bandwidth == SystolicBandwidth::Calc;
    if let Some(l) = layout(&a.layout, calc) {
        array.push(l);
    }
    block("systolic", array)
}

fn sparsity(s: &SystolicSparsity) -> ast::Field {
    let mut fields = vec![field(
        "representation",
        ast::Value::Name(ident(s.representation.name())),
    )];
    if let Some(o) = s.optimized {
        fields.push(block(
            "optimized",
            vec![
                field("block_size", quantity(o.block_size, None)),
                field("seed", quantity(o.seed, None)),
            ],
        ));
    }
    block("sparsity", fields)
}

/// The operands' custom layouts; a layout's `bandwidth` only in CALC mode (in USER mode it is
/// the operand's DRAM bandwidth).
fn layout(l: &SystolicLayout, calc: bool) -> Option<ast::Field> {
    let operand = |key: &str, o: &OperandLayout, axes: &[&str]| {
        let numbers = |part: &str, values: &[u64]| {
            let entries = axes
                .iter()
                .zip(values)
                .map(|(axis, v)| field(axis, quantity(v, None)))
                .collect();
            block(part, entries)
        };
        let mut fields = vec![
            numbers("tile", &o.tile),
            numbers("intraline", &o.intraline),
            numbers("interline", &o.interline),
            field("banks", quantity(o.banks, None)),
            field("ports", quantity(o.ports, None)),
        ];
        if calc {
            fields.push(field(
                "bandwidth",
                bandwidth(Bandwidth::ElementsPerCycle(o.bandwidth)),
            ));
        }
        block(key, fields)
    };
    let mut fields = Vec::new();
    if let Some(o) = &l.ifmap {
        fields.push(operand("ifmap", o, &IFMAP_AXES));
    }
    if let Some(o) = &l.filter {
        fields.push(operand("filter", o, &FILTER_AXES));
    }
    (!fields.is_empty()).then(|| block("layout", fields))
}
