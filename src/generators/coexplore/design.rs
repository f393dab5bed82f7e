//! The joint design space: one network per task from that task's perceptron space, and a
//! heterogeneous accelerator of one to three sub-accelerators, each a stdlib dataflow
//! template with a share of the global PE and on-chip bandwidth budgets, plus the
//! sub-accelerator each network runs on. The controller sees a design as one categorical
//! token per decision (`JointSpace::groups`, `JointSpace::decode`).

use std::fmt;

use crate::generators::nas::space::{Architecture, Family, Space};
use crate::generators::nas::task::Task;

/// The dataflow templates a sub-accelerator is built from (`stdlib/dataflows/`).
pub const TEMPLATES: [&str; 3] = ["nvdla", "shidiannao", "row_stationary"];
/// Sub-accelerators at most.
pub const MAX_SUBS: usize = 3;
/// A sub-accelerator's share of a global budget, in eighths. Shares that add up to more
/// than the whole budget make a design that cannot be built.
pub const SHARES: [u64; 5] = [1, 2, 4, 6, 8];
/// The denominator of `SHARES`.
pub const WHOLE: u64 = 8;

/// What the sub-accelerators share: processing elements and on-chip (NoC) bandwidth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Budget {
    pub pes: u64,
    /// Bytes (8-bit elements) per cycle.
    pub noc_bandwidth: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            pes: 512,
            noc_bandwidth: 64,
        }
    }
}

/// One sub-accelerator: a template, and its PE and bandwidth shares (indices into
/// `SHARES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sub {
    pub template: usize,
    pub pe_share: usize,
    pub bandwidth_share: usize,
}

impl Sub {
    pub fn template_name(self) -> &'static str {
        TEMPLATES[self.template]
    }

    pub fn pes(self, budget: &Budget) -> u64 {
        budget.pes * SHARES[self.pe_share] / WHOLE
    }

    pub fn bandwidth(self, budget: &Budget) -> u64 {
        budget.noc_bandwidth * SHARES[self.bandwidth_share] / WHOLE
    }

    /// Every sub-accelerator configuration.
    pub fn all() -> Vec<Sub> {
        let mut out = Vec::new();
        for template in 0..TEMPLATES.len() {
            for pe_share in 0..SHARES.len() {
                for bandwidth_share in 0..SHARES.len() {
                    out.push(Sub {
                        template,
                        pe_share,
                        bandwidth_share,
                    });
                }
            }
        }
        out
    }
}

/// The accelerator half of a design.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Accelerator {
    pub subs: Vec<Sub>,
    /// `assignment[task]` is the index in `subs` the task's network runs on.
    pub assignment: Vec<usize>,
}

impl Accelerator {
    /// Whether the shares fit the global budgets (each at most the whole).
    pub fn within_budget(&self) -> bool {
        let sum = |f: fn(&Sub) -> usize| self.subs.iter().map(|s| SHARES[f(s)]).sum::<u64>();
        sum(|s| s.pe_share) <= WHOLE && sum(|s| s.bandwidth_share) <= WHOLE
    }
}

/// Written `nvdla/256pe/32B shidiannao/64pe/8B; digits→0 breast_cancer→1` by `Design`.
impl fmt::Display for Accelerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let budget = Budget::default();
        let subs: Vec<String> = self
            .subs
            .iter()
            .map(|s| {
                format!(
                    "{}/{}pe/{}B",
                    s.template_name(),
                    s.pes(&budget),
                    s.bandwidth(&budget)
                )
            })
            .collect();
        let assignment: Vec<String> = self.assignment.iter().map(|a| a.to_string()).collect();
        write!(f, "{} | {}", subs.join(" "), assignment.join(","))
    }
}

/// A point of the joint space: one architecture per task, and the accelerator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Design {
    pub networks: Vec<Architecture>,
    pub accelerator: Accelerator,
}

/// The joint space of a set of tasks under a budget.
#[derive(Debug, Clone, PartialEq)]
pub struct JointSpace {
    pub spaces: Vec<Space>,
    pub budget: Budget,
}

impl JointSpace {
    /// Perceptron spaces only: a perceptron trains in a fraction of a second, which keeps a
    /// co-exploration of hundreds of designs within minutes on two cores.
    pub fn new(tasks: &[Task], budget: Budget) -> JointSpace {
        JointSpace {
            spaces: tasks
                .iter()
                .map(|&task| Space {
                    task,
                    family: Family::Mlp,
                })
                .collect(),
            budget,
        }
    }

    /// Levels per token: each network's tokens, then the number of sub-accelerators, then
    /// per sub-accelerator slot its template, PE share and bandwidth share, then one
    /// sub-accelerator choice per task.
    pub fn groups(&self) -> Vec<usize> {
        let mut groups: Vec<usize> = self.spaces.iter().flat_map(|s| s.groups()).collect();
        groups.push(MAX_SUBS);
        for _ in 0..MAX_SUBS {
            groups.extend([TEMPLATES.len(), SHARES.len(), SHARES.len()]);
        }
        groups.extend(std::iter::repeat_n(MAX_SUBS, self.spaces.len()));
        groups
    }

    /// The design of one level per token. Slots past the chosen number of sub-accelerators
    /// are ignored, and an assignment past it wraps around (`level mod count`).
    pub fn decode(&self, levels: &[usize]) -> Design {
        let mut at = 0;
        let mut networks = Vec::new();
        for space in &self.spaces {
            let n = space.groups().len();
            networks.push(space.decode(&levels[at..at + n]));
            at += n;
        }
        let count = levels[at] + 1;
        at += 1;
        let subs = (0..count)
            .map(|slot| Sub {
                template: levels[at + 3 * slot],
                pe_share: levels[at + 3 * slot + 1],
                bandwidth_share: levels[at + 3 * slot + 2],
            })
            .collect();
        at += 3 * MAX_SUBS;
        let assignment = levels[at..at + self.spaces.len()]
            .iter()
            .map(|&l| l % count)
            .collect();
        Design {
            networks,
            accelerator: Accelerator { subs, assignment },
        }
    }
}

/// The on-chip storage every PE and sub-accelerator gets, from `std::hardware::edge256`:
/// 512 B of L1 per PE and 432 B of shared L2 per PE (108 KiB for 256 PEs).
pub const L1_BYTES: u64 = 512;
pub const L2_BYTES_PER_PE: u64 = 432;

/// A sub-accelerator's hardware as a `.df` item: edge256's technology (energies, 8-bit
/// precision, DRAM bandwidth) with the design's PEs, bandwidth and L2.
pub fn hardware_df(name: &str, sub: Sub, budget: &Budget) -> String {
    let pes = sub.pes(budget);
    format!(
        "hardware {name} {{
    pes: {pes};
    macs_per_pe: 1;
    l1: {L1_BYTES} B;
    l2: {} B;
    noc {{
        bandwidth: {} elem/cycle;
        latency: 1 cycle;
    }}
    dram {{
        bandwidth: 16 B/cycle;
    }}
    precision: int8;
    energy {{
        mac: 1.0 pJ;
        l1: 1.68 pJ;
        l2: 18.61 pJ;
        dram: 200.0 pJ;
    }}
}}
",
        pes * L2_BYTES_PER_PE,
        sub.bandwidth(budget),
    )
}
