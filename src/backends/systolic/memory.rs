//! The three memory models (`docs/semantics/scalesim.md`): the CALC read buffer (prefetch windows), the USER read
//! buffer (fetch lines, sliding window, stalls) and the OFMAP write buffer (drains, write
//! stalls). Each is SCALE-Sim's state machine with the bookkeeping changed, never the
//! behaviour: address sets become stamp arrays indexed by address, write runs are processed in
//! bulk between the events that can change anything.

use std::collections::VecDeque;

use super::geometry::NONE;
use super::trace::cpython_set_order;
use super::SimError;

// ------------------------------------------------------------------------------------------
// CALC read buffer (see `docs/semantics/scalesim.md`, "CALC read buffer")
// ------------------------------------------------------------------------------------------

/// CALC-mode read buffer of one operand. SCALE-Sim keeps a list of sets of `items` addresses
/// and treats an address as a hit when it is in the set being filled or in a sealed set of the
/// current window of 50 sets. That is exactly "seen since the current window started", so one
/// stamp per address (the window number that last fetched it) answers every hit test.
pub(crate) struct CalcRead {
    items: u64,
    /// Addresses per window: 50 sets.
    cap: u64,
    stamp: Vec<u32>,
    epoch: u32,
    /// Misses in the current window.
    count: u64,
    /// Misses over the layer = DRAM reads.
    pub reads: u64,
    /// Issue cycle of the line that completed each window (`t_k`).
    pub completions: Vec<i64>,
    /// Addresses of the current window in miss order (traces only).
    pub record: Option<Vec<u32>>,
    /// Completed windows' addresses, in miss order, not yet taken by the trace writer.
    pub completed: Vec<Vec<u32>>,
}

impl CalcRead {
    pub(crate) fn new(sram_words: u64, space: u64, record: bool) -> CalcRead {
        let items = sram_words / 100;
        CalcRead {
            items,
            cap: 50 * items,
            stamp: vec![0; space as usize],
            epoch: 1,
            count: 0,
            reads: 0,
            completions: Vec::new(),
            record: record.then(Vec::new),
            completed: Vec::new(),
        }
    }

    /// One demanded address at issue cycle `t`. Returns true when it completed a window.
    #[inline(always)]
    pub(crate) fn access(&mut self, idx: u32, t: i64) -> bool {
        let s = &mut self.stamp[idx as usize];
        if *s == self.epoch {
            return false;
        }
        *s = self.epoch;
        self.count += 1;
        self.reads += 1;
        if let Some(rec) = &mut self.record {
            rec.push(idx);
        }
        if self.count == self.cap {
            // Window complete: its sets are forgotten, so every address misses again.
            self.completions.push(t);
            self.count = 0;
            if self.epoch == u32::MAX {
                // Stamps would become ambiguous: forget them all (every address misses anyway).
                self.stamp.iter_mut().for_each(|s| *s = 0);
                self.epoch = 0;
            }
            self.epoch += 1;
            if let Some(rec) = &mut self.record {
                self.completed.push(std::mem::take(rec));
            }
            return true;
        }
        false
    }

    /// Addresses in the final, partial window.
    pub(crate) fn final_count(&self) -> u64 {
        self.count
    }

    pub(crate) fn items(&self) -> u64 {
        self.items
    }
}

/// One DRAM prefetch of the CALC model: `cycles` response cycles from `start`, `bw` words per
/// cycle, the addresses of `sets` sets (the trace pads each cycle's row to `bw` words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Emission {
    pub start: i64,
    pub cycles: u64,
    pub bw: u64,
    pub sets: u64,
}

/// The prefetches of a CALC read buffer (`docs/semantics/scalesim.md`, "Prefetch timing").
/// `first_req`: issue cycle of the first line holding a real address of the operand;
/// `completions`: `t_k` of the completed windows; `final_count`: addresses after them.
/// `zero_cycle_ok`: the default model places a prefetch that SCALE-Sim would give zero cycles
/// (two windows completing in one line) in one cycle instead of failing.
pub(crate) fn calc_emissions(
    items: u64,
    fill_bw: u64,
    first_req: i64,
    completions: &[i64],
    final_count: u64,
    zero_cycle_ok: bool,
) -> Result<Vec<Emission>, SimError> {
    let cap = 50 * items;
    let final_sets = final_count.div_ceil(items);
    if completions.is_empty() {
        let cycles = (final_sets * items).div_ceil(fill_bw);
        return Ok(vec![Emission {
            start: -(cycles as i64),
            cycles,
            bw: fill_bw,
            sets: final_sets,
        }]);
    }
    let cycles0 = cap.div_ceil(fill_bw);
    let mut out = vec![Emission {
        start: first_req - cycles0 as i64,
        cycles: cycles0,
        bw: fill_bw,
        sets: 50,
    }];
    // Window k ≥ 1 is fetched over the cycles window k − 1 was in use:
    // t_{k−2} + 2 ..= t_{k−1} + 1, with t_{−1} = first_req − 2.
    let t_at = |k: i64| {
        if k < 0 {
            first_req - 2
        } else {
            completions[k as usize]
        }
    };
    let kk = completions.len() as i64;
    for k in 1..=kk {
        let (a, b) = (t_at(k - 2), t_at(k - 1));
        let mut cycles = (b - a) as u64;
        let (words, sets) = if k < kk {
            (cap, 50)
        } else {
            (final_sets * items, final_sets)
        };
        if cycles == 0 {
            if !zero_cycle_ok {
                return Err(SimError::ScalesimFails(
                    "two prefetch windows complete in the same cycle (division by zero in \
                     the CALC read buffer)"
                        .to_string(),
                ));
            }
            cycles = 1;
        }
        out.push(Emission {
            start: a + 2,
            cycles,
            bw: words.div_ceil(cycles),
            sets,
        });
    }
    Ok(out)
}

// ------------------------------------------------------------------------------------------
// USER read buffer (see `docs/semantics/scalesim.md`, "USER read buffer")
// ------------------------------------------------------------------------------------------

/// A DRAM request of the USER read buffer, for the trace writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserFetch {
    /// The initial fill: `rows` fetch rows answered at cycles `start ..`.
    Initial { rows: u64, start: i64 },
    /// A prefetch of `rows` fetch rows answered at cycles `start ..`.
    Prefetch { rows: u64, start: i64 },
}

/// USER-mode read buffer of one operand.
pub(crate) struct UserRead {
    bw: u64,
    active: u64,
    pref: u64,
    /// Rows of the `bw`-wide fetch matrix.
    pub rows: u64,
    nl: u64,
    al: u64,
    pl: u64,
    /// CSR: the distinct fetch lines holding each address.
    line_start: Vec<u32>,
    line_ids: Vec<u32>,
    s: u64,
    e: u64,
    started: bool,
    pub reads: u64,
    pub first: i64,
    pub last: i64,
    /// Default model: lateness counted once (Q6), real words counted (Q8).
    fixed: bool,
    /// Default model: prefix sums of real words per fetch row, and the fetch pointer.
    row_real: Vec<u64>,
    ptr: u64,
    pub record: Option<Vec<UserFetch>>,
    /// A custom layout's SRAM banks (SCALE-Sim's layout evaluation), if any.
    banks: Option<BankModel>,
}

/// SCALE-Sim's bank model of a custom layout (`docs/semantics/scalesim.md`, "Layout files"):
/// a word's bank is its position in its buffer line's CPython `set` divided by the words per
/// bank; a demand line waits one cycle per extra line a bank must deliver per port.
struct BankModel {
    per_bank: u64,
    ports: u64,
    /// Parallel to `line_ids`: the word's position in that line's set.
    line_pos: Vec<u32>,
    /// Scratch: the buffer lines each bank delivers for the current demand line.
    bank_lines: Vec<Vec<u32>>,
}

/// A custom layout's banks for [`UserRead::new`]: the `[layout]` banks and the operand's
/// address offset (set order follows the address values).
pub(crate) struct LayoutBanks {
    pub num: u64,
    pub ports: u64,
    pub offset: u64,
}

impl UserRead {
    /// `seq`: the fetch sequence ("DRAM fetch order" in the semantics document), `space`: size of the operand's address space.
    pub(crate) fn new(
        seq: &[u32],
        space: u64,
        sram_words: u64,
        bw: u64,
        fixed: bool,
        record: bool,
        layout: Option<LayoutBanks>,
    ) -> Result<UserRead, SimError> {
        let e = sram_words;
        let active = e.div_ceil(2);
        let pref = e - active;
        // A custom layout makes each buffer line one DRAM row of `bw` words.
        let eps = if layout.is_some() {
            bw
        } else {
            e.div_ceil(100)
        };
        let rows = (seq.len() as u64).div_ceil(bw);
        // Lines: closed after `eps` real entries (repeats counted), remainder last.
        let mut count = vec![0u32; space as usize];
        let mut last_line = vec![u32::MAX; space as usize];
        let last_id = for_each_line(seq, eps, |a, l| {
            if last_line[a as usize] != l {
                last_line[a as usize] = l;
                count[a as usize] += 1;
            }
        });
        let nl = last_id as u64 + 1;
        let mut line_start = vec![0u32; space as usize + 1];
        let mut acc = 0u64;
        for a in 0..space as usize {
            line_start[a] = acc as u32;
            acc += count[a] as u64;
        }
        if acc >= u32::MAX as u64 {
            return Err(SimError::TooLarge("USER-mode fetch lines".to_string()));
        }
        line_start[space as usize] = acc as u32;
        drop(count);
        let mut line_ids = vec![0u32; acc as usize];
        let mut fill = line_start.clone();
        last_line.iter_mut().for_each(|x| *x = u32::MAX);
        for_each_line(seq, eps, |a, l| {
            if last_line[a as usize] != l {
                last_line[a as usize] = l;
                line_ids[fill[a as usize] as usize] = l;
                fill[a as usize] += 1;
            }
        });
        let al = active.div_ceil(eps).min(nl);
        let pl = pref.div_ceil(eps).min(nl - al);
        let mut row_real = Vec::new();
        if fixed {
            row_real.reserve(rows as usize + 1);
            row_real.push(0);
            let mut acc = 0u64;
            for chunk in seq.chunks(bw as usize) {
                acc += chunk.iter().filter(|&&a| a != NONE).count() as u64;
                row_real.push(acc);
            }
        }
        let banks = match layout {
            None => None,
            Some(l) => Some(bank_model(seq, eps, bw, &l, &line_start, &line_ids)?),
        };
        Ok(UserRead {
            bw,
            active,
            pref,
            rows,
            nl,
            al,
            pl,
            line_start,
            line_ids,
            s: 0,
            e: al,
            started: false,
            reads: 0,
            first: 0,
            last: -1,
            fixed,
            row_real,
            ptr: 0,
            record: record.then(Vec::new),
            banks,
        })
    }

    #[inline]
    fn in_window(&self, x: u64) -> bool {
        if self.s < self.e {
            self.s <= x && x < self.e
        } else {
            x >= self.s || x < self.e
        }
    }

    #[inline]
    fn hit(&self, a: u32) -> bool {
        let (lo, hi) = (self.line_start[a as usize], self.line_start[a as usize + 1]);
        self.line_ids[lo as usize..hi as usize]
            .iter()
            .any(|&x| self.in_window(x as u64))
    }

    /// Real words in fetch rows `from .. from + n` (cyclic).
    fn real_words(&self, from: u64, n: u64) -> u64 {
        let rows = self.rows;
        let total = self.row_real[rows as usize];
        let mut sum = (n / rows) * total;
        let (a, n) = (from % rows, n % rows);
        let b = a + n;
        if b <= rows {
            sum += self.row_real[b as usize] - self.row_real[a as usize];
        } else {
            sum += total - self.row_real[a as usize] + self.row_real[(b - rows) as usize];
        }
        sum
    }

    /// Serves one demand line issued at cycle `t`; returns its served cycle.
    pub(crate) fn serve(&mut self, t: i64, addrs: &[u32]) -> Result<i64, SimError> {
        if !self.started {
            // Fill the active half before the first request: rows answered at t − n .. t − 1.
            let n = self.active.div_ceil(self.bw).min(self.rows);
            self.reads += if self.fixed {
                self.real_words(0, n)
            } else {
                n * self.bw
            };
            self.ptr = n;
            self.first = t - n as i64;
            self.last = t - 1;
            self.started = true;
            if let Some(rec) = &mut self.record {
                rec.push(UserFetch::Initial {
                    rows: n,
                    start: t - n as i64,
                });
            }
        }
        if self.banks.is_some() {
            return self.serve_banked(t, addrs);
        }
        let mut off: i64 = 1;
        for &a in addrs {
            let mut slides = 0u64;
            while !self.hit(a) {
                self.slide(&mut slides)?;
                if self.fixed {
                    // Q6 fixed: served when the last prefetch it needed has arrived.
                    off = off.max(self.last - t);
                } else {
                    // SCALE-Sim: the lateness is added twice; an early prefetch pulls the
                    // served cycle back.
                    let d = self.last - (t + off);
                    off += d;
                    if d > 0 {
                        off += d;
                    }
                }
            }
        }
        Ok(t + off)
    }

    /// One prefetch: the window slides by the prefetch lines and they are fetched.
    fn slide(&mut self, slides: &mut u64) -> Result<(), SimError> {
        *slides += 1;
        if *slides > self.nl + 1 || self.pl == 0 {
            return Err(SimError::ScalesimFails(
                "an address is in neither buffer and the prefetch window cycles \
                 forever (upstream issue #130)"
                    .to_string(),
            ));
        }
        self.s = (self.s + self.pl) % self.nl;
        self.e = (self.s + self.al) % self.nl;
        let m = self.pref.div_ceil(self.bw);
        if self.fixed {
            self.reads += self.real_words(self.ptr, m);
            self.ptr = (self.ptr + m) % self.rows.max(1);
        } else {
            self.reads += m * self.bw;
        }
        if let Some(rec) = &mut self.record {
            rec.push(UserFetch::Prefetch {
                rows: m,
                start: self.last + 2,
            });
        }
        self.last += m as i64 + 1;
        Ok(())
    }

    /// The slot (in `line_ids`) of the first buffer line holding `a`, in the order SCALE-Sim
    /// scans the active window (from its start, wrapping).
    fn hit_slot(&self, a: u32) -> Option<usize> {
        let (lo, hi) = (self.line_start[a as usize], self.line_start[a as usize + 1]);
        let ids = &self.line_ids[lo as usize..hi as usize];
        let (s, e) = (self.s, self.e);
        let found = if s < e {
            ids.iter().position(|&x| s <= x as u64 && (x as u64) < e)
        } else {
            ids.iter()
                .position(|&x| x as u64 >= s)
                .or_else(|| ids.iter().position(|&x| (x as u64) < e))
        };
        found.map(|i| lo as usize + i)
    }

    /// [`UserRead::serve`] with a custom layout: lateness counted once, then the bank
    /// conflicts of the line (`docs/semantics/scalesim.md`, "Layout files").
    fn serve_banked(&mut self, t: i64, addrs: &[u32]) -> Result<i64, SimError> {
        let mut off: i64 = 1;
        let mut banks = self.banks.take().expect("a custom layout has banks");
        banks.bank_lines.iter_mut().for_each(Vec::clear);
        let mut outcome = Ok(());
        for &a in addrs {
            let mut slides = 0u64;
            let slot = loop {
                if let Some(slot) = self.hit_slot(a) {
                    break slot;
                }
                if let Err(e) = self.slide(&mut slides) {
                    outcome = Err(e);
                    break 0;
                }
                let d = self.last - (t + off);
                if d > 0 {
                    off += d;
                }
            };
            if outcome.is_err() {
                break;
            }
            let line = self.line_ids[slot];
            let bank =
                &mut banks.bank_lines[(banks.line_pos[slot] as u64 / banks.per_bank) as usize];
            if !bank.contains(&line) {
                bank.push(line);
            }
        }
        let busiest = banks.bank_lines.iter().map(Vec::len).max().unwrap_or(0) as u64;
        off += busiest.div_ceil(banks.ports) as i64 - 1;
        self.banks = Some(banks);
        outcome.map(|()| t + off)
    }
}

/// Positions of every (word, buffer line) pair in that line's CPython `set`, built by adding
/// the line's address values in fetch order.
fn bank_model(
    seq: &[u32],
    eps: u64,
    bw: u64,
    layout: &LayoutBanks,
    line_start: &[u32],
    line_ids: &[u32],
) -> Result<BankModel, SimError> {
    if layout.ports == 0 || layout.num == 0 {
        return Err(SimError::ScalesimFails(
            "a custom layout with no SRAM bank or port (division by zero)".to_string(),
        ));
    }
    let mut line_pos = vec![0u32; line_ids.len()];
    let mut members: Vec<(u32, u32)> = Vec::new();
    for_each_line(seq, eps, |a, l| members.push((l, a)));
    for group in members.chunk_by(|x, y| x.0 == y.0) {
        let line = group[0].0;
        let keys: Vec<i64> = group
            .iter()
            .map(|&(_, a)| a as i64 + layout.offset as i64)
            .collect();
        for (pos, key) in cpython_set_order(&keys).into_iter().enumerate() {
            let a = (key - layout.offset as i64) as usize;
            let (lo, hi) = (line_start[a] as usize, line_start[a + 1] as usize);
            if let Some(j) = (lo..hi).find(|&j| line_ids[j] == line) {
                line_pos[j] = pos as u32;
            }
        }
    }
    Ok(BankModel {
        per_bank: bw / layout.num,
        ports: layout.ports,
        line_pos,
        bank_lines: vec![Vec::new(); layout.num as usize],
    })
}

/// Walks the fetch sequence cut into lines of `eps` real entries (repeats counted, the
/// remainder last), calling `f(index, line)` for every real entry; returns the last line id.
fn for_each_line(seq: &[u32], eps: u64, mut f: impl FnMut(u32, u32)) -> u32 {
    let mut line = 0u32;
    let mut in_line = 0u64;
    for &a in seq {
        if a != NONE {
            f(a, line);
            in_line += 1;
            if in_line >= eps {
                line += 1;
                in_line = 0;
            }
        }
    }
    line
}

// ------------------------------------------------------------------------------------------
// OFMAP write buffer, both modes (see `docs/semantics/scalesim.md`, "OFMAP write buffer")
// ------------------------------------------------------------------------------------------

/// The OFMAP write buffer. Writes fill DRAM lines of `B` words; when the occupancy passes the
/// drain threshold, up to `ceil(D/B)` lines go to DRAM, one per cycle; a write that finds the
/// buffer full during a drain waits for the drain to end.
pub(crate) struct OfmapWriter {
    e: i64,
    d: i64,
    b: u64,
    batch: u64,
    occ: i64,
    /// Entries of the line being filled.
    cur: u64,
    /// Closed, undrained lines as runs of (lines, real entries per line).
    pending: VecDeque<(u64, u64)>,
    pending_lines: u64,
    drain_end: i64,
    pub writes: u64,
    pub start: i64,
    pub stop: i64,
    drained_any: bool,
    /// Default model: count only real writes (Q9 fixed).
    real_only: bool,
    /// Drained lines (cycle, real entries), for the trace writer.
    pub record: Option<Vec<(i64, u64)>>,
}

impl OfmapWriter {
    pub(crate) fn new(
        sram_words: u64,
        line_words: u64,
        real_only: bool,
        record: bool,
    ) -> OfmapWriter {
        let e = sram_words as i64;
        let d = e - (e + 1) / 2;
        OfmapWriter {
            e,
            d,
            b: line_words,
            batch: (d as u64).div_ceil(line_words),
            occ: 0,
            cur: 0,
            pending: VecDeque::new(),
            pending_lines: 0,
            drain_end: 0,
            writes: 0,
            start: 0,
            stop: 0,
            drained_any: false,
            real_only,
            record: record.then(Vec::new),
        }
    }

    fn push_lines(&mut self, lines: u64, entries: u64) {
        if lines == 0 {
            return;
        }
        match self.pending.back_mut() {
            Some((n, e)) if *e == entries => *n += lines,
            _ => self.pending.push_back((lines, entries)),
        }
        self.pending_lines += lines;
    }

    /// Adds `k` writes that trigger nothing.
    #[inline]
    fn add(&mut self, k: u64) {
        self.occ += k as i64;
        let total = self.cur + k;
        let full = total / self.b;
        self.cur = total % self.b;
        if full > 0 {
            self.push_lines(full, self.b);
        }
    }

    /// Drains the next batch starting at cycle `c`; returns its last cycle.
    fn drain(&mut self, c: i64) -> i64 {
        let n = self.batch.min(self.pending_lines);
        let mut left = n;
        let mut real = 0u64;
        let mut last_entries = 0u64;
        while left > 0 {
            let Some(front) = self.pending.front_mut() else {
                break;
            };
            let take = front.0.min(left);
            real += take * front.1;
            last_entries = front.1;
            if let Some(rec) = &mut self.record {
                for x in 0..take {
                    rec.push((c + (n - left + x) as i64, front.1));
                }
            }
            front.0 -= take;
            left -= take;
            if front.0 == 0 {
                self.pending.pop_front();
            }
        }
        self.pending_lines -= n;
        // SCALE-Sim excludes only the last drained line's padding (Q9).
        let data = if self.real_only {
            real
        } else {
            n * self.b - (self.b - last_entries)
        };
        self.writes += data;
        self.occ -= data as i64;
        let end = c + n as i64 - 1;
        if self.drained_any {
            self.start = self.start.min(c);
            self.stop = self.stop.max(end);
        } else {
            self.start = c;
            self.stop = end;
            self.drained_any = true;
        }
        end
    }

    /// `n` writes of a demand line issued at cycle `t`; returns the line's served cycle.
    #[inline]
    pub(crate) fn write(&mut self, t: i64, n: u64) -> i64 {
        let mut cc = t;
        let mut left = n;
        while left > 0 {
            if cc < self.drain_end {
                // Draining: writes are free until the buffer is full.
                let free = (self.e - 1 - self.occ).max(0) as u64;
                let k = free.min(left);
                self.add(k);
                left -= k;
                if left > 0 {
                    self.add(1);
                    left -= 1;
                    // Full: the line waits for the drain to end.
                    cc = self.drain_end;
                }
            } else {
                // Idle: writes are free while the occupancy stays at or below D.
                let free = (self.d - self.occ).max(0) as u64;
                let k = free.min(left);
                self.add(k);
                left -= k;
                if left > 0 {
                    self.add(1);
                    left -= 1;
                    // Close a partial line and start a drain now.
                    if self.cur > 0 {
                        let c = self.cur;
                        self.cur = 0;
                        self.push_lines(1, c);
                    }
                    self.drain_end = self.drain(cc);
                }
            }
        }
        cc
    }

    /// After the last demand line (served at `c_last`): drain everything, batch after batch.
    pub(crate) fn finish(&mut self, c_last: i64) {
        if self.cur > 0 {
            let c = self.cur;
            self.cur = 0;
            self.push_lines(1, c);
        }
        let mut c = c_last;
        while self.pending_lines > 0 {
            self.drain_end = self.drain(c);
            c = self.drain_end + 1;
        }
    }

    pub(crate) fn line_words(&self) -> u64 {
        self.b
    }
}
