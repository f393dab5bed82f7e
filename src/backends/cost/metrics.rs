//! Reported metrics and the extra columns of MAESTRO's CSV file (`docs/semantics/maestro.md`,
//! "Energy" and "Reported columns").

use super::engine::{ceil_div, Outcome, Plan, Record, FILTER, INPUT, OUTPUT};
use super::widths::Units;
use super::{
    BufferLevel, CapacityExcess, CostError, EnergyTable, Hardware, Model, Rules, SparseMetrics,
};

/// Unit of the `*_size_req` and `csv_*_sram_size` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeUnit {
    /// Element counts (MAESTRO, and the Default model without a precision).
    Elements,
    /// Bytes (Default model with `Hardware::precision_bits`).
    Bytes,
}

impl SizeUnit {
    /// The unit as printed after a number.
    pub fn symbol(self) -> &'static str {
        match self {
            SizeUnit::Elements => "elements",
            SizeUnit::Bytes => "B",
        }
    }
}

/// How a [`LayerMetrics`] was produced. Not part of the CSV row.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct EvalInfo {
    pub model: Model,
    pub size_unit: SizeUnit,
    /// Number of cluster levels of the dataflow.
    pub levels: usize,
    /// The per-access energies used for the `*_energy` columns.
    pub energy: EnergyTable,
    /// Maestro model: MAESTRO's CSV energy takes its L1 part from the previous layer of the
    /// file (quirk 9). It is computed here as for the first layer (L1 part 0); see
    /// [`LayerMetrics::maestro_chain_previous_layer`].
    pub csv_l1_from_previous_layer: bool,
    /// Maestro model: the buffer level whose requirement of all three tensors exceeds its
    /// capacity although MAESTRO's own (output-only) checks pass. Always `None` in the
    /// Default model, which refuses such mappings.
    pub exceeds_capacity: Option<CapacityExcess>,
}

/// The one place metric values are formatted for CSV output. Floats use the shortest text
/// that reads back to the same value, as Rust's `{:?}` writes it; NaN is `nan`, infinities
/// `inf` and `-inf`.
pub fn format_float(x: f64) -> String {
    let mut out = String::new();
    write_float(&mut out, x);
    out
}

/// [`format_float`] appended to `out`, without a string per value (bulk CSV output).
pub fn write_float(out: &mut String, x: f64) {
    use std::fmt::Write;
    if x.is_nan() {
        out.push_str("nan");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "inf" } else { "-inf" });
    } else if x.fract() == 0.0 && x.abs() < 2f64.powi(53) && x != 0.0 {
        // A whole number below 2^53 is exact, and its neighbours are at most 1 apart, so its
        // own digits are the shortest that read back: `{:?}` writes them and `.0`. Written
        // with itoa at a fraction of the cost (bulk CSV output spent most of its time here);
        // `float_text_matches_debug` checks it. Zero keeps `{:?}` for its sign.
        write_int(out, x as i64);
        out.push_str(".0");
    } else if (1e-4..1e16).contains(&x.abs()) {
        // Inside this range `{:?}` writes plain decimal digits, the shortest that read back, as
        // ryu does at a fraction of the cost (bulk CSV output spent 15 % of its instructions in
        // core's formatter); outside it the two differ in when they switch to an exponent.
        // When two shortest texts are equally near the value, ryu writes the even one and
        // `{:?}` rounds up: such exact ties keep `{:?}`.
        let mut buffer = ryu::Buffer::new();
        let text = buffer.format_finite(x);
        // A tie needs at least 16 significant digits, 17 characters (see `is_exact_tie`).
        if text.len() >= 17 && is_exact_tie(x, text) {
            let _ = write!(out, "{x:?}");
        } else {
            out.push_str(text);
        }
    } else {
        // Writing to a `String` cannot fail.
        let _ = write!(out, "{x:?}");
    }
}

/// Whether `x` lies exactly halfway between two decimal texts as short as `text` (its shortest
/// text): its exact expansion then has one significant digit more than `text`, a final 5.
/// A binary fraction `m / 2^f` (m odd) has exactly the significant digits of `m · 5^f`; beyond
/// `f = 26` that number has more than 18 digits, more than a tie next to a shortest text of at
/// most 17 digits can have. Both neighbours of a tie read back only if the decimal step is at
/// most the binary one, which takes 16 or more significant digits (10^n > 2^52).
fn is_exact_tie(x: f64, text: &str) -> bool {
    let bits = x.abs().to_bits();
    let biased_exponent = ((bits >> 52) & 0x7ff) as i32;
    let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
    let trailing = mantissa.trailing_zeros();
    let fraction_bits = 1075 - biased_exponent - trailing as i32;
    if !(1..=26).contains(&fraction_bits) {
        return false;
    }
    let exact = u128::from(mantissa >> trailing) * 5u128.pow(fraction_bits as u32);
    let significant = text
        .bytes()
        .filter(u8::is_ascii_digit)
        .skip_while(|&b| b == b'0')
        .count();
    exact.ilog10() as usize + 1 == significant + 1
}

/// A metric's value as data: what the CSV writes with [`write_int`] or [`write_float`]
/// (the Python package hands these to Python as `int` and `float`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MetricValue {
    Int(i64),
    Float(f64),
}

trait CsvCell {
    fn write_csv(&self, out: &mut String);

    fn value(&self) -> MetricValue;

    fn csv(&self) -> String {
        let mut out = String::new();
        self.write_csv(&mut out);
        out
    }
}

impl CsvCell for i64 {
    fn write_csv(&self, out: &mut String) {
        write_int(out, *self);
    }

    fn value(&self) -> MetricValue {
        MetricValue::Int(*self)
    }
}

/// An integer appended to `out` in decimal, as `Display` writes it (itoa: no formatter
/// machinery per cell of a bulk CSV).
pub fn write_int(out: &mut String, x: i64) {
    out.push_str(itoa::Buffer::new().format(x));
}

impl CsvCell for f64 {
    fn write_csv(&self, out: &mut String) {
        write_float(out, *self);
    }

    fn value(&self) -> MetricValue {
        MetricValue::Float(*self)
    }
}

macro_rules! layer_metrics {
    ($( $(#[$doc:meta])* $name:ident : $ty:ty, )*) => {
        /// Per-layer results. Field names are the metric columns of MAESTRO's reference output,
        /// `tests/data/maestro/reference_expected.csv`; energies are in the units of
        /// [`EvalInfo::energy`] (MAESTRO: one MAC), counts in elements, sizes in
        /// [`EvalInfo::size_unit`].
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        pub struct LayerMetrics {
            $( $(#[$doc])* pub $name: $ty, )*
            /// MACs the hardware executes (the loop nest given: dilated filter extents,
            /// zero-inserted inputs); `num_macs` is the useful work (`MODEL.md`, row 19).
            pub dense_macs: i64,
            /// A sparse layer's own columns (`docs/sparsity.md`); `None` when it is dense.
            #[serde(skip_serializing_if = "Option::is_none", flatten)]
            pub sparse: Option<SparseMetrics>,
            /// Busy PEs / PEs: `avg_utilized_pes` over the array's PEs.
            pub pe_utilization: f64,
            /// `num_macs / (runtime_cycles × PEs × lanes)`: the fraction of the array's MAC
            /// capacity doing useful work.
            pub mac_utilization: f64,
            /// The unit of the `*_size_req` and `csv_*_sram_size` values.
            pub size_unit: SizeUnit,
            #[serde(skip)]
            pub info: EvalInfo,
        }

        /// The CSV metric columns, in the order of [`LayerMetrics::csv_values`].
        pub const CSV_COLUMNS: &[&str] = &[ $( stringify!($name), )* ];

        impl LayerMetrics {
    /// L1 size requirement of the three tensors together.
    pub fn l1_size_req(&self) -> i64 {
        self.input_l1_size_req + self.filter_l1_size_req + self.output_l1_size_req
    }

    /// L2 size requirement of the three tensors together.
    pub fn l2_size_req(&self) -> i64 {
        self.input_l2_size_req + self.filter_l2_size_req + self.output_l2_size_req
    }

            /// What makes these values unphysical (MAESTRO prints such values, `MODEL.md`,
            /// row 10): zero MACs, NaN or infinite values, `i64::MIN` sentinels, negative
            /// values; each with the columns concerned. Empty for physical values.
            pub fn not_physical(&self) -> Vec<String> {
                let (mut non_finite, mut sentinel, mut negative) = (Vec::new(), Vec::new(), Vec::new());
                $(
                    let v = self.$name as f64;
                    if !v.is_finite() {
                        non_finite.push(stringify!($name));
                    } else if v == i64::MIN as f64 {
                        sentinel.push(stringify!($name));
                    } else if v < 0.0 {
                        negative.push(stringify!($name));
                    }
                )*
                let mut out = Vec::new();
                if self.num_macs == 0 {
                    out.push("0 MACs".to_string());
                }
                for (what, columns) in [
                    ("NaN or infinite:", non_finite),
                    ("the sentinel i64::MIN:", sentinel),
                    ("negative:", negative),
                ] {
                    if !columns.is_empty() {
                        out.push(format!("{what} {}", columns.join(", ")));
                    }
                }
                out
            }

            /// The values of [`CSV_COLUMNS`], formatted.
            pub fn csv_values(&self) -> Vec<String> {
                vec![ $( CsvCell::csv(&self.$name), )* ]
            }

            /// The values of [`CSV_COLUMNS`] as data, unformatted.
            pub fn metric_values(&self) -> Vec<MetricValue> {
                vec![ $( CsvCell::value(&self.$name), )* ]
            }

            /// The same cells appended to `out`, each after a comma.
            pub fn write_csv_cells(&self, out: &mut String) {
                $( out.push(','); CsvCell::write_csv(&self.$name, out); )*
            }
        }
    };
}

layer_metrics! {
    runtime_cycles: i64,
    /// MACs per cycle.
    throughput: f64,
    num_macs: i64,
    input_l2_size_req: i64,
    input_l1_size_req: i64,
    input_l2_write: i64,
    input_l2_read: i64,
    input_l1_write: i64,
    input_l1_read: i64,
    input_reuse_factor: f64,
    filter_l2_size_req: i64,
    filter_l1_size_req: i64,
    filter_l2_write: i64,
    filter_l2_read: i64,
    filter_l1_write: i64,
    filter_l1_read: i64,
    filter_reuse_factor: f64,
    output_l2_size_req: i64,
    output_l1_size_req: i64,
    output_l2_write: i64,
    output_l2_read: i64,
    output_l1_write: i64,
    output_l1_read: i64,
    output_reuse_factor: f64,
    overall_reuse_factor: f64,
    input_l2_write_energy: f64,
    input_l2_read_energy: f64,
    input_l1_write_energy: f64,
    input_l1_read_energy: f64,
    filter_l2_write_energy: f64,
    filter_l2_read_energy: f64,
    filter_l1_write_energy: f64,
    filter_l1_read_energy: f64,
    output_l2_write_energy: f64,
    output_l2_read_energy: f64,
    output_l1_write_energy: f64,
    output_l1_read_energy: f64,
    total_l2_write_energy: f64,
    total_l2_read_energy: f64,
    total_l1_write_energy: f64,
    total_l1_read_energy: f64,
    total_mac_energy: f64,
    /// Elements per cycle (integer-floored per case).
    peak_bw_req: i64,
    avg_bw_req: f64,
    total_energy: f64,
    perf_per_mac_energy: f64,
    ingress_delay_min: i64,
    ingress_delay_max: i64,
    ingress_delay_avg: i64,
    egress_delay_min: i64,
    egress_delay_max: i64,
    egress_delay_avg: i64,
    compute_delay_min: i64,
    compute_delay_max: i64,
    compute_delay_avg: i64,
    avg_utilized_pes: f64,
    arithmetic_intensity: f64,
    /// Equal to `total_energy` (the reference CSV prints it with full precision).
    total_energy_exact: f64,
    l2_accesses_total: i64,
    l1_accesses_total: i64,
    /// MAESTRO's `Activity count-based Energy (nJ)` (Maestro: with the omissions of quirk 9).
    csv_energy_nj: f64,
    csv_throughput_per_energy: f64,
    csv_area: f64,
    csv_power: f64,
    csv_noc_bw: i64,
    csv_vector_width: i64,
    csv_l2_sram_size: i64,
    csv_l1_sram_size: i64,
    csv_mcast_weight: f64,
    csv_mcast_input: f64,
    csv_num_input_pixels: i64,
    csv_num_weight_pixels: i64,
    csv_ops_per_joule: f64,
    csv_pe_power: f64,
    csv_l1_power: f64,
    csv_l2_power: f64,
    csv_noc_power: f64,
}

impl LayerMetrics {
    /// Maestro model: MAESTRO computes the CSV energy of a multi-level dataflow with the L1
    /// counts of the previous layer in the file (quirk 9). [`super::evaluate`] assumes a first
    /// layer; call this on every later layer with its predecessor's metrics to get MAESTRO's
    /// CSV values. No effect in the Default model or where MAESTRO uses the current counts.
    pub fn maestro_chain_previous_layer(&mut self, previous: &LayerMetrics) {
        if !self.info.csv_l1_from_previous_layer {
            return;
        }
        let e = self.info.energy;
        let l2 = self.input_l2_read
            + self.input_l2_write
            + self.filter_l2_read
            + self.filter_l2_write
            + self.output_l2_write;
        self.csv_energy_nj =
            e.nj_per_unit * (e.l2 * l2 as f64 + e.l1 * previous.l1_accesses_total as f64);
        self.csv_throughput_per_energy = self.throughput / self.csv_energy_nj * 1e9;
        self.csv_ops_per_joule = self.num_macs as f64 / self.csv_energy_nj * 1e9;
    }
}

/// Counts at or beyond this magnitude are saturated arithmetic, i.e. overflow.
const SATURATED: i64 = i64::MAX / 2;

fn sum(xs: &[i64]) -> i64 {
    xs.iter().fold(0i64, |a, &b| a.saturating_add(b))
}

/// Turn the top level's record into the reported metrics (`docs/semantics/maestro.md`,
/// "Energy" and "Reported columns").
pub(super) fn assemble(
    plan: &Plan,
    hw: &Hardware,
    out: &Outcome,
    exceeds_capacity: Option<CapacityExcess>,
) -> Result<LayerMetrics, CostError> {
    let rules = &plan.rules;
    let record = &out.top;
    check_overflow(out)?;
    let energy = energy_table(rules, hw);
    let div = |a: f64, b: f64| ratio(rules, a, b);
    let size = |e: i64| plan.size_units(e);

    let l1_total = sum(&[sum(&record.l1_write), sum(&record.l1_read)]);
    let units = Units(plan.operand_bits);
    let access_energy = |per_access: f64, t: usize, n: i64| per_access * units.tensor(t, n);
    let num_macs = reported_macs(plan, record);
    let throughput = div(num_macs as f64, record.runtime as f64);
    let mac_capacity = (record.runtime as f64) * (hw.num_pes as f64) * (hw.simd_lanes as f64);
    // Gated and skipped MACs draw no energy (`docs/sparsity.md`).
    let energy_macs = plan
        .sparse
        .map_or(record.macs, |s| s.energy_macs(record.macs));
    let total_energy = energy.l2 * units.total(&[&record.l2_write, &record.l2_read])
        + energy.l1 * units.total(&[&record.l1_write, &record.l1_read])
        + energy.mac * units.macs(energy_macs);
    let [ingress_delay, egress_delay, compute_delay] = delay_statistics(rules, out);

    let levels = plan.num_levels();
    let csv_l1_from_previous_layer = !rules.full_csv_energy && levels > 1 && record.recursed;
    let csv_l1_accesses = if csv_l1_from_previous_layer {
        0
    } else {
        l1_total
    };
    let csv_energy_nj = csv_energy(rules, energy, record, total_energy, csv_l1_accesses);
    let csv_l2_sram_size = size(sum(&record.l2_requirement));
    let csv_l1_sram_size = size(out.first_l1_requirement);
    let csv_hardware = csv_area_and_power(hw, csv_l1_sram_size, csv_l2_sram_size);
    let l1_sum = |t: usize| record.l1_write[t] as f64;
    let l1_requirement = l1_requirement(plan, out);
    Ok(LayerMetrics {
        runtime_cycles: record.runtime,
        throughput,
        num_macs,
        input_l2_size_req: size(record.l2_requirement[INPUT]),
        input_l1_size_req: size(l1_requirement[INPUT]),
        input_l2_write: record.l2_write[INPUT],
        input_l2_read: record.l2_read[INPUT],
        input_l1_write: record.l1_write[INPUT],
        input_l1_read: record.l1_read[INPUT],
        input_reuse_factor: div(record.l1_read[INPUT] as f64, l1_sum(INPUT)),
        filter_l2_size_req: size(record.l2_requirement[FILTER]),
        filter_l1_size_req: size(l1_requirement[FILTER]),
        filter_l2_write: record.l2_write[FILTER],
        filter_l2_read: record.l2_read[FILTER],
        filter_l1_write: record.l1_write[FILTER],
        filter_l1_read: record.l1_read[FILTER],
        filter_reuse_factor: div(record.l1_read[FILTER] as f64, l1_sum(FILTER)),
        output_l2_size_req: size(record.l2_requirement[OUTPUT]),
        output_l1_size_req: size(l1_requirement[OUTPUT]),
        output_l2_write: record.l2_write[OUTPUT],
        output_l2_read: record.l2_read[OUTPUT],
        output_l1_write: record.l1_write[OUTPUT],
        output_l1_read: record.l1_read[OUTPUT],
        output_reuse_factor: 1.0,
        overall_reuse_factor: div(sum(&record.l1_read) as f64, sum(&record.l1_write) as f64),
        input_l2_write_energy: access_energy(energy.l2, INPUT, record.l2_write[INPUT]),
        input_l2_read_energy: access_energy(energy.l2, INPUT, record.l2_read[INPUT]),
        input_l1_write_energy: access_energy(energy.l1, INPUT, record.l1_write[INPUT]),
        input_l1_read_energy: access_energy(energy.l1, INPUT, record.l1_read[INPUT]),
        filter_l2_write_energy: access_energy(energy.l2, FILTER, record.l2_write[FILTER]),
        filter_l2_read_energy: access_energy(energy.l2, FILTER, record.l2_read[FILTER]),
        filter_l1_write_energy: access_energy(energy.l1, FILTER, record.l1_write[FILTER]),
        filter_l1_read_energy: access_energy(energy.l1, FILTER, record.l1_read[FILTER]),
        output_l2_write_energy: access_energy(energy.l2, OUTPUT, record.l2_write[OUTPUT]),
        output_l2_read_energy: access_energy(energy.l2, OUTPUT, record.l2_read[OUTPUT]),
        output_l1_write_energy: access_energy(energy.l1, OUTPUT, record.l1_write[OUTPUT]),
        output_l1_read_energy: access_energy(energy.l1, OUTPUT, record.l1_read[OUTPUT]),
        total_l2_write_energy: energy.l2 * units.total(&[&record.l2_write]),
        total_l2_read_energy: energy.l2 * units.total(&[&record.l2_read]),
        total_l1_write_energy: energy.l1 * units.total(&[&record.l1_write]),
        total_l1_read_energy: energy.l1 * units.total(&[&record.l1_read]),
        total_mac_energy: energy.mac * units.macs(energy_macs),
        peak_bw_req: record.peak_bandwidth,
        avg_bw_req: div(record.bandwidth_sum as f64, record.valid_iterations as f64),
        total_energy,
        perf_per_mac_energy: div(throughput, total_energy),
        ingress_delay_min: ingress_delay.min,
        ingress_delay_max: ingress_delay.max,
        ingress_delay_avg: ingress_delay.avg,
        egress_delay_min: egress_delay.min,
        egress_delay_max: egress_delay.max,
        egress_delay_avg: egress_delay.avg,
        compute_delay_min: compute_delay.min,
        compute_delay_max: compute_delay.max,
        compute_delay_avg: compute_delay.avg,
        avg_utilized_pes: record.average_active_units(),
        arithmetic_intensity: if rules.whole_layer_intensity {
            // Quirk 10 fixed: the whole layer's MACs per element fetched, not the last case's.
            div(
                record.intensity_macs as f64,
                record.intensity_ingress as f64,
            )
        } else {
            record.last_arithmetic_intensity
        },
        total_energy_exact: total_energy,
        l2_accesses_total: sum(&[sum(&record.l2_write), sum(&record.l2_read)]),
        l1_accesses_total: l1_total,
        csv_energy_nj,
        csv_throughput_per_energy: div(throughput, csv_energy_nj) * 1e9,
        csv_area: csv_hardware.area,
        csv_power: csv_hardware.pe_power
            + csv_hardware.l1_power
            + csv_hardware.l2_power
            + csv_hardware.noc_power,
        csv_noc_bw: hw.noc_bw,
        csv_vector_width: hw.simd_lanes,
        csv_l2_sram_size,
        csv_l1_sram_size,
        csv_mcast_weight: div(
            record.l1_write[FILTER] as f64,
            record.l2_read[FILTER] as f64,
        ),
        csv_mcast_input: div(record.l1_write[INPUT] as f64, record.l2_read[INPUT] as f64),
        csv_num_input_pixels: pixel_count(plan, INPUT),
        csv_num_weight_pixels: pixel_count(plan, FILTER),
        csv_ops_per_joule: div(num_macs as f64, csv_energy_nj) * 1e9,
        csv_pe_power: csv_hardware.pe_power,
        csv_l1_power: csv_hardware.l1_power,
        csv_l2_power: csv_hardware.l2_power,
        csv_noc_power: csv_hardware.noc_power,
        dense_macs: record.macs,
        sparse: plan
            .sparse
            .map(|s| s.metrics(num_macs, out.metadata_accesses)),
        pe_utilization: div(record.average_active_units(), hw.num_pes as f64),
        mac_utilization: div(num_macs as f64, mac_capacity),
        size_unit: plan.size_unit(),
        info: EvalInfo {
            model: plan.model,
            size_unit: plan.size_unit(),
            levels,
            energy,
            csv_l1_from_previous_layer,
            exceeds_capacity,
        },
    })
}

/// Row 19: the reported MACs are the useful work; energy and runtime follow what runs.
fn reported_macs(plan: &Plan, record: &Record) -> i64 {
    match plan.useful_macs {
        Some(useful) if plan.rules.useful_macs => useful,
        _ => record.macs,
    }
}

/// The reported L1 requirement per tensor: one PE's, at the innermost level, in the Default
/// model (row 18); the top level's per-unit tile in MAESTRO's.
fn l1_requirement(plan: &Plan, out: &Outcome) -> [i64; 3] {
    if plan.rules.capacity_check {
        out.l1_per_unit
    } else {
        out.top.l1_requirement
    }
}

/// The first buffer level whose requirement of all three tensors (double-buffered, in the
/// reported unit) exceeds its capacity: L1 per PE, from the innermost level's largest tile
/// set, then L2, from the top level's (`MODEL.md`, row 18).
pub(super) fn capacity_excess(plan: &Plan, out: &Outcome) -> Option<CapacityExcess> {
    let check = |level, elements: [i64; 3], capacity: i64| {
        let excess = CapacityExcess {
            level,
            required: elements.map(|e| plan.size_units(e)),
            capacity,
            unit: plan.size_unit(),
        };
        (excess.total() > capacity).then_some(excess)
    };
    check(BufferLevel::L1, out.l1_per_unit, plan.l1_capacity)
        .or_else(|| check(BufferLevel::L2, out.top.l2_requirement, plan.l2_capacity))
}

/// The per-access energies: MAESTRO's constants, or the hardware's own in the Default model.
fn energy_table(rules: &Rules, hw: &Hardware) -> EnergyTable {
    match hw.energy {
        Some(table) if rules.hardware_energy => table,
        _ => EnergyTable::MAESTRO,
    }
}

/// `a / b`. MAESTRO divides as IEEE doubles (0/0 is NaN); the Default model reports 0 instead
/// (quirk 8).
fn ratio(rules: &Rules, a: f64, b: f64) -> f64 {
    if rules.clamp_undefined_values && b == 0.0 {
        0.0
    } else {
        a / b
    }
}

/// The product of tensor `t`'s sizes. MAESTRO multiplies the declared sizes only (a `Y`
/// derived from `Y'` counts as 1, quirk 13).
fn pixel_count(plan: &Plan, t: usize) -> i64 {
    let dims = if plan.rules.derived_dims_in_pixels {
        &plan.real
    } else {
        &plan.declared
    };
    plan.tensors[t].vars().iter().fold(1i64, |a, &v| {
        if dims.has & (1 << v) != 0 {
            a.saturating_mul(dims.size[v as usize])
        } else {
            a
        }
    })
}

/// A count that saturated anywhere in the record is reported as an overflow.
fn check_overflow(out: &Outcome) -> Result<(), CostError> {
    let record = &out.top;
    let counts = [
        record.runtime,
        record.macs,
        record.peak_bandwidth,
        record.bandwidth_sum,
        record.valid_iterations,
        record.intensity_macs,
        record.intensity_ingress,
        out.first_l1_requirement,
    ];
    let overflow = counts
        .into_iter()
        .chain(record.l2_requirement)
        .chain(record.l1_requirement)
        .chain(record.l2_write)
        .chain(record.l2_read)
        .chain(record.l1_write)
        .chain(record.l1_read)
        .chain(record.delay.iter().flat_map(|d| [d.max, d.sum]))
        .any(|v| v.unsigned_abs() >= SATURATED.unsigned_abs());
    if overflow {
        Err(CostError::Overflow)
    } else {
        Ok(())
    }
}

/// The reported statistics of one kind of delay.
struct DelayColumns {
    min: i64,
    max: i64,
    avg: i64,
}

/// Ingress, egress and compute delay statistics, truncated to integers. MAESTRO casts an empty
/// minimum (infinity) and average (NaN) to `i64::MIN` (quirk 8).
fn delay_statistics(rules: &Rules, out: &Outcome) -> [DelayColumns; 3] {
    let record = &out.top;
    record.delay.map(|d| {
        if record.valid_iterations == 0 {
            if rules.clamp_undefined_values {
                DelayColumns {
                    min: 0,
                    max: 0,
                    avg: 0,
                }
            } else {
                DelayColumns {
                    min: i64::MIN,
                    max: d.max,
                    avg: i64::MIN,
                }
            }
        } else {
            DelayColumns {
                min: d.min,
                max: d.max,
                avg: (d.sum as f64 / record.valid_iterations as f64) as i64,
            }
        }
    })
}

/// MAESTRO's `Activity count-based Energy (nJ)`. MAESTRO leaves out the MAC energy and the
/// output L2 reads, and a multi-level dataflow takes its L1 part from the previous layer, 0
/// here (quirk 9, see [`LayerMetrics::maestro_chain_previous_layer`]); the Default model
/// reports the total energy.
fn csv_energy(
    rules: &Rules,
    energy: EnergyTable,
    record: &Record,
    total_energy: f64,
    l1_accesses: i64,
) -> f64 {
    if rules.full_csv_energy {
        return energy.nj_per_unit * total_energy;
    }
    let l2_csv = sum(&[
        record.l2_read[INPUT],
        record.l2_write[INPUT],
        record.l2_read[FILTER],
        record.l2_write[FILTER],
        record.l2_write[OUTPUT],
    ]);
    energy.nj_per_unit * (energy.l2 * l2_csv as f64 + energy.l1 * l1_accesses as f64)
}

/// The area and power columns of MAESTRO's CSV file: its fitted model of PEs, SIMD lanes, L1
/// and L2 SRAM banks and NoC (`docs/semantics/maestro.md`, "Reported columns").
struct CsvAreaAndPower {
    area: f64,
    pe_power: f64,
    l1_power: f64,
    l2_power: f64,
    noc_power: f64,
}

fn csv_area_and_power(hw: &Hardware, l1_sram_size: i64, l2_sram_size: i64) -> CsvAreaAndPower {
    let pes = hw.num_pes as f64;
    let lanes = hw.simd_lanes as f64;
    let bw = hw.noc_bw as f64;
    // SRAM banks of 64 (L1) and 32,768 (L2) elements, at least one each.
    let l1_banks = ceil_div(l1_sram_size, 64).max(1) as f64;
    let l2_banks = ceil_div(l2_sram_size, 32768).max(1) as f64;
    let quadratic = 1.2886 * pes * pes + 5.5814 * pes - 23.711;
    let linear = 14.662 * pes + 28.895;
    CsvAreaAndPower {
        area: pes * (4470.9014 * lanes + 4505.1889 * l1_banks)
            + 4161.536 * l2_banks
            + 101.7938 * linear * bw
            + (395.473f64).max(395.473 * quadratic),
        pe_power: 1.2223 * lanes * pes,
        l1_power: 0.2208 * l1_banks * pes,
        l2_power: 4.0 * l2_banks,
        noc_power: 0.8 * linear * bw / 1000.0 + (0.34f64).max(0.34 * quadratic / 1000.0),
    }
}

#[cfg(test)]
mod float_text_tests {
    use super::{write_float, write_int};
    use crate::util::Rng;

    /// `write_float` must print exactly what `{:?}` prints (NaN and infinities aside): random bit
    /// patterns, random values in every decade around the fast path's bounds, whole numbers,
    /// and the bounds themselves.
    #[test]
    fn float_text_matches_debug() {
        let mut rng = Rng::new(11);
        let mut values = vec![
            0.0,
            -0.0,
            1e-4,
            -1e-4,
            1e16,
            0.1 + 0.2,
            1.0 / 3.0,
            9_999_999_999_999_998.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::EPSILON,
        ];
        values.push(f64::from_bits(1e-4f64.to_bits() - 1));
        values.push(f64::from_bits(1e16f64.to_bits() - 1));
        for _ in 0..100_000 {
            // Bit 62 clear: the exponent field is never all ones, so the value is finite.
            values.push(f64::from_bits(rng.next_u64() & !(1 << 62)));
            let decade = rng.range(-6.0, 17.0).floor();
            values.push(rng.unit() * 10f64.powf(decade));
            values.push((rng.next_u64() >> (rng.below(60) + 4)) as f64);
        }
        // Exact ties, where ryu and `{:?}` round differently (`is_exact_tie`).
        // (Sums: both are exact in binary, and clippy reads long literals as too precise.)
        let ties = [
            196_943_220_168_440.0 + 0.125,
            2_455_158_451_613.0 + 0.781_25,
        ];
        values.extend(ties);
        values.extend([32.5, 0.000_125]);
        let mut checked = 0;
        for x in values {
            let mut text = String::new();
            write_float(&mut text, x);
            assert_eq!(text, format!("{x:?}"), "bits {:#x}", x.to_bits());
            checked += 1;
        }
        assert_eq!(checked, 300_017);
        let texts = ties.map(|x| ryu::Buffer::new().format_finite(x).to_string());
        assert_eq!(texts, ["196943220168440.12", "2455158451613.7812"]);
        assert_eq!(
            ties.map(|x| super::is_exact_tie(x, &format!("{x:?}"))),
            [true; 2]
        );
        assert!(!super::is_exact_tie(32.5, "32.5"));
        let mut special = String::new();
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            write_float(&mut special, x);
            special.push(' ');
        }
        assert_eq!(special, "nan inf -inf ");
    }

    #[test]
    fn int_text_matches_display() {
        let mut rng = Rng::new(12);
        for x in [0, -1, i64::MIN, i64::MAX]
            .into_iter()
            .chain((0..10_000).map(|_| rng.next_u64() as i64 >> rng.below(63)))
        {
            let mut text = String::new();
            write_int(&mut text, x);
            assert_eq!(text, x.to_string());
        }
    }
}
