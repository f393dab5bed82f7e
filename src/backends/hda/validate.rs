//! Independent checks of a schedule against its inputs. They use only the schedule's entries,
//! never the simulator, so they catch simulator bugs as well as scheduler bugs.

use super::{CostTable, Platform, Schedule, Workload};

/// Check that `schedule` is a valid schedule of `workload` on `platform` with costs `table`:
/// every layer scheduled exactly once on a sub-accelerator that can run it, for at least its
/// isolated runtime and at its energy; dependences respected; no two layers overlapping on a
/// sub-accelerator; the shared DRAM bandwidth and the global buffer not exceeded; totals
/// consistent with the entries. The error names the first violation.
pub fn validate(
    schedule: &Schedule,
    workload: &Workload,
    platform: &Platform,
    table: &CostTable,
) -> Result<(), String> {
    let tol = 1e-9 * schedule.makespan.abs().max(1.0);
    check_buffers(platform)?;
    let mut tally = check_entries(schedule, workload, platform, table, tol)?;
    check_dependences(workload, &tally.times, tol)?;
    check_overlaps(schedule, platform, &mut tally.lanes, tol)?;
    check_totals(schedule, platform, &tally, tol)
}

/// Two floats equal up to rounding.
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// The sub-accelerators' buffer shares fit in the global buffer.
fn check_buffers(platform: &Platform) -> Result<(), String> {
    let buffers: u64 = platform
        .sub_accels
        .iter()
        .fold(0u64, |acc, s| acc.saturating_add(s.buffer_bytes));
    if platform.global_buffer_bytes > 0 && buffers > platform.global_buffer_bytes {
        return Err(format!(
            "the sub-accelerators' buffers ({buffers} B) exceed the global buffer ({} B)",
            platform.global_buffer_bytes
        ));
    }
    Ok(())
}

/// What the entries add up to, gathered while checking each one.
struct Tally {
    /// (start, end) of each layer, once scheduled.
    times: Vec<Vec<Option<(f64, f64)>>>,
    /// Per sub-accelerator: (start, end, entry index) of what runs on it.
    lanes: Vec<Vec<(f64, f64, usize)>>,
    energy: f64,
    /// DRAM bytes moved.
    bytes: f64,
    last_end: f64,
}

/// Each entry on its own: it exists in the inputs, runs long enough on a sub-accelerator
/// that can run it, within the DRAM bandwidth, at its energy, and only once.
fn check_entries(
    schedule: &Schedule,
    workload: &Workload,
    platform: &Platform,
    table: &CostTable,
    tol: f64,
) -> Result<Tally, String> {
    let mut tally = Tally {
        times: workload
            .networks
            .iter()
            .map(|n| vec![None; n.layers.len()])
            .collect(),
        lanes: vec![Vec::new(); platform.sub_accels.len()],
        energy: 0.0,
        bytes: 0.0,
        last_end: 0.0,
    };
    for (i, e) in schedule.entries.iter().enumerate() {
        let Some(net) = workload.networks.get(e.network) else {
            return Err(format!("entry {i}: network {} does not exist", e.network));
        };
        let Some(layer) = net.layers.get(e.layer) else {
            return Err(format!(
                "entry {i}: network `{}` has no layer {}",
                net.name, e.layer
            ));
        };
        let what = format!("`{}`/`{}`", net.name, layer.name);
        let Some(sa) = platform.sub_accels.get(e.sub_accel) else {
            return Err(format!(
                "{what}: sub-accelerator {} does not exist",
                e.sub_accel
            ));
        };
        if e.network_name != net.name || e.layer_name != layer.name || e.sub_accel_name != sa.name {
            return Err(format!("{what}: the entry's names do not match the inputs"));
        }
        if !(e.start.is_finite() && e.end.is_finite() && e.start >= 0.0 && e.end >= e.start) {
            return Err(format!("{what}: bad interval [{}, {}]", e.start, e.end));
        }
        let Some(cost) = table.get(e.network, e.layer, e.sub_accel) else {
            return Err(format!("{what}: `{}` cannot run it", sa.name));
        };
        if e.end - e.start < cost.runtime_cycles - tol - 1e-9 * cost.runtime_cycles {
            return Err(format!(
                "{what}: runs {} cycles, shorter than its isolated runtime {}",
                e.end - e.start,
                cost.runtime_cycles
            ));
        }
        // Zero-time layers move their bytes instantly by convention (see `Instance::new`).
        let moved = if cost.runtime_cycles > 0.0 {
            cost.dram_bytes
        } else {
            0.0
        };
        if moved > platform.dram_bw * (e.end - e.start) * (1.0 + 1e-9) + tol {
            return Err(format!(
                "{what}: moves {} B in {} cycles, more than the DRAM bandwidth allows",
                cost.dram_bytes,
                e.end - e.start
            ));
        }
        if !close(e.energy, cost.energy) {
            return Err(format!(
                "{what}: energy {} differs from its cost {}",
                e.energy, cost.energy
            ));
        }
        let slot = &mut tally.times[e.network][e.layer];
        if slot.is_some() {
            return Err(format!("{what}: scheduled more than once"));
        }
        *slot = Some((e.start, e.end));
        tally.lanes[e.sub_accel].push((e.start, e.end, i));
        tally.energy += e.energy;
        tally.bytes += moved;
        tally.last_end = tally.last_end.max(e.end);
    }
    Ok(tally)
}

/// Every layer is scheduled and starts after its predecessors end.
fn check_dependences(
    workload: &Workload,
    times: &[Vec<Option<(f64, f64)>>],
    tol: f64,
) -> Result<(), String> {
    for (ni, net) in workload.networks.iter().enumerate() {
        for (li, layer) in net.layers.iter().enumerate() {
            let Some((start, _)) = times[ni][li] else {
                return Err(format!("`{}`/`{}`: not scheduled", net.name, layer.name));
            };
            for &p in &layer.preds {
                let Some(Some((_, pend))) = times[ni].get(p) else {
                    return Err(format!(
                        "`{}`/`{}`: predecessor {p} does not exist",
                        net.name, layer.name
                    ));
                };
                if start < pend - tol {
                    return Err(format!(
                        "`{}`/`{}` starts at {start} before its predecessor `{}` ends at {pend}",
                        net.name, layer.name, net.layers[p].name
                    ));
                }
            }
        }
    }
    Ok(())
}

/// No two layers overlap on a sub-accelerator.
fn check_overlaps(
    schedule: &Schedule,
    platform: &Platform,
    lanes: &mut [Vec<(f64, f64, usize)>],
    tol: f64,
) -> Result<(), String> {
    for (c, lane) in lanes.iter_mut().enumerate() {
        lane.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        for w in lane.windows(2) {
            if w[1].0 < w[0].1 - tol {
                let (a, b) = (&schedule.entries[w[0].2], &schedule.entries[w[1].2]);
                return Err(format!(
                    "`{}`/`{}` and `{}`/`{}` overlap on `{}`",
                    a.network_name,
                    a.layer_name,
                    b.network_name,
                    b.layer_name,
                    platform.sub_accels[c].name
                ));
            }
        }
    }
    Ok(())
}

/// The schedule's makespan, DRAM traffic, energy and EDP agree with its entries.
fn check_totals(
    schedule: &Schedule,
    platform: &Platform,
    tally: &Tally,
    tol: f64,
) -> Result<(), String> {
    let (last_end, bytes, energy) = (tally.last_end, tally.bytes, tally.energy);
    if !close(schedule.makespan, last_end) {
        return Err(format!(
            "makespan {} is not the last end {last_end}",
            schedule.makespan
        ));
    }
    if bytes > platform.dram_bw * schedule.makespan * (1.0 + 1e-9) + tol {
        return Err(format!(
            "{bytes} B of DRAM traffic cannot move in {} cycles at {} B/cycle",
            schedule.makespan, platform.dram_bw
        ));
    }
    if !close(schedule.energy, energy) {
        return Err(format!(
            "energy {} is not the sum of the layers' energies {energy}",
            schedule.energy
        ));
    }
    if !close(schedule.edp, schedule.makespan * schedule.energy) {
        return Err(format!("EDP {} is not makespan × energy", schedule.edp));
    }
    Ok(())
}
