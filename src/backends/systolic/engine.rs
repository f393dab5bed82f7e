//! Drives the memory models over the demand lines and assembles the report (`docs/semantics/scalesim.md`,
//! "CALC read buffer", "USER read buffer", "OFMAP write buffer" and "Report columns").
//!
//! Two drivers, one behaviour:
//!
//! * [`calc_fast`] (CALC mode, reports only). Reads never stall in CALC mode, so the OFMAP
//!   write buffer — the only source of stalls — runs first over per-line write counts; the two
//!   read buffers then replay their address streams against the resulting issue cycles, or are
//!   skipped entirely when the operand never fills half its SRAM (the simple regime,
//!   see `docs/semantics/scalesim.md`, "CALC read buffer").
//! * [`interleaved`] (USER mode, and every trace). Line by line, IFMAP then FILTER then OFMAP,
//!   as SCALE-Sim does; a [`Hooks`] implementation sees every line and every DRAM transfer.
//!   With [`NoHooks`] all tracing code compiles away.

use super::compute::{compute_values, ratio, ComputeValues};
use super::geometry::{Fold, Geometry, Lane, Op};
use super::memory::{calc_emissions, CalcRead, Emission, LayoutBanks, OfmapWriter, UserRead};
use super::report::{Access, LayerReport};
use super::sparse::{metadata_bandwidth, storage, SparseReport};
use super::{Bandwidth, Model, SimError};

/// A report plus the CALC prefetch plan the trace writer needs.
pub(crate) struct Outcome {
    pub report: LayerReport,
    /// CALC mode: the DRAM prefetches of IFMAP and FILTER, in order.
    pub emissions: [Vec<Emission>; 2],
}

pub(crate) fn run(g: &Geometry) -> Result<LayerReport, SimError> {
    Ok(run_detailed(g)?.report)
}

pub(crate) fn run_detailed(g: &Geometry) -> Result<Outcome, SimError> {
    match g.bandwidth {
        Bandwidth::Calc => calc_fast(g),
        Bandwidth::User { .. } => interleaved(g, &mut NoHooks),
    }
}

/// Lines of a fold in which a lane holds anything: `a..b`.
#[inline]
pub(crate) fn span(lane: &Lane, r: i64, lf: i64) -> (i64, i64) {
    let (a, b) = match *lane {
        Lane::Skew { off, len, used } => {
            if len <= 0 || used <= 0 {
                (0, 0)
            } else {
                (off, off + len + used - 1)
            }
        }
        Lane::Stat { rows, used } => {
            if rows <= 0 || used <= 0 {
                (0, 0)
            } else {
                (r - rows, r)
            }
        }
    };
    (a.max(0), b.min(lf))
}

/// Global index of the first (or last) demand line holding a real address of `op`.
fn real_line(g: &Geometry, op: Op, last: bool) -> Option<u64> {
    let (r, lf) = (g.r as i64, g.lf as i64);
    let folds: Box<dyn Iterator<Item = u64>> = if last {
        Box::new((0..g.folds).rev())
    } else {
        Box::new(0..g.folds)
    };
    for f in folds {
        let fd = g.fold(f);
        let lane = g.lane(op, &fd);
        let (a, b) = span(&lane, r, lf);
        let hit = if last {
            (a..b).rev().find(|&l| g.line_has_real(op, &fd, &lane, l))
        } else {
            (a..b).find(|&l| g.line_has_real(op, &fd, &lane, l))
        };
        if let Some(l) = hit {
            return Some(f * g.lf + l as u64);
        }
    }
    None
}

/// Stall cycles accumulated before `line`; `events` holds (line, stalls up to and including
/// that line) for every line that stalled, in line order.
fn stalls_before(events: &[(u64, u64)], line: u64) -> u64 {
    let i = events.partition_point(|&(l, _)| l < line);
    if i == 0 {
        0
    } else {
        events[i - 1].1
    }
}

fn no_real(op: Op) -> SimError {
    SimError::Layer(format!(
        "the {op:?} operand has no address to read or write"
    ))
}

/// CALC mode without traces.
pub(crate) fn calc_fast(g: &Geometry) -> Result<Outcome, SimError> {
    let (r, lf) = (g.r as i64, g.lf as i64);
    // OFMAP first: the only source of stalls.
    let mut w = OfmapWriter::new(g.sram_words[2], g.c, g.model == Model::Default, false);
    let mut stalls = 0u64;
    let mut events: Vec<(u64, u64)> = Vec::new();
    let mut o_span: Option<(i64, i64)> = None;
    for f in 0..g.folds {
        let fd = g.fold(f);
        let lane = g.lane(Op::Ofmap, &fd);
        let (a, b) = span(&lane, r, lf);
        let base = f * g.lf;
        for l in a..b {
            let (lo, hi) = lane.range(l, r);
            if lo >= hi {
                continue;
            }
            let line = base + l as u64;
            let t = (line + stalls) as i64;
            let c = w.write(t, (hi - lo) as u64);
            if c > t {
                stalls += (c - t) as u64;
                events.push((line, stalls));
            }
            o_span = Some(match o_span {
                None => (c, c),
                Some((s, _)) => (s, c),
            });
        }
    }
    let c_last = (g.lines - 1 + stalls) as i64;
    w.finish(c_last);
    let o_span = o_span.ok_or_else(|| no_real(Op::Ofmap))?;
    let mut sram = [(0, 0); 3];
    sram[2] = o_span;
    let mut dram = [Access {
        start_cycle: 0,
        stop_cycle: 0,
        count: 0,
    }; 3];
    dram[2] = Access {
        start_cycle: w.start,
        stop_cycle: w.stop,
        count: w.writes,
    };
    let mut emissions: [Vec<Emission>; 2] = [Vec::new(), Vec::new()];
    for (oi, op) in [Op::Ifmap, Op::Filter].into_iter().enumerate() {
        let first = real_line(g, op, false).ok_or_else(|| no_real(op))?;
        let last = real_line(g, op, true).ok_or_else(|| no_real(op))?;
        let t_of = |line: u64| (line + stalls_before(&events, line)) as i64;
        sram[oi] = (t_of(first) + 1, t_of(last) + 1);
        let items = g.sram_words[oi] / 100;
        let u = g.distinct(op);
        let (completions, final_count, reads) = if u < 50 * items {
            // Simple regime: no window ever completes; every distinct address is read once.
            (Vec::new(), u, u)
        } else {
            let mut rd = CalcRead::new(g.sram_words[oi], g.space[oi], false);
            let (mut ev, mut cum) = (0usize, 0u64);
            for f in 0..g.folds {
                let fd = g.fold(f);
                let lane = g.lane(op, &fd);
                let (a, b) = span(&lane, r, lf);
                let base = f * g.lf;
                for l in a..b {
                    let line = base + l as u64;
                    while ev < events.len() && events[ev].0 < line {
                        cum = events[ev].1;
                        ev += 1;
                    }
                    let t = (line + cum) as i64;
                    g.for_line(op, &fd, &lane, l, |_, idx| {
                        rd.access(idx, t);
                    });
                }
            }
            let fc = rd.final_count();
            (std::mem::take(&mut rd.completions), fc, rd.reads)
        };
        let em = calc_emissions(
            items,
            g.fill_bw,
            t_of(first),
            &completions,
            final_count,
            g.model == Model::Default,
        )?;
        dram[oi] = dram_of(&em, reads);
        emissions[oi] = em;
    }
    let total = match g.model {
        Model::Scalesim => c_last as u64,
        Model::Default => g.lines + stalls,
    };
    let report = assemble(g, compute_values(g), total, stalls, sram, dram)?;
    Ok(Outcome { report, emissions })
}

fn dram_of(em: &[Emission], reads: u64) -> Access {
    let (first, last) = (em[0], em[em.len() - 1]);
    Access {
        start_cycle: first.start,
        stop_cycle: last.start + last.cycles as i64 - 1,
        count: reads,
    }
}

/// A read buffer of either mode.
pub(crate) enum ReadModel {
    Calc(CalcRead),
    User(UserRead),
}

/// Observer of the interleaved driver (the trace writer).
pub(crate) trait Hooks {
    /// False for [`NoHooks`]: lets the compiler drop the tracing code.
    const ON: bool;
    /// Demand line `line` (line `l` of fold `fd`) was served at `served` (IFMAP, FILTER,
    /// OFMAP).
    fn line(&mut self, g: &Geometry, line: u64, fd: &Fold, l: i64, served: [i64; 3]);
    /// One real OFMAP write, in demand order.
    fn ofmap_write(&mut self, idx: u32);
    /// After each line, and once more with `end` after the final drain: DRAM transfers
    /// recorded by the models since the last call.
    fn transfers(
        &mut self,
        g: &Geometry,
        reads: &mut [ReadModel; 2],
        w: &mut OfmapWriter,
        first_req: [Option<i64>; 2],
        end: bool,
    );
}

/// No observer.
pub(crate) struct NoHooks;

impl Hooks for NoHooks {
    const ON: bool = false;
    fn line(&mut self, _: &Geometry, _: u64, _: &Fold, _: i64, _: [i64; 3]) {}
    fn ofmap_write(&mut self, _: u32) {}
    fn transfers(
        &mut self,
        _: &Geometry,
        _: &mut [ReadModel; 2],
        _: &mut OfmapWriter,
        _: [Option<i64>; 2],
        _: bool,
    ) {
    }
}

/// Line-by-line driver: USER mode, and CALC mode when tracing.
pub(crate) fn interleaved<H: Hooks>(g: &Geometry, hooks: &mut H) -> Result<Outcome, SimError> {
    let (r, lf) = (g.r as i64, g.lf as i64);
    let fixed = g.model == Model::Default;
    let (mut reads, line_words) = match g.bandwidth {
        Bandwidth::Calc => (
            [
                ReadModel::Calc(CalcRead::new(g.sram_words[0], g.space[0], H::ON)),
                ReadModel::Calc(CalcRead::new(g.sram_words[1], g.space[1], H::ON)),
            ],
            g.c,
        ),
        Bandwidth::User {
            ifmap,
            filter,
            ofmap,
        } => {
            let ri = user_read(g, 0, ifmap, H::ON)?;
            let rf = user_read(g, 1, filter, H::ON)?;
            ([ReadModel::User(ri), ReadModel::User(rf)], ofmap)
        }
    };
    let mut w = OfmapWriter::new(g.sram_words[2], line_words, fixed, H::ON);
    let mut stalls = 0u64;
    let mut buf: Vec<u32> = Vec::with_capacity(g.r.max(g.c) as usize);
    let mut first_req: [Option<i64>; 2] = [None, None];
    let mut sram: [Option<(i64, i64)>; 3] = [None; 3];
    let mut c_last = 0i64;
    for f in 0..g.folds {
        let fd = g.fold(f);
        let lanes = [
            g.lane(Op::Ifmap, &fd),
            g.lane(Op::Filter, &fd),
            g.lane(Op::Ofmap, &fd),
        ];
        let base = f * g.lf;
        for l in 0..lf {
            let line = base + l as u64;
            let t = (line + stalls) as i64;
            let mut served = [t + 1, t + 1, t];
            for (oi, op) in [Op::Ifmap, Op::Filter].into_iter().enumerate() {
                buf.clear();
                g.for_line(op, &fd, &lanes[oi], l, |_, a| buf.push(a));
                let has = !buf.is_empty();
                if has && first_req[oi].is_none() {
                    first_req[oi] = Some(t);
                }
                match &mut reads[oi] {
                    ReadModel::Calc(m) => {
                        for &a in &buf {
                            m.access(a, t);
                        }
                    }
                    ReadModel::User(m) => served[oi] = m.serve(t, &buf)?,
                }
                if has {
                    update(&mut sram[oi], served[oi]);
                }
            }
            let n = if H::ON {
                let mut n = 0u64;
                g.for_line(Op::Ofmap, &fd, &lanes[2], l, |_, a| {
                    hooks.ofmap_write(a);
                    n += 1;
                });
                n
            } else {
                let (lo, hi) = lanes[2].range(l, r);
                (hi - lo).max(0) as u64
            };
            let c = w.write(t, n);
            served[2] = c;
            if n > 0 {
                update(&mut sram[2], c);
            }
            let stall = (served[0] - t - 1).max(served[1] - t - 1).max(c - t).max(0);
            stalls += stall as u64;
            c_last = c;
            if H::ON {
                hooks.line(g, line, &fd, l, served);
                hooks.transfers(g, &mut reads, &mut w, first_req, false);
            }
        }
    }
    w.finish(c_last);
    if H::ON {
        hooks.transfers(g, &mut reads, &mut w, first_req, true);
    }
    let (sram_out, dram, emissions) = finish_reads(g, &reads, &w, first_req, sram)?;
    let total = match g.model {
        Model::Scalesim => c_last.max(0) as u64,
        Model::Default => g.lines + stalls,
    };
    let report = assemble(g, compute_values(g), total, stalls, sram_out, dram)?;
    Ok(Outcome { report, emissions })
}

/// SRAM spans, per-operand DRAM accesses and CALC prefetch plans once every line is served.
pub(crate) fn finish_reads(
    g: &Geometry,
    reads: &[ReadModel; 2],
    w: &OfmapWriter,
    first_req: [Option<i64>; 2],
    sram: [Option<(i64, i64)>; 3],
) -> Result<Spans, SimError> {
    let fixed = g.model == Model::Default;
    let mut sram_out = [(0, 0); 3];
    for (i, op) in [Op::Ifmap, Op::Filter, Op::Ofmap].into_iter().enumerate() {
        sram_out[i] = sram[i].ok_or_else(|| no_real(op))?;
    }
    let mut dram = [Access {
        start_cycle: 0,
        stop_cycle: 0,
        count: 0,
    }; 3];
    let mut emissions: [Vec<Emission>; 2] = [Vec::new(), Vec::new()];
    for oi in 0..2 {
        match &reads[oi] {
            ReadModel::Calc(m) => {
                let fr = first_req[oi].ok_or_else(|| no_real(Op::Ifmap))?;
                let em = calc_emissions(
                    m.items(),
                    g.fill_bw,
                    fr,
                    &m.completions,
                    m.final_count(),
                    fixed,
                )?;
                dram[oi] = dram_of(&em, m.reads);
                emissions[oi] = em;
            }
            ReadModel::User(m) => {
                dram[oi] = Access {
                    start_cycle: m.first,
                    stop_cycle: m.last,
                    count: m.reads,
                };
            }
        }
    }
    dram[2] = Access {
        start_cycle: w.start,
        stop_cycle: w.stop,
        count: w.writes,
    };
    Ok((sram_out, dram, emissions))
}

/// SRAM start/stop per operand, DRAM accesses, CALC prefetch plans.
pub(crate) type Spans = ([(i64, i64); 3], [Access; 3], [Vec<Emission>; 2]);

/// The USER read buffer of IFMAP (`oi` 0) or FILTER (1): the custom layout's fetch order
/// and banks when it has one, else the dataflow's fetch order.
pub(crate) fn user_read(
    g: &Geometry,
    oi: usize,
    bw: u64,
    record: bool,
) -> Result<UserRead, SimError> {
    let fixed = g.model == Model::Default;
    let (space, sram) = (g.space[oi], g.sram_words[oi]);
    if let Some(seq) = &g.custom_fetch[oi] {
        let banks = LayoutBanks {
            num: g.banks[oi].num,
            ports: g.banks[oi].ports,
            offset: g.offsets[oi],
        };
        return UserRead::new(seq, space, sram, bw, fixed, record, Some(banks));
    }
    let op = [Op::Ifmap, Op::Filter][oi];
    UserRead::new(&g.fetch_sequence(op)?, space, sram, bw, fixed, record, None)
}

#[inline]
pub(crate) fn update(span: &mut Option<(i64, i64)>, c: i64) {
    *span = Some(match *span {
        None => (c, c),
        Some((s, _)) => (s, c),
    });
}

/// Builds the report columns in SCALE-Sim's evaluation order (see `docs/semantics/scalesim.md`, "Report columns").
pub(crate) fn assemble(
    g: &Geometry,
    cv: ComputeValues,
    total: u64,
    stalls: u64,
    sram: [(i64, i64); 3],
    dram: [Access; 3],
) -> Result<LayerReport, SimError> {
    if total == 0 {
        return Err(SimError::ScalesimFails(
            "the layer takes zero cycles (division by zero in the utilisation)".to_string(),
        ));
    }
    let rc = (g.r as u128) * (g.c as u128);
    let total_u = total as u128;
    let per = |x: u64| ratio(x as u128, total_u);
    let dram_bw = |a: &Access| a.count as f64 / ((a.stop_cycle - a.start_cycle + 1) as f64);
    let first_dram = dram[0].start_cycle.min(dram[1].start_cycle);
    let incl = dram[2].stop_cycle - first_dram + if g.model == Model::Default { 1 } else { 0 };
    let sparse = sparse_report(g, total);
    let avg_ifmap_sram_bw = match sparse.as_ref().and_then(|s| s.ifmap_sram_reads) {
        Some(reads) => reads / total as f64,
        None => per(cv.sram_reads[0]),
    };
    let sram_acc = |i: usize| Access {
        start_cycle: sram[i].0,
        stop_cycle: sram[i].1,
        count: cv.sram_reads[i],
    };
    Ok(LayerReport {
        name: g.name.clone(),
        model: g.model,
        dataflow: g.df,
        ifmap_h: g.h,
        ifmap_w: g.w,
        filter_h: g.fh,
        filter_w: g.fw,
        channels: g.ch,
        num_filters: g.n,
        stride_h: g.sh,
        stride_w: g.sw,
        ofmap_h: g.eh,
        ofmap_w: g.ew,
        ofmap_px: g.p,
        window: g.sparse.map_or(g.k, |s| s.k_dense),
        macs: g.macs,
        row_folds: g.fr,
        col_folds: g.fc,
        demand_lines: g.lines,
        total_cycles_incl_prefetch: incl,
        total_cycles: total,
        stall_cycles: stalls,
        overall_util_pct: ratio(g.macs as u128 * 100, total_u * rc),
        mapping_efficiency_pct: cv.mapping_eff_pct,
        compute_util_pct: cv.compute_util_pct,
        avg_ifmap_sram_bw,
        avg_filter_sram_bw: per(cv.sram_reads[1]),
        avg_ofmap_sram_bw: per(cv.sram_reads[2]),
        avg_ifmap_dram_bw: dram_bw(&dram[0]),
        avg_filter_dram_bw: dram_bw(&dram[1]),
        avg_ofmap_dram_bw: dram_bw(&dram[2]),
        sram_ifmap: sram_acc(0),
        sram_filter: sram_acc(1),
        sram_ofmap: sram_acc(2),
        dram_ifmap: dram[0],
        dram_filter: dram[1],
        dram_ofmap: dram[2],
        sparse,
    })
}

/// The sparse columns (see `docs/semantics/scalesim.md`, "N:M sparsity"), in SCALE-Sim's
/// arithmetic: WS IFMAP reads summed per fold as floats, bandwidths as Python divisions.
fn sparse_report(g: &Geometry, total: u64) -> Option<SparseReport> {
    // The optimized mapping's columns come from `optimized.rs`.
    let sp = g.sparse.filter(|s| s.optimized.is_none())?;
    let (n, m) = sp.ratio;
    let (original_storage, new_storage, metadata_storage) =
        storage(sp.representation, sp.k_dense, g.k, g.n, m);
    let avg_metadata_sram_bw = metadata_bandwidth(metadata_storage, total);
    let ifmap_sram_reads = (g.df == super::Dataflow::Ws).then(|| {
        let factor = m as f64 / n as f64;
        let mut reads = 0.0f64;
        for f in 0..g.folds {
            reads += (g.t * g.fold(f).ru) as f64 * factor;
        }
        reads
    });
    Some(SparseReport {
        representation: sp.representation,
        ratio: sp.ratio,
        original_storage,
        new_storage,
        metadata_storage,
        avg_metadata_sram_bw,
        ifmap_sram_reads,
    })
}
