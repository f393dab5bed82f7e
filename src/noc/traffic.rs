//! Traffic classes of a mapped layer: what the top cluster level of a dataflow moves between
//! the shared buffer and its units (PEs or clusters) per step, split into unicast, multicast
//! (with its fan-out), broadcast, reduction (with its fan-in) and collection.
//!
//! Volumes come from the cost model (`LayerMetrics`: the NoC ingress of input and filter, the
//! egress of outputs, multicast data counted once); how many units share each element follows
//! from the top level's spatial map and which dimensions each tensor depends on
//! (`docs/noc.md`, "Traffic classes").

use crate::backends::cost::{Dim, Directive, LayerMetrics, LayerType, MapKind, Problem};

/// The tensor a class carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tensor {
    Input,
    Filter,
    Output,
}

impl Tensor {
    pub fn name(self) -> &'static str {
        match self {
            Tensor::Input => "input",
            Tensor::Filter => "filter",
            Tensor::Output => "output",
        }
    }
}

/// How one tensor's elements travel between the shared buffer and the units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassKind {
    /// Each element to one unit.
    Unicast,
    /// Each element to `fanout` units (fewer than all).
    Multicast,
    /// Each element to every unit at work (`fanout` of them).
    Broadcast,
    /// `fanout` units each send a partial sum of the same element; they are added up.
    Reduction,
    /// Each unit sends its own outputs.
    Collection,
}

impl ClassKind {
    pub fn name(self) -> &'static str {
        match self {
            ClassKind::Unicast => "unicast",
            ClassKind::Multicast => "multicast",
            ClassKind::Broadcast => "broadcast",
            ClassKind::Reduction => "reduction",
            ClassKind::Collection => "collection",
        }
    }

    /// Whether the class flows from the units to the buffer.
    pub fn is_egress(self) -> bool {
        matches!(self, ClassKind::Reduction | ClassKind::Collection)
    }
}

/// One tensor's traffic over a layer.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TrafficClass {
    pub tensor: Tensor,
    pub kind: ClassKind,
    /// Distinct elements over the layer (as the buffer reads or writes them).
    pub elements: i64,
    /// Units per element: destinations (distribution) or sources (reduction); 1 for unicast
    /// and collection.
    pub fanout: f64,
    /// `elements / steps`.
    pub elements_per_step: f64,
}

/// The traffic of one layer at the top cluster level.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LayerTraffic {
    pub layer: String,
    /// Top-level iterations (temporal steps times spatial folds).
    pub steps: i64,
    /// Units of the top level: PEs, or clusters of a multi-level dataflow.
    pub units: i64,
    /// Units the spatial map keeps busy.
    pub active_units: i64,
    /// The dimension the top level maps in space.
    pub spatial_dim: Option<&'static str>,
    /// Input, filter, output.
    pub classes: [TrafficClass; 3],
    /// The cost model's runtime and average compute delay per step.
    pub runtime_cycles: i64,
    pub compute_cycles_per_step: i64,
}

/// The dimensions a tensor's elements depend on (batch `N` only when coupled).
fn coupled(layer_type: LayerType, tensor: Tensor, batch: bool) -> Vec<Dim> {
    use Dim::*;
    let mut dims = match (layer_type, tensor) {
        (LayerType::Dsconv, Tensor::Input | Tensor::Output) => vec![C, Y, X, YOut, XOut],
        (LayerType::Dsconv, Tensor::Filter) => vec![C, R, S],
        (LayerType::Ngconv, Tensor::Input) => vec![G, C, Y, X, YOut, XOut],
        (LayerType::Ngconv, Tensor::Filter) => vec![G, K, C, R, S],
        (LayerType::Ngconv, Tensor::Output) => vec![G, K, C, Y, X, YOut, XOut],
        (_, Tensor::Input) => vec![C, Y, X, YOut, XOut],
        (_, Tensor::Filter) => vec![K, C, R, S],
        (_, Tensor::Output) => vec![K, Y, X, YOut, XOut],
    };
    if batch && tensor != Tensor::Filter {
        dims.push(N);
    }
    if tensor == Tensor::Input {
        // The input window slides with the filter: neighbouring filter rows share input rows.
        dims.extend([R, S]);
    }
    dims
}

/// Iterations of a map of `size` advancing by `offset` over `extent`.
fn positions(extent: i64, size: i64, offset: i64) -> i64 {
    if extent <= size {
        1
    } else {
        (extent - size + offset - 1) / offset.max(1) + 1
    }
}

/// The dimension sizes a top-level map ranges over.
fn extent(p: &Problem, d: Dim) -> i64 {
    let get = |d: Dim| p.dims.iter().find(|x| x.0 == d).map(|x| x.1);
    let stride = |d: Dim| {
        p.strides
            .iter()
            .rev()
            .find(|x| x.0 == d)
            .map_or(1, |x| x.1.max(1))
    };
    let out = |o: Dim, i: Dim, f: Dim| {
        get(o).unwrap_or_else(|| {
            let (len, w) = (get(i).unwrap_or(1), get(f).unwrap_or(1));
            if len >= w {
                (len - w) / stride(i) + 1
            } else {
                1
            }
        })
    };
    match d {
        Dim::YOut => out(Dim::YOut, Dim::Y, Dim::R),
        Dim::XOut => out(Dim::XOut, Dim::X, Dim::S),
        d => get(d).unwrap_or(1),
    }
}

/// The top cluster level's maps and its unit count.
fn top_level(p: &Problem, num_pes: i64) -> (Vec<(MapKind, i64, i64, Dim)>, i64) {
    let mut maps = Vec::new();
    let mut units = num_pes.max(1);
    for d in &p.directives {
        match *d {
            Directive::Map {
                kind,
                size,
                offset,
                dim,
            } => maps.push((kind, size.max(1), offset.max(1), dim)),
            Directive::Cluster { size } => {
                units = (num_pes / size.max(1)).max(1);
                break;
            }
        }
    }
    (maps, units)
}

/// The size and offset of a unit's share of `tensor` along the spatial dimension: the
/// map's own, except for the input under a map of output rows (`Y'`: a unit's output rows
/// read `(size − 1)·stride + R` input rows) or of filter rows (`R`: see [`output_tile`]).
fn input_window(
    p: &Problem,
    maps: &[(MapKind, i64, i64, Dim)],
    tensor: Tensor,
    dim: Dim,
    size: i64,
    offset: i64,
) -> (i64, i64) {
    if tensor != Tensor::Input {
        return (size, offset);
    }
    let stride = |d: Dim| {
        p.strides
            .iter()
            .rev()
            .find(|x| x.0 == d)
            .map_or(1, |x| x.1.max(1))
    };
    match dim {
        Dim::R | Dim::S => (size + output_tile(p, maps, dim) - 1, offset),
        Dim::YOut => {
            let s = stride(Dim::Y);
            ((size - 1) * s + extent(p, Dim::R), offset * s)
        }
        Dim::XOut => {
            let s = stride(Dim::X);
            ((size - 1) * s + extent(p, Dim::S), offset * s)
        }
        _ => (size, offset),
    }
}

/// The output rows (columns) a top-level step covers along the sliding dimension of filter
/// dimension `filter` (`R` → `Y'`): a unit mapped to filter row `r` reads input rows
/// `r .. r + tile`, so units of neighbouring filter rows share all but one.
fn output_tile(p: &Problem, maps: &[(MapKind, i64, i64, Dim)], filter: Dim) -> i64 {
    let (input, output) = if filter == Dim::R {
        (Dim::Y, Dim::YOut)
    } else {
        (Dim::X, Dim::XOut)
    };
    let window = extent(p, filter);
    maps.iter()
        .find_map(|&(_, size, _, d)| {
            if d == output {
                Some(size)
            } else if d == input {
                Some((size - window + 1).max(1))
            } else {
                None
            }
        })
        .unwrap_or_else(|| extent(p, output))
        .max(1)
}

/// How many units receive each element of a tensor coupled to the spatial dimension: the
/// units' tiles overlap where the map's size exceeds its offset (sliding windows), so
/// `active · size / (offset · (active − 1) + size)`.
fn overlap_fanout(active: i64, size: i64, offset: i64) -> f64 {
    let unique = offset.min(size) * (active - 1) + size;
    (active * size) as f64 / unique as f64
}

/// The traffic classes of one layer given its cost problem and the cost model's metrics.
pub fn layer_traffic(layer: &str, p: &Problem, m: &LayerMetrics, num_pes: i64) -> LayerTraffic {
    let (maps, units) = top_level(p, num_pes);
    let spatial = maps.iter().find(|x| x.0 == MapKind::Spatial).copied();
    let mut steps: i64 = 1;
    let mut active = 1;
    for &(kind, size, offset, dim) in &maps {
        let n = positions(extent(p, dim), size, offset);
        let iterations = if kind == MapKind::Spatial {
            if Some(dim) == spatial.map(|s| s.3) {
                active = n.min(units);
            }
            (n + units - 1) / units
        } else {
            n
        };
        steps = steps.saturating_mul(iterations.max(1));
    }
    let volumes = [
        (Tensor::Input, m.input_l2_read),
        (Tensor::Filter, m.filter_l2_read),
        (Tensor::Output, m.output_l2_write),
    ];
    let classes = volumes.map(|(tensor, elements)| {
        let elements = elements.max(0);
        let (kind, fanout) = match spatial {
            None => (unit_kind(tensor), 1.0),
            Some((_, size, offset, dim)) => {
                let depends = coupled(p.layer_type, tensor, p.batch_in_tensors).contains(&dim);
                let (size, offset) = input_window(p, &maps, tensor, dim, size, offset);
                classify(tensor, depends, active, size, offset)
            }
        };
        TrafficClass {
            tensor,
            kind,
            elements,
            fanout,
            elements_per_step: elements as f64 / steps.max(1) as f64,
        }
    });
    LayerTraffic {
        layer: layer.to_string(),
        steps,
        units,
        active_units: active,
        spatial_dim: spatial.map(|s| s.3.name()),
        classes,
        runtime_cycles: m.runtime_cycles,
        compute_cycles_per_step: m.compute_delay_avg.max(1),
    }
}

fn unit_kind(tensor: Tensor) -> ClassKind {
    if tensor == Tensor::Output {
        ClassKind::Collection
    } else {
        ClassKind::Unicast
    }
}

/// The class of a tensor under a spatial map on a dimension it does (`depends`) or does not
/// depend on.
fn classify(
    tensor: Tensor,
    depends: bool,
    active: i64,
    size: i64,
    offset: i64,
) -> (ClassKind, f64) {
    if active <= 1 {
        return (unit_kind(tensor), 1.0);
    }
    match (tensor, depends) {
        (Tensor::Output, true) => (ClassKind::Collection, 1.0),
        (Tensor::Output, false) => (ClassKind::Reduction, active as f64),
        // The same data for every unit at work.
        (_, false) => (ClassKind::Broadcast, active as f64),
        (_, true) => {
            let f = overlap_fanout(active, size, offset);
            if f > 1.0 + 1e-9 {
                (ClassKind::Multicast, f)
            } else {
                (ClassKind::Unicast, 1.0)
            }
        }
    }
}
