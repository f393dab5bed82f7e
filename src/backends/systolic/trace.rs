//! Streaming SRAM and DRAM cycle traces in SCALE-Sim's format (see `docs/semantics/scalesim.md`, "Traces").
//!
//! The six files of a layer are written row by row while the interleaved driver walks the
//! demand lines; nothing larger than one DRAM prefetch window is held in memory. The caller
//! owns the files: [`TraceSink`] hands out one [`Write`] per [`TraceFile`].
//!
//! * SRAM traces: `served_cycle,addr_0,…,addr_{w−1}` per demand line, integers, −1 for an
//!   empty slot — byte-identical to SCALE-Sim.
//! * DRAM traces: `cycle,addr,…` with every value printed as a Python float (`-66.0`).
//!   In the SCALE-Sim model the CALC read prefetches list each set of addresses in CPython's
//!   `set` iteration order (emulated here, quirk Q14) and pad rows of narrower prefetches with
//!   `1.0` (Q12); USER prefetches restart from a fixed fetch row and blank fetch entries in
//!   place (Q13). The default model writes demand order, pads with −1 and advances the fetch
//!   pointer.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, BufWriter, Write};

use super::engine::{interleaved, run_detailed, Hooks, ReadModel};
use super::geometry::{Fold, Geometry, Op, NONE};
use super::memory::{Emission, OfmapWriter, UserFetch};
use super::{ArrayConfig, Bandwidth, Layer, LayerReport, Model, SimError};

/// One of the six trace files of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TraceFile {
    IfmapSram,
    FilterSram,
    OfmapSram,
    IfmapDram,
    FilterDram,
    OfmapDram,
}

impl TraceFile {
    pub const ALL: [TraceFile; 6] = [
        TraceFile::IfmapSram,
        TraceFile::FilterSram,
        TraceFile::OfmapSram,
        TraceFile::IfmapDram,
        TraceFile::FilterDram,
        TraceFile::OfmapDram,
    ];

    /// SCALE-Sim's file name (inside `layerN/`).
    pub fn file_name(self) -> &'static str {
        match self {
            TraceFile::IfmapSram => "IFMAP_SRAM_TRACE.csv",
            TraceFile::FilterSram => "FILTER_SRAM_TRACE.csv",
            TraceFile::OfmapSram => "OFMAP_SRAM_TRACE.csv",
            TraceFile::IfmapDram => "IFMAP_DRAM_TRACE.csv",
            TraceFile::FilterDram => "FILTER_DRAM_TRACE.csv",
            TraceFile::OfmapDram => "OFMAP_DRAM_TRACE.csv",
        }
    }
}

/// Where the trace files of one layer go (the CLI maps this to `DIR/layerN/<file name>`).
pub trait TraceSink {
    type W: Write;
    fn create(&mut self, file: TraceFile) -> io::Result<Self::W>;
}

/// A sink that keeps the files in memory (for tests and small layers).
#[derive(Debug, Default)]
pub struct MemorySink {
    files: HashMap<TraceFile, std::rc::Rc<std::cell::RefCell<Vec<u8>>>>,
}

impl MemorySink {
    /// The bytes written to `file` (empty if never created).
    pub fn contents(&self, file: TraceFile) -> Vec<u8> {
        self.files
            .get(&file)
            .map(|b| b.borrow().clone())
            .unwrap_or_default()
    }
}

/// Writer of a [`MemorySink`] file.
pub struct MemoryFile(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for MemoryFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl TraceSink for MemorySink {
    type W = MemoryFile;
    fn create(&mut self, file: TraceFile) -> io::Result<MemoryFile> {
        let b = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        self.files.insert(file, b.clone());
        Ok(MemoryFile(b))
    }
}

/// Why traces could not be written.
#[derive(Debug)]
pub enum TraceError {
    Sim(SimError),
    Io(io::Error),
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Sim(e) => e.fmt(f),
            TraceError::Io(e) => write!(f, "cannot write trace: {e}"),
        }
    }
}

impl std::error::Error for TraceError {}

impl From<SimError> for TraceError {
    fn from(e: SimError) -> Self {
        TraceError::Sim(e)
    }
}

impl From<io::Error> for TraceError {
    fn from(e: io::Error) -> Self {
        TraceError::Io(e)
    }
}

/// Simulates `layer` and streams its six trace files into `sink`; returns the layer's report
/// (identical to [`super::simulate`]'s).
pub fn write_traces<S: TraceSink>(
    layer: &Layer,
    config: &ArrayConfig,
    model: Model,
    sink: &mut S,
) -> Result<LayerReport, TraceError> {
    let g = Geometry::new(layer, config, model)?;
    if g.sparse.is_some() {
        // Sparse FILTER indices are renumbered (`sparse.rs`): not trace addresses.
        return Err(SimError::Unsupported("traces of a run with sparsity on".to_string()).into());
    }
    if g.custom_fetch.iter().any(Option::is_some) {
        return Err(SimError::LayoutUnsupported("traces of a custom layout".to_string()).into());
    }
    // The CALC prefetch plan (timing and width of every prefetch) is needed before the first
    // DRAM row: SCALE-Sim pads all rows to the widest prefetch.
    let plan = match g.bandwidth {
        Bandwidth::Calc => run_detailed(&g)?.emissions,
        Bandwidth::User { .. } => [Vec::new(), Vec::new()],
    };
    let mut files = Vec::with_capacity(6);
    for f in TraceFile::ALL {
        files.push(BufWriter::with_capacity(1 << 16, sink.create(f)?));
    }
    let compat = model == Model::Scalesim;
    let user = match g.bandwidth {
        Bandwidth::Calc => [None, None],
        Bandwidth::User { ifmap, filter, .. } => [
            Some(UserTrace::new(
                g.fetch_sequence(Op::Ifmap)?,
                ifmap,
                g.sram_words[0],
                g.offsets[0],
            )),
            Some(UserTrace::new(
                g.fetch_sequence(Op::Filter)?,
                filter,
                g.sram_words[1],
                g.offsets[1],
            )),
        ],
    };
    let max_width = [
        plan[0].iter().map(|e| e.bw).max().unwrap_or(0),
        plan[1].iter().map(|e| e.bw).max().unwrap_or(0),
    ];
    let mut hooks = TraceHooks {
        files,
        err: None,
        row: Vec::with_capacity(4096),
        compat,
        ofmap_fifo: VecDeque::new(),
        plan,
        emitted: [0, 0],
        max_width,
        user,
    };
    let out = interleaved(&g, &mut hooks)?;
    if let Some(e) = hooks.err.take() {
        return Err(e.into());
    }
    for f in &mut hooks.files {
        f.flush()?;
    }
    Ok(out.report)
}

/// About how many bytes [`write_traces`] writes for a layer simulated as `report` on
/// `config`: the three SRAM traces hold one row per demand line (a cycle and one address per
/// port), the DRAM traces one value per access. Within a small factor of the real size, so a
/// caller can state and cap it before writing anything.
pub fn estimated_size(report: &LayerReport, config: &ArrayConfig) -> u64 {
    let digits = |n: u64| u64::from(n.max(1).ilog10()) + 1;
    let words = (report.ifmap_h * report.ifmap_w * report.channels)
        .saturating_add(report.filter_h * report.filter_w * report.channels * report.num_filters)
        .saturating_add(report.ofmap_px * report.num_filters);
    let offset = config
        .ifmap_offset
        .max(config.filter_offset)
        .max(config.ofmap_offset);
    // An address and its comma; `-1` for an empty slot is never longer.
    let entry = digits(offset.saturating_add(words)) + 1;
    let cycle = digits(report.total_cycles) + 1;
    let ports = config.rows + config.cols + config.rows.max(config.cols);
    let sram = report
        .demand_lines
        .saturating_mul((3 * cycle).saturating_add(ports.saturating_mul(entry)));
    let dram_values = report.dram_ifmap.count + report.dram_filter.count + report.dram_ofmap.count;
    // DRAM values are printed as floats (`123.0`).
    sram.saturating_add(dram_values.saturating_mul(entry + 2))
}

/// Compat-model state of a USER-mode DRAM trace (fetch matrix rows and in-place blanking).
struct UserTrace {
    seq: Vec<u32>,
    bw: u64,
    active: u64,
    offset: u64,
    rows: u64,
    /// Entries SCALE-Sim overwrote with −1 in its fetch matrix: (row, from col, to col).
    blanks: Vec<(u64, u64, u64)>,
    next_line: u64,
    next_col: u64,
    /// Default model: the fetch pointer.
    ptr: u64,
}

impl UserTrace {
    fn new(seq: Vec<u32>, bw: u64, sram_words: u64, offset: u64) -> UserTrace {
        let rows = (seq.len() as u64).div_ceil(bw);
        UserTrace {
            seq,
            bw,
            active: sram_words.div_ceil(2),
            offset,
            rows,
            blanks: Vec::new(),
            next_line: 0,
            next_col: 0,
            ptr: 0,
        }
    }

    /// Fetch-matrix row `r` with the persistent blanks applied: address values or −1.
    fn row(&self, r: u64) -> Vec<i64> {
        let bw = self.bw as usize;
        let start = r as usize * bw;
        let mut v: Vec<i64> = (0..bw)
            .map(|i| match self.seq.get(start + i) {
                Some(&a) if a != NONE => a as i64 + self.offset as i64,
                _ => -1,
            })
            .collect();
        for &(br, from, to) in &self.blanks {
            if br == r {
                for x in &mut v[from as usize..to as usize] {
                    *x = -1;
                }
            }
        }
        v
    }
}

struct TraceHooks<W: Write> {
    files: Vec<BufWriter<W>>,
    err: Option<io::Error>,
    row: Vec<u8>,
    compat: bool,
    /// OFMAP addresses written but not yet drained, in demand order.
    ofmap_fifo: VecDeque<u32>,
    plan: [Vec<Emission>; 2],
    emitted: [usize; 2],
    max_width: [u64; 2],
    user: [Option<UserTrace>; 2],
}

/// Appends `v` in decimal.
fn push_int(buf: &mut Vec<u8>, v: i64) {
    let mut tmp = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        buf.push(b'-');
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Appends an integral value as Python prints its float (`33.0`, `1e+16`).
fn push_float_int(buf: &mut Vec<u8>, v: i64) {
    if v.unsigned_abs() < 10_000_000_000_000_000 {
        push_int(buf, v);
        buf.extend_from_slice(b".0");
    } else {
        buf.extend_from_slice(super::pyfmt::py_float_repr(v as f64).as_bytes());
    }
}

impl<W: Write> TraceHooks<W> {
    fn emit(&mut self, file: usize) {
        if self.err.is_none() {
            if let Err(e) = self.files[file].write_all(&self.row) {
                self.err = Some(e);
            }
        }
        self.row.clear();
    }

    /// One DRAM row: cycle, then values (−1 for empty), then `pad` copies of `pad_value`.
    fn dram_row(&mut self, file: usize, cycle: i64, values: &[i64], pad: u64, pad_value: i64) {
        push_float_int(&mut self.row, cycle);
        for &v in values {
            self.row.push(b',');
            push_float_int(&mut self.row, v);
        }
        for _ in 0..pad {
            self.row.push(b',');
            push_float_int(&mut self.row, pad_value);
        }
        self.row.push(b'\n');
        self.emit(file);
    }

    /// Writes CALC prefetch number `k` of read operand `oi` holding `addrs` (miss order).
    fn calc_emission(&mut self, g: &Geometry, oi: usize, addrs: &[u32], items: u64) {
        let Some(&em) = self.plan[oi].get(self.emitted[oi]) else {
            return;
        };
        self.emitted[oi] += 1;
        let off = g.offsets[oi] as i64;
        let mut vals: Vec<i64> = Vec::with_capacity((em.cycles * em.bw) as usize);
        for set in addrs.chunks(items.max(1) as usize) {
            let keys: Vec<i64> = set.iter().map(|&a| a as i64 + off).collect();
            if self.compat {
                vals.extend(cpython_set_order(&keys));
            } else {
                vals.extend(keys);
            }
        }
        vals.resize((em.cycles * em.bw) as usize, -1);
        let pad = self.max_width[oi] - em.bw;
        let pad_value = if self.compat { 1 } else { -1 };
        let file = 3 + oi;
        let bw = em.bw as usize;
        for i in 0..em.cycles as usize {
            // A prefetch of zero words still occupies its cycles (rows of padding only).
            let vals_i = vals[i * bw..(i + 1) * bw].to_vec();
            self.dram_row(file, em.start + i as i64, &vals_i, pad, pad_value);
        }
    }

    /// Writes the DRAM rows of a USER-mode fetch of read operand `oi`.
    fn user_fetch(&mut self, oi: usize, ev: UserFetch) {
        let compat = self.compat;
        let Some(ut) = self.user[oi].as_mut() else {
            return;
        };
        let (bw, rows_total, active) = (ut.bw, ut.rows, ut.active);
        let mut rows: Vec<Vec<i64>> = Vec::new();
        let start_cycle;
        match ev {
            UserFetch::Initial { rows: n, start } => {
                start_cycle = start;
                if compat && n * bw > active {
                    // SCALE-Sim blanks the excess of the last row in its fetch matrix.
                    let valid = active % bw;
                    ut.blanks.push((n - 1, valid, bw));
                    ut.next_col = valid;
                    ut.next_line = n % rows_total;
                } else {
                    ut.next_col = 0;
                    ut.next_line = (n + 1) % rows_total;
                }
                for r in 0..n {
                    rows.push(ut.row(r));
                }
                ut.ptr = n % rows_total;
            }
            UserFetch::Prefetch { rows: m, start } => {
                start_cycle = start;
                if compat {
                    let s = ut.next_line;
                    let end = s + m;
                    let copy = end > rows_total;
                    let list: Vec<u64> = if copy {
                        (s..rows_total)
                            .chain(0..(end - rows_total).min(s))
                            .collect()
                    } else {
                        (s..end).collect()
                    };
                    for &r in &list {
                        rows.push(ut.row(r));
                    }
                    if let Some(first) = rows.first_mut() {
                        for x in first.iter_mut().take(ut.next_col as usize) {
                            *x = -1;
                        }
                        if !copy && ut.next_col > 0 {
                            ut.blanks.push((s, 0, ut.next_col));
                        }
                    }
                    if m * bw > active {
                        let valid = active % bw;
                        if let Some(last) = rows.last_mut() {
                            for x in &mut last[valid as usize..] {
                                *x = -1;
                            }
                        }
                        if !copy {
                            ut.blanks.push((end - 1, valid, bw));
                        }
                        ut.next_line = m % rows_total;
                    } else {
                        ut.next_line = (m + 1) % rows_total;
                    }
                } else {
                    for i in 0..m {
                        rows.push(ut.row((ut.ptr + i) % rows_total));
                    }
                    ut.ptr = (ut.ptr + m) % rows_total;
                }
            }
        }
        for (i, r) in rows.iter().enumerate() {
            self.dram_row(3 + oi, start_cycle + i as i64, r, 0, 0);
        }
    }
}

impl<W: Write> Hooks for TraceHooks<W> {
    const ON: bool = true;

    fn line(&mut self, g: &Geometry, _line: u64, fd: &Fold, l: i64, served: [i64; 3]) {
        for (oi, op) in [Op::Ifmap, Op::Filter, Op::Ofmap].into_iter().enumerate() {
            let lane = g.lane(op, fd);
            let (lo, hi) = lane.range(l, g.r as i64);
            let off = g.offsets[oi] as i64;
            push_int(&mut self.row, served[oi]);
            for c in 0..g.width(op) as i64 {
                self.row.push(b',');
                let a = if c >= lo && c < hi {
                    g.entry(op, fd, &lane, l, c)
                } else {
                    NONE
                };
                if a == NONE {
                    self.row.extend_from_slice(b"-1");
                } else {
                    push_int(&mut self.row, a as i64 + off);
                }
            }
            self.row.push(b'\n');
            self.emit(oi);
        }
    }

    fn ofmap_write(&mut self, idx: u32) {
        self.ofmap_fifo.push_back(idx);
    }

    fn transfers(
        &mut self,
        g: &Geometry,
        reads: &mut [ReadModel; 2],
        w: &mut OfmapWriter,
        _first_req: [Option<i64>; 2],
        end: bool,
    ) {
        for (oi, model) in reads.iter_mut().enumerate() {
            match model {
                ReadModel::Calc(m) => {
                    let items = m.items();
                    let done: Vec<Vec<u32>> = std::mem::take(&mut m.completed);
                    for win in done {
                        self.calc_emission(g, oi, &win, items);
                    }
                    if end {
                        let last = m.record.take().unwrap_or_default();
                        self.calc_emission(g, oi, &last, items);
                    }
                }
                ReadModel::User(m) => {
                    if let Some(rec) = m.record.as_mut() {
                        let evs: Vec<UserFetch> = std::mem::take(rec);
                        for ev in evs {
                            self.user_fetch(oi, ev);
                        }
                    }
                }
            }
        }
        if let Some(rec) = w.record.as_mut() {
            let drained: Vec<(i64, u64)> = std::mem::take(rec);
            let b = w.line_words();
            let off = g.offsets[2] as i64;
            for (cycle, entries) in drained {
                let mut vals: Vec<i64> = Vec::with_capacity(b as usize);
                for _ in 0..entries {
                    let a = self.ofmap_fifo.pop_front().unwrap_or(NONE);
                    vals.push(if a == NONE { -1 } else { a as i64 + off });
                }
                vals.resize(b as usize, -1);
                self.dram_row(5, cycle, &vals, 0, 0);
            }
        }
    }
}

/// The iteration order of a CPython 3.11 `set` built by adding `keys` one by one, for keys
/// that are non-negative integral floats (their hash is their value). Emulates
/// `Objects/setobject.c`: linear probing of up to 9 neighbours, then perturbed probing;
/// growth to 4× the used count (2× above 50,000) when the table is 3/5 full.
pub(crate) fn cpython_set_order(keys: &[i64]) -> Vec<i64> {
    const LINEAR_PROBES: usize = 9;
    const PERTURB_SHIFT: u32 = 5;
    const MODULUS: u64 = (1 << 61) - 1;
    let hash = |k: i64| -> u64 { (k as u64) % MODULUS };
    let mut table: Vec<Option<i64>> = vec![None; 8];
    let (mut fill, mut used) = (0usize, 0usize);
    fn insert_clean(table: &mut [Option<i64>], key: i64, h: u64) {
        let mask = table.len() - 1;
        let mut perturb = h;
        let mut i = (h as usize) & mask;
        loop {
            if table[i].is_none() {
                table[i] = Some(key);
                return;
            }
            if i + LINEAR_PROBES <= mask {
                for j in 1..=LINEAR_PROBES {
                    if table[i + j].is_none() {
                        table[i + j] = Some(key);
                        return;
                    }
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }
    'keys: for &key in keys {
        let h = hash(key);
        let mask = table.len() - 1;
        let mut perturb = h;
        let mut i = (h as usize) & mask;
        loop {
            let probes = if i + LINEAR_PROBES <= mask {
                LINEAR_PROBES
            } else {
                0
            };
            for j in 0..=probes {
                match table[i + j] {
                    None => {
                        table[i + j] = Some(key);
                        fill += 1;
                        used += 1;
                        if fill * 5 >= mask * 3 {
                            let minused = if used > 50_000 { used * 2 } else { used * 4 };
                            let mut size = 8usize;
                            while size <= minused {
                                size <<= 1;
                            }
                            let old = std::mem::replace(&mut table, vec![None; size]);
                            for k in old.into_iter().flatten() {
                                insert_clean(&mut table, k, hash(k));
                            }
                            fill = used;
                        }
                        continue 'keys;
                    }
                    Some(k) if k == key => continue 'keys,
                    Some(_) => {}
                }
            }
            perturb >>= PERTURB_SHIFT;
            i = (i
                .wrapping_mul(5)
                .wrapping_add(1)
                .wrapping_add(perturb as usize))
                & mask;
        }
    }
    table.into_iter().flatten().collect()
}
