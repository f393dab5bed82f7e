//! Row 23 of `MODEL.md`: a quantized layer's energies and NoC volumes scale with its operand
//! widths against the reference width; at the reference width nothing changes.

use super::tests::{sp, t};
use super::*;

/// The shared test convolution, output channels across PEs and input channels in time.
fn conv() -> Problem {
    super::tests::conv(vec![sp(1, 1, Dim::K), t(8, 8, Dim::C)])
}

fn hardware(weights: u32, activations: u32) -> Hardware {
    Hardware {
        num_pes: 16,
        l1_size: 1 << 20,
        l2_size: 1 << 30,
        noc_bw: 4,
        noc_hops: 1,
        simd_lanes: 1,
        precision_bits: Some(activations),
        operand_bits: Some(OperandBits {
            weights,
            activations,
            reference: 8,
        }),
        energy: None,
        sparse: crate::ir::SparseSupport::DENSE,
    }
}

fn at(weights: u32, activations: u32, model: Model) -> LayerMetrics {
    evaluate(&conv(), &hardware(weights, activations), model).expect("evaluates")
}

#[test]
fn reference_widths_change_nothing() {
    let none = Hardware {
        operand_bits: None,
        ..hardware(8, 8)
    };
    let plain = evaluate(&conv(), &none, Model::Default).expect("evaluates");
    assert_eq!(at(8, 8, Model::Default), plain);
}

#[test]
fn int4_weights_halve_the_mac_energy_and_the_filter_traffic_energy() {
    let int8 = at(8, 8, Model::Default);
    let w4 = at(4, 8, Model::Default);
    // 16·8·3·3·8·8 MACs of one MAESTRO unit each at 8×8 bits; 4×8 bits is exactly half.
    assert_eq!(int8.num_macs, 73_728);
    assert_eq!(int8.total_mac_energy, 73_728.0);
    assert_eq!(w4.total_mac_energy, 36_864.0);
    assert_eq!(w4.filter_l2_read_energy, int8.filter_l2_read_energy / 2.0);
    assert_eq!(w4.filter_l1_read_energy, int8.filter_l1_read_energy / 2.0);
    assert_eq!(w4.input_l2_read_energy, int8.input_l2_read_energy);
    assert_eq!(w4.output_l2_write_energy, int8.output_l2_write_energy);
    // Access counts stay element counts.
    assert_eq!(w4.filter_l2_read, int8.filter_l2_read);
    assert_eq!(w4.l2_accesses_total, int8.l2_accesses_total);
    let filter = 1.68 * (int8.filter_l1_read + int8.filter_l1_write) as f64
        + 18.61 * (int8.filter_l2_read + int8.filter_l2_write) as f64;
    assert!((int8.total_energy - w4.total_energy - 36_864.0 - filter / 2.0).abs() < 1e-6);
}

#[test]
fn int4_activations_halve_the_mac_energy_and_shorten_the_noc_delays() {
    let int8 = at(8, 8, Model::Default);
    let a4 = at(8, 4, Model::Default);
    let both = at(4, 4, Model::Default);
    assert_eq!(a4.total_mac_energy, 36_864.0);
    assert_eq!(both.total_mac_energy, 18_432.0);
    assert_eq!(a4.input_l1_read_energy, int8.input_l1_read_energy / 2.0);
    assert_eq!(a4.output_l1_write_energy, int8.output_l1_write_energy / 2.0);
    assert_eq!(a4.filter_l1_read_energy, int8.filter_l1_read_energy);
    // 1,024 output elements per step over 4 elements per cycle: 256 cycles at 8 bits, 128 at
    // 4; the input (activations) and filter (weights) volumes shrink the same way.
    assert_eq!([int8.egress_delay_max, a4.egress_delay_max], [256, 128]);
    assert_eq!([int8.ingress_delay_max, a4.ingress_delay_max], [488, 388]);
    assert_eq!(both.ingress_delay_max, 244);
    let w4 = at(4, 8, Model::Default);
    assert_eq!(
        [
            int8.runtime_cycles,
            w4.runtime_cycles,
            a4.runtime_cycles,
            both.runtime_cycles
        ],
        [5096, 4952, 4996, 4852]
    );
    assert_eq!(int8.compute_delay_max, both.compute_delay_max);
}

#[test]
fn maestro_ignores_operand_widths_and_bad_widths_are_refused() {
    assert_eq!(at(2, 3, Model::Maestro), at(8, 8, Model::Maestro));
    let bad = Hardware {
        operand_bits: Some(OperandBits {
            weights: 0,
            activations: 8,
            reference: 8,
        }),
        ..hardware(8, 8)
    };
    assert_eq!(
        evaluate(&conv(), &bad, Model::Default),
        Err(CostError::InvalidHardware {
            field: HwField::OperandBits
        })
    );
}
