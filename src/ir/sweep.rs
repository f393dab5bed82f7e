//! Design-space sweeps as the IR holds them: the mappings swept and one axis per swept
//! hardware field or dataflow argument, each with its values in base units. The grid is the
//! product of the mappings and the axes; `crate::sweep` enumerates and evaluates its points.

use super::{Bandwidth, MappingId, Precision, Size};
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub name: String,
    /// The mappings swept (the outermost axis), each with its network, hardware and dataflows.
    pub mappings: Vec<MappingId>,
    /// The axes in the order written; the last one varies fastest.
    pub axes: Vec<Axis>,
    pub span: Span,
}

/// One swept field and its values, in the order written (no value twice).
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub field: Field,
    pub values: Vec<Value>,
    pub span: Span,
}

/// What an axis changes: a field of the mapping's hardware, or a dataflow argument of every
/// layer whose dataflow has a parameter of that name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    Pes,
    MacsPerPe,
    L1,
    L2,
    NocBandwidth,
    NocLatency,
    Precision,
    DataflowArgument(String),
}

impl Field {
    /// The hardware fields a sweep can change, as written in `.df` (dotted inside blocks).
    /// (DRAM bandwidth is not one: the cost model's metrics do not read it.)
    pub const HARDWARE: [(&'static str, Field); 7] = [
        ("pes", Field::Pes),
        ("macs_per_pe", Field::MacsPerPe),
        ("l1", Field::L1),
        ("l2", Field::L2),
        ("noc.bandwidth", Field::NocBandwidth),
        ("noc.latency", Field::NocLatency),
        ("precision", Field::Precision),
    ];

    /// The field as written, which is also its column in sweep results: `noc.bandwidth`,
    /// `dataflow.c_tile`.
    pub fn path(&self) -> String {
        match self {
            Field::DataflowArgument(name) => format!("dataflow.{name}"),
            other => Field::HARDWARE
                .iter()
                .find(|(_, f)| f == other)
                .map_or_else(String::new, |(path, _)| (*path).to_string()),
        }
    }
}

/// One value of an axis, in base units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// A plain count: PEs, MACs per PE, a dataflow argument.
    Count(u64),
    Size(Size),
    Bandwidth(Bandwidth),
    Cycles(u64),
    Precision(Precision),
}

impl Value {
    /// The value as `.df` writes it canonically (`108 KiB`, `64 elem/cycle`, `int8`); sweep
    /// results print it in the axis' column.
    pub fn text(&self) -> String {
        match *self {
            Value::Count(n) => n.to_string(),
            Value::Size(Size::Elements(n)) => format!("{n} elem"),
            Value::Size(Size::Bytes(n)) if n >= 1 << 20 && n % (1 << 20) == 0 => {
                format!("{} MiB", n >> 20)
            }
            Value::Size(Size::Bytes(n)) if n >= 1 << 10 && n % (1 << 10) == 0 => {
                format!("{} KiB", n >> 10)
            }
            Value::Size(Size::Bytes(n)) => format!("{n} B"),
            Value::Bandwidth(Bandwidth::ElementsPerCycle(n)) => format!("{n} elem/cycle"),
            Value::Bandwidth(Bandwidth::BytesPerCycle(n)) => format!("{n} B/cycle"),
            Value::Cycles(n) => format!("{n} cycles"),
            Value::Precision(p) => p.name.to_string(),
        }
    }
}
