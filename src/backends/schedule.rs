//! From IR to HDA scheduling: a `workload` becomes layer graphs, an `accelerator` a platform of
//! sub-accelerators, and the cost model fills the cost table (every layer × sub-accelerator
//! once, identical problems once, in parallel). Design-time partitioning re-splits the PE and
//! on-chip bandwidth budget between the same sub-accelerator styles; [`report`] gathers the
//! schedule report `dfc schedule` prints.

use std::collections::HashMap;

use super::cost::{self, Model};
use super::evaluate::{self, evaluate_distinct, Distinct};
use super::hda;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{self, instantiate::instantiate, AcceleratorId, Program, WorkloadId};

/// Everything a scheduler needs, built from a program.
pub struct ScheduleInputs {
    pub workload: hda::Workload,
    pub platform: hda::Platform,
    pub table: hda::CostTable,
    /// The same budget as one sub-accelerator per style (monolithic designs), each with the
    /// layers it cannot run.
    pub monolithic: Vec<hda::Monolithic>,
    /// The cost model's answer for every cell of `table`, reasons included ([`check`]).
    cells: Cells,
}

/// A sub-accelerator's recipe: its hardware (whose PE count and bandwidth a partition may
/// change) and its dataflow.
#[derive(Clone)]
struct Style {
    name: String,
    hardware: ir::Hardware,
    dataflow: ir::DataflowId,
    args: Vec<i64>,
}

fn bytes_per_element(hw: &ir::Hardware) -> f64 {
    f64::from(hw.precision.map_or(8, |p| p.bits)) / 8.0
}

fn styles(program: &Program, acc: &ir::Accelerator) -> Vec<Style> {
    acc.subs
        .iter()
        .map(|s| Style {
            name: program.dataflow(s.dataflow).name.clone(),
            hardware: program.hardware(s.hardware).clone(),
            dataflow: s.dataflow,
            args: s.args.clone(),
        })
        .collect()
}

fn sub_accel(name: &str, style: &Style) -> hda::SubAccel {
    let hw = &style.hardware;
    hda::SubAccel {
        name: name.to_string(),
        dataflow_style: style.name.clone(),
        pes: u32::try_from(hw.pes).unwrap_or(u32::MAX),
        noc_bw: hw.noc_bandwidth.elements_per_cycle(hw.precision) as f64 * bytes_per_element(hw),
        buffer_bytes: hw.l2.bytes(hw.precision),
    }
}

fn graphs(program: &Program, workload: &ir::Workload) -> hda::Workload {
    hda::Workload {
        networks: workload
            .networks
            .iter()
            .map(|(id, rate)| {
                let net = program.network(*id);
                hda::NetworkGraph {
                    name: net.name.clone(),
                    layers: net
                        .layers
                        .iter()
                        .map(|l| hda::LayerNode {
                            name: l.name.clone(),
                            preds: l.preds.clone(),
                        })
                        .collect(),
                    frame_rate: *rate,
                }
            })
            .collect(),
    }
}

/// `cells[network][layer][sub_accelerator]`: a layer's cost on a sub-accelerator, or why the
/// cost model cannot run it there.
type Cells = Vec<Vec<Vec<Result<hda::Cost, String>>>>;

/// The cost of every layer of the workload on every style, with each style's hardware
/// resized to the given sub-accelerator (PEs, on-chip bandwidth, buffer).
fn cost_cells(
    program: &Program,
    workload: &ir::Workload,
    subs: &[(Style, hda::SubAccel)],
) -> Cells {
    // Every (layer, sub-accelerator) as a cost-model problem (or why there is none), layer by
    // layer; identical problems are evaluated once.
    let layers: Vec<&ir::Layer> = workload
        .networks
        .iter()
        .flat_map(|(id, _)| program.network(*id).layers.iter())
        .collect();
    let prepared: Vec<Result<_, String>> = layers
        .iter()
        .flat_map(|layer| {
            subs.iter().enumerate().map(move |(s, (style, sub))| {
                let df = program.dataflow(style.dataflow);
                let dirs = instantiate(df, &style.args, layer).map_err(|e| e.message)?;
                let mut hw = style.hardware.clone();
                resize(&mut hw, sub);
                let problem = evaluate::problem(
                    layer,
                    &dirs,
                    layer.shape.batch_declared || layer.shape.n > 1,
                    Model::Default,
                );
                let hardware = evaluate::hardware(&hw, None, Model::Default);
                Ok((
                    (problem.clone(), s),
                    (problem, hardware, bytes_per_element(&hw)),
                ))
            })
        })
        .collect();
    let items = prepared
        .iter()
        .map(|p| p.as_ref().ok().map(|(key, value)| (key, value)));
    let Distinct { results, slots } = evaluate_distinct(items, |(problem, hardware, bytes)| {
        cost::evaluate(problem, hardware, Model::Default)
            .map(|m| hda::Cost {
                runtime_cycles: m.runtime_cycles as f64,
                energy: m.total_energy_exact,
                // Compulsory off-chip traffic: each input, weight and output element once.
                dram_bytes: (m.input_l2_write + m.filter_l2_write + m.output_l2_read) as f64
                    * bytes,
            })
            .map_err(|e| e.to_string())
    });
    // Back into `cells[network][layer][sub_accelerator]`, in the same layer order.
    let mut cells = prepared.iter().zip(slots).map(|(p, slot)| match (p, slot) {
        (Err(why), _) => Err(why.clone()),
        (Ok(_), Some(i)) => results[i].clone(),
        (Ok(_), None) => Err("no cost problem".to_string()),
    });
    workload
        .networks
        .iter()
        .map(|(id, _)| {
            (0..program.network(*id).layers.len())
                .map(|_| cells.by_ref().take(subs.len()).collect())
                .collect()
        })
        .collect()
}

fn table_of(cells: &Cells) -> hda::CostTable {
    hda::CostTable {
        costs: cells
            .iter()
            .map(|net| {
                net.iter()
                    .map(|row| row.iter().map(|c| c.as_ref().ok().copied()).collect())
                    .collect()
            })
            .collect(),
    }
}

/// The layers no sub-accelerator of `cells` runs, with each sub-accelerator's reason.
fn runs_nowhere<'a>(
    program: &'a Program,
    workload: &ir::Workload,
    cells: &'a Cells,
) -> Vec<(&'a ir::Network, &'a ir::Layer, Vec<&'a str>)> {
    let mut out = Vec::new();
    for ((id, _), net_cells) in workload.networks.iter().zip(cells) {
        let net = program.network(*id);
        for (layer, row) in net.layers.iter().zip(net_cells) {
            if row.iter().all(Result::is_err) {
                let why = row
                    .iter()
                    .filter_map(|c| c.as_ref().err())
                    .map(String::as_str);
                out.push((net, layer, why.collect()));
            }
        }
    }
    out
}

/// Give `hw` the sub-accelerator's PEs, on-chip bandwidth and buffer share.
fn resize(hw: &mut ir::Hardware, sub: &hda::SubAccel) {
    let bytes = bytes_per_element(hw);
    hw.pes = u64::from(sub.pes.max(1));
    hw.noc_bandwidth =
        ir::Bandwidth::ElementsPerCycle(((sub.noc_bw / bytes).floor() as u64).max(1));
    hw.l2 = ir::Size::Bytes(sub.buffer_bytes.max(1));
}

fn platform(acc: &ir::Accelerator, subs: Vec<hda::SubAccel>) -> hda::Platform {
    let dram_bw = acc.dram_bandwidth.map_or(f64::INFINITY, |b| match b {
        ir::Bandwidth::BytesPerCycle(n) => n as f64,
        ir::Bandwidth::ElementsPerCycle(n) => n as f64,
    });
    hda::Platform {
        sub_accels: subs,
        dram_bw,
        global_buffer_bytes: acc.global_buffer.map_or(0, |g| g.bytes(None)),
        clock_hz: acc.clock_hz,
    }
}

/// Build the scheduler's inputs for `accelerator` running `workload`.
pub fn inputs(program: &Program, acc_id: AcceleratorId, wl_id: WorkloadId) -> ScheduleInputs {
    let acc = &program.accelerators[acc_id.index()];
    let workload = &program.workloads[wl_id.index()];
    let styles = styles(program, acc);
    let subs: Vec<(Style, hda::SubAccel)> = acc
        .subs
        .iter()
        .zip(&styles)
        .map(|(s, st)| (st.clone(), sub_accel(&s.name, st)))
        .collect();
    let cells = cost_cells(program, workload, &subs);
    // Monolithic: each style alone with the whole budget.
    let total_pes: u32 = subs.iter().map(|s| s.1.pes).sum();
    let total_bw: f64 = subs.iter().map(|s| s.1.noc_bw).sum();
    let total_buffer: u64 = subs.iter().map(|s| s.1.buffer_bytes).sum();
    let mut monolithic = Vec::new();
    for (style, sub) in &subs {
        let whole = hda::SubAccel {
            name: format!("{} (whole budget)", style.name),
            pes: total_pes,
            noc_bw: total_bw,
            buffer_bytes: total_buffer,
            ..sub.clone()
        };
        let mono_cells = cost_cells(program, workload, &[(style.clone(), whole.clone())]);
        let cannot_run = runs_nowhere(program, workload, &mono_cells)
            .into_iter()
            .map(|(net, layer, why)| hda::CannotRun {
                network: net.name.clone(),
                layer: layer.name.clone(),
                reason: why.concat(),
            })
            .collect();
        monolithic.push(hda::Monolithic {
            platform: platform(acc, vec![whole]),
            table: table_of(&mono_cells),
            cannot_run,
        });
    }
    ScheduleInputs {
        workload: graphs(program, workload),
        platform: platform(acc, subs.into_iter().map(|s| s.1).collect()),
        table: table_of(&cells),
        monolithic,
        cells,
    }
}

/// What makes the accelerator unable to run the workload, as diagnostics: a layer that no
/// sub-accelerator runs (E0505, at the layer, with each sub-accelerator's reason), and frame
/// rates without a clock to turn them into deadlines (E0403).
pub fn check(
    program: &Program,
    acc_id: AcceleratorId,
    wl_id: WorkloadId,
    inputs: &ScheduleInputs,
) -> Vec<Diagnostic> {
    let acc = &program.accelerators[acc_id.index()];
    let workload = &program.workloads[wl_id.index()];
    let mut diags = Vec::new();
    for (net, layer, why) in runs_nowhere(program, workload, &inputs.cells) {
        let mut d = Diagnostic::at(
            Code::LayerRunsNowhere,
            layer.span,
            format!(
                "layer `{}` of network `{}` runs on no sub-accelerator of `{}`",
                layer.name, net.name, acc.name
            ),
            "no sub-accelerator can run this layer",
        )
        .with_label(acc.span, "the sub-accelerators tried");
        for (sub, reason) in acc.subs.iter().zip(why) {
            d = d.with_note(format!("`{}`: {reason}", sub.name));
        }
        diags.push(d.with_help(
            "add a sub-accelerator whose dataflow fits this layer, or see `dfc explain E0505`",
        ));
    }
    if acc.clock_hz.is_none() && workload.networks.iter().any(|(_, r)| r.is_some()) {
        diags.push(
            Diagnostic::at(
                Code::NoClock,
                workload.span,
                format!(
                    "workload `{}` gives frame rates, but accelerator `{}` has no clock",
                    workload.name, acc.name
                ),
                "frame rates here",
            )
            .with_label(acc.span, format!("`{}` has no `clock`", acc.name))
            .with_help(
                "give the accelerator a clock (`clock: 1 GHz;`) so that frame rates become \
                 deadlines, or drop the rates; see `dfc explain E0403`",
            ),
        );
    }
    diags
}

/// Design-time partitioning: re-split the accelerator's PE and on-chip bandwidth budget
/// between its sub-accelerator styles on a grid, and schedule each split.
pub fn partition(
    program: &Program,
    acc_id: AcceleratorId,
    wl_id: WorkloadId,
    objective: hda::Objective,
) -> Result<hda::PartitionResult, hda::HdaError> {
    let acc = &program.accelerators[acc_id.index()];
    let workload = &program.workloads[wl_id.index()];
    let styles = styles(program, acc);
    let subs: Vec<hda::SubAccel> = acc
        .subs
        .iter()
        .zip(&styles)
        .map(|(s, st)| sub_accel(&s.name, st))
        .collect();
    let by_name: HashMap<String, Style> =
        styles.iter().map(|s| (s.name.clone(), s.clone())).collect();
    let mut style_sets: Vec<Vec<String>> = vec![styles.iter().map(|s| s.name.clone()).collect()];
    style_sets.extend(styles.iter().map(|s| vec![s.name.clone()]));
    let platform = platform(acc, subs.clone());
    let spec = hda::PartitionSpec {
        style_sets,
        total_pes: subs.iter().map(|s| s.pes).sum(),
        total_noc_bw: subs.iter().map(|s| s.noc_bw).sum(),
        global_buffer_bytes: subs.iter().map(|s| s.buffer_bytes).sum(),
        dram_bw: platform.dram_bw,
        clock_hz: platform.clock_hz,
        pe_steps: 16,
        bw_steps: 8,
        objective,
    };
    let graph = graphs(program, workload);
    hda::partition(&graph, &spec, |split: &[hda::SubAccel]| {
        let recipe: Result<Vec<(Style, hda::SubAccel)>, String> = split
            .iter()
            .map(|s| {
                by_name
                    .get(&s.dataflow_style)
                    .map(|st| (st.clone(), s.clone()))
                    .ok_or_else(|| format!("no style `{}`", s.dataflow_style))
            })
            .collect();
        Ok(table_of(&cost_cells(program, workload, &recipe?)))
    })
}

/// The schedule report of `accelerator` running `workload` (whose scheduler inputs are
/// `inputs`): HERALD against the naive scheduler and each monolithic design, plus the
/// design-time partition sweep when `sweep_partitions` is set.
pub fn report(
    program: &Program,
    acc_id: AcceleratorId,
    wl_id: WorkloadId,
    inputs: &ScheduleInputs,
    objective: hda::Objective,
    sweep_partitions: bool,
) -> Result<hda::ScheduleReport, hda::HdaError> {
    let comparison = hda::Comparison {
        accelerator_name: &program.accelerators[acc_id.index()].name,
        workload_name: &program.workloads[wl_id.index()].name,
        workload: &inputs.workload,
        platform: &inputs.platform,
        table: &inputs.table,
        monolithic: &inputs.monolithic,
    };
    let mut report = hda::schedule_report(&comparison, objective)?;
    if sweep_partitions {
        let sweep = partition(program, acc_id, wl_id, objective)?;
        report.partition = Some(hda::PartitionSummary::new(&sweep));
    }
    Ok(report)
}
