//! Traffic classes of a mapped layer: what each cluster level of a dataflow moves between
//! its buffer and its units (PEs or clusters) per step, split into unicast, multicast
//! (with its fan-out), broadcast, reduction (with its fan-in) and collection.
//!
//! Volumes come from the cost model (`LayerMetrics` for the top level: the NoC ingress of
//! input and filter, the egress of outputs, multicast data counted once; its per-level counts,
//! `cost::inner_level_traffic`, for the levels inside the clusters); how many units share each
//! element follows from the level's spatial map and which dimensions each tensor depends on
//! (`docs/noc.md`, "Traffic classes" and "Inner cluster levels").

use crate::backends::cost::{
    Dim, Directive, LayerMetrics, LayerType, LevelTraffic, MapKind, Problem,
};

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

/// The traffic of one layer at one cluster level (the top one unless `level` says otherwise).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LayerTraffic {
    pub layer: String,
    /// The cluster level: 0 the top, 1 the level inside its units, and so on.
    pub level: usize,
    /// Copies of this level's network: 1 at the top, the clusters of this level inside (each
    /// cluster has its own network over its units).
    pub instances: i64,
    /// How many of them work at once on average: 1 at the top, `runs / parent_steps` inside.
    pub parallel: f64,
    /// The level's iterations (temporal steps times spatial folds), over all its instances.
    pub steps: i64,
    /// Units of the level: PEs, or clusters of a multi-level dataflow.
    pub units: i64,
    /// Units the spatial map keeps busy.
    pub active_units: i64,
    /// The dimension the top level maps in space.
    pub spatial_dim: Option<&'static str>,
    /// Input, filter, output.
    pub classes: [TrafficClass; 3],
    /// The cost model's runtime of the layer and its average compute delay per step of this
    /// level.
    pub runtime_cycles: i64,
    pub compute_cycles_per_step: i64,
    /// At the top level: the levels inside the clusters, from the next one down (empty for a
    /// one-level dataflow, and at the inner levels themselves).
    pub inner_levels: Vec<LayerTraffic>,
}

/// A level's maps as the dataflow writes them: size and offset at least 1.
type LevelMaps = Vec<(MapKind, i64, i64, Dim)>;

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
fn top_level(p: &Problem, num_pes: i64) -> (LevelMaps, i64) {
    let units = p.directives.iter().find_map(|d| match *d {
        Directive::Cluster { size } => Some((num_pes / size.max(1)).max(1)),
        Directive::Map { .. } => None,
    });
    (level_maps(p, 0), units.unwrap_or(num_pes.max(1)))
}

/// The maps of cluster level `level` (0 the top): those between its `cluster` directive and
/// the next.
fn level_maps(p: &Problem, level: usize) -> LevelMaps {
    let mut maps = Vec::new();
    let mut current = 0;
    for d in &p.directives {
        match *d {
            Directive::Map {
                kind,
                size,
                offset,
                dim,
            } if current == level => maps.push((kind, size.max(1), offset.max(1), dim)),
            Directive::Map { .. } => {}
            Directive::Cluster { .. } if current == level => break,
            Directive::Cluster { .. } => current += 1,
        }
    }
    maps
}

/// The size and offset of a unit's share of `tensor` along the spatial dimension: the
/// map's own, except for the input under a map of output rows (`Y'`: a unit's output rows
/// read `(size − 1)·stride + R` input rows) or of filter rows (`R`: see [`output_tile`]).
fn input_window(
    p: &Problem,
    maps: &LevelMaps,
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
fn output_tile(p: &Problem, maps: &LevelMaps, filter: Dim) -> i64 {
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
    let classes =
        volumes.map(|(tensor, elements)| traffic_class(p, &maps, tensor, elements, active, steps));
    LayerTraffic {
        layer: layer.to_string(),
        level: 0,
        instances: 1,
        parallel: 1.0,
        steps,
        units,
        active_units: active,
        spatial_dim: spatial.map(|s| s.3.name()),
        classes,
        runtime_cycles: m.runtime_cycles,
        compute_cycles_per_step: m.compute_delay_avg.max(1),
        inner_levels: Vec::new(),
    }
}

/// The traffic of the levels inside the clusters, from the cost model's per-level counts
/// (`levels[0]` the level under the top one). Each level is classified as the top one is, by
/// its own first spatial map, with its busy units the cost model's average.
pub fn inner_traffic(
    top: &LayerTraffic,
    p: &Problem,
    levels: &[LevelTraffic],
) -> Vec<LayerTraffic> {
    levels
        .iter()
        .enumerate()
        .map(|(index, l)| {
            let level = index + 1;
            let maps = level_maps(p, level);
            let steps = l.steps.max(1);
            let units = l.units.max(1);
            let active = ((l.busy_units as f64 / steps as f64).round() as i64).clamp(1, units);
            let volumes = [
                (Tensor::Input, l.input),
                (Tensor::Filter, l.filter),
                (Tensor::Output, l.output),
            ];
            let classes = volumes
                .map(|(tensor, elements)| traffic_class(p, &maps, tensor, elements, active, steps));
            let spatial = maps.iter().find(|x| x.0 == MapKind::Spatial);
            LayerTraffic {
                layer: top.layer.clone(),
                level,
                instances: l.instances.max(1),
                parallel: (l.runs as f64 / l.parent_steps.max(1) as f64).max(1.0),
                steps,
                units,
                active_units: active,
                spatial_dim: spatial.map(|s| s.3.name()),
                classes,
                runtime_cycles: top.runtime_cycles,
                compute_cycles_per_step: (l.compute_cycles / steps).max(1),
                inner_levels: Vec::new(),
            }
        })
        .collect()
}

/// One tensor's class at a level with these maps: by the level's first spatial map and
/// whether the tensor depends on its dimension (no spatial map: each unit its own data).
fn traffic_class(
    p: &Problem,
    maps: &LevelMaps,
    tensor: Tensor,
    elements: i64,
    active: i64,
    steps: i64,
) -> TrafficClass {
    let elements = elements.max(0);
    let spatial = maps.iter().find(|x| x.0 == MapKind::Spatial).copied();
    let (kind, fanout) = match spatial {
        None => (unit_kind(tensor), 1.0),
        Some((_, size, offset, dim)) => {
            let depends = coupled(p.layer_type, tensor, p.batch_in_tensors).contains(&dim);
            let (size, offset) = input_window(p, maps, tensor, dim, size, offset);
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
