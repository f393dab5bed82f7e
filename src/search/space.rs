//! The searched mapping space of one layer, and its points.
//!
//! A point ([`Genome`], GAMMA's encoding) is a list of cluster levels; each level maps every
//! active dimension once, in loop order, as a tiling (`size = offset`) on the output-centric
//! dimensions `N G K C R S Y' X'`, with one or two of them spatial. Level 0 spreads over the
//! top-level units (`PEs / Π cluster sizes`), level `l ≥ 1` opens with `cluster(size)`, of any
//! size from 1 (a level inside one PE: its tiles are what that PE's buffer holds at a time) to
//! the PEs. Tile sizes are any size from 1 to the extent: a size that does not divide its
//! dimension leaves a smaller edge tile, as in GAMMA's space. The filter dimensions `R` and `S`
//! are searched dimensions like the others (the Default model counts partial filter tiles
//! exactly, `complete_windows` in `MODEL.md`). A level's tile never exceeds its parent's (the
//! directive list clamps it). Every point is a valid `.df` dataflow with constant sizes.

use crate::backends::cost::{self, Dim as CDim};
use crate::ir::{ConcreteDirective, Dim, MapKind};
use crate::rewrite::NDIMS;

use crate::util::Rng;

/// An active dimension of the layer (extent > 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceDim {
    pub dim: Dim,
    pub extent: i64,
    /// Divisors of the extent, ascending.
    pub divisors: Vec<i64>,
}

/// One layer's mapping space on one hardware.
#[derive(Debug, Clone)]
pub struct LayerSpace {
    /// Active dimensions in canonical order (`N G K C R S Y' X'`).
    pub dims: Vec<SpaceDim>,
    /// Extent of every dimension, output-centric (as `rewrite::MapAnalysis::extents`).
    pub extents: [i64; NDIMS],
    pub stride_y: i64,
    pub stride_x: i64,
    pub layer_type: cost::LayerType,
    pub pes: i64,
    /// Cluster sizes: the distinct `⌊PEs/q⌋`, ascending (1 included). `⌊PEs/q⌋` is exactly
    /// what puts `q` clusters side by side, so every parallelism of level 0 has a matching size.
    pub cluster_sizes: Vec<i64>,
}

/// One loop of a level: the index of its dimension in [`LayerSpace::dims`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loop {
    pub dim: usize,
    pub tile: i64,
    pub spatial: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Level {
    /// The `cluster(size)` opening this level; unused (0) for level 0.
    pub cluster: i64,
    /// Outermost loop first.
    pub loops: Vec<Loop>,
}

/// A point of the space.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Genome {
    pub levels: Vec<Level>,
}

/// Why a layer has no mapping space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpaceError(pub String);

impl LayerSpace {
    /// The space of a layer given its cost-model problem (Default model) and PE count.
    pub fn new(problem: &cost::Problem, pes: i64) -> Result<LayerSpace, SpaceError> {
        let mut extents = [0i64; NDIMS];
        let mut stride = [1i64; 2];
        for &(d, s) in &problem.strides {
            match d {
                CDim::Y => stride[0] = s.max(1),
                CDim::X => stride[1] = s.max(1),
                _ => {}
            }
        }
        let mut input = [0i64; 2];
        for &(d, v) in &problem.dims {
            if v < 1 {
                return Err(SpaceError(format!("dimension {d} has size {v}")));
            }
            match d {
                CDim::Y => input[0] = v,
                CDim::X => input[1] = v,
                _ => {
                    // The first value of a repeated dimension wins, as in the cost model.
                    if extents[d.index()] == 0 {
                        extents[d.index()] = v;
                    }
                }
            }
        }
        for (i, (out, filter)) in [(Dim::YOut, Dim::R), (Dim::XOut, Dim::S)]
            .into_iter()
            .enumerate()
        {
            if extents[out.index()] > 0 {
                continue;
            }
            let k = extents[filter.index()].max(1);
            let len = input[i].max(1);
            if len < k {
                return Err(SpaceError(format!(
                    "the input ({len}) is smaller than the filter ({k}) along {out}"
                )));
            }
            extents[out.index()] = (len - k) / stride[i] + 1;
        }
        let mut dims: Vec<SpaceDim> = Dim::LOOPS
            .iter()
            .filter(|d| extents[d.index()] > 1)
            .map(|&d| SpaceDim {
                dim: d,
                extent: extents[d.index()],
                divisors: divisors(extents[d.index()]),
            })
            .collect();
        if dims.is_empty() {
            // A single-MAC layer still needs a spatial map per level.
            let d = if extents[Dim::K.index()] > 0 {
                Dim::K
            } else {
                Dim::C
            };
            extents[d.index()] = extents[d.index()].max(1);
            dims.push(SpaceDim {
                dim: d,
                extent: 1,
                divisors: vec![1],
            });
        }
        let mut cluster_sizes: Vec<i64> = (1..=pes.max(1)).map(|q| pes / q).collect();
        cluster_sizes.sort_unstable();
        cluster_sizes.dedup();
        Ok(LayerSpace {
            dims,
            extents,
            stride_y: stride[0],
            stride_x: stride[1],
            layer_type: problem.layer_type,
            pes: pes.max(1),
            cluster_sizes,
        })
    }

    /// The space's dimension index of `d`.
    pub fn index_of(&self, d: Dim) -> Option<usize> {
        self.dims.iter().position(|s| s.dim == d)
    }

    /// A random divisor of dimension `i`'s extent that is at most `cap`.
    pub fn random_divisor(&self, i: usize, cap: i64, rng: &mut Rng) -> i64 {
        let divs = &self.dims[i].divisors;
        let n = divs.iter().take_while(|d| **d <= cap).count().max(1);
        divs[rng.below(n)]
    }

    /// A random tile size of dimension `i`, at most `cap`: half the time a divisor of the
    /// extent (no edge tile), otherwise any size (an edge tile is left over).
    pub fn random_tile(&self, i: usize, cap: i64, rng: &mut Rng) -> i64 {
        let cap = cap.clamp(1, self.dims[i].extent.max(1));
        if rng.chance(0.5) {
            self.random_divisor(i, cap, rng)
        } else {
            1 + rng.below(cap as usize) as i64
        }
    }

    /// A random point: 1–`max_levels` levels, random orders, tiles and spatial dimensions.
    pub fn random_genome(&self, rng: &mut Rng, max_levels: usize) -> Genome {
        let nlevels = match rng.below(20) {
            0..=4 => 1,
            5..=15 => 2,
            _ => 3,
        }
        .min(max_levels.max(1));
        let mut levels: Vec<Level> = Vec::with_capacity(nlevels);
        let mut budget = self.pes;
        for li in 0..nlevels {
            let cluster = if li == 0 {
                0
            } else {
                // The cluster sizes must multiply to at most the PEs.
                let fits: Vec<i64> = self
                    .cluster_sizes
                    .iter()
                    .copied()
                    .filter(|c| *c <= budget)
                    .collect();
                match rng.pick(&fits) {
                    Some(&c) => {
                        budget /= c;
                        c
                    }
                    None => break,
                }
            };
            let mut order: Vec<usize> = (0..self.dims.len()).collect();
            rng.shuffle(&mut order);
            let parent = levels.last();
            let loops = order
                .iter()
                .map(|&i| {
                    let cap = parent.map_or(self.dims[i].extent, |p| tile_of(p, i));
                    Loop {
                        dim: i,
                        tile: self.random_tile(i, cap, rng),
                        spatial: false,
                    }
                })
                .collect();
            let mut level = Level { cluster, loops };
            self.random_spatial(&mut level, rng);
            levels.push(level);
        }
        // Clusters are listed outermost first, but sizes were drawn in that order too, so the
        // product bound holds.
        Genome { levels }
    }

    /// Make one random loop of `level` spatial.
    pub fn random_spatial(&self, level: &mut Level, rng: &mut Rng) {
        for l in &mut level.loops {
            l.spatial = false;
        }
        let first = rng.below(level.loops.len());
        if let Some(l) = level.loops.get_mut(first) {
            l.spatial = true;
        }
    }
}

/// The tile of dimension `i` in `level` (its extent if the level lacks it).
pub fn tile_of(level: &Level, i: usize) -> i64 {
    level
        .loops
        .iter()
        .find(|l| l.dim == i)
        .map_or(i64::MAX, |l| l.tile)
}

impl Genome {
    /// The directive list: tiles clamped to the parent level's tile and to the extent.
    pub fn directives(&self, space: &LayerSpace) -> Vec<ConcreteDirective> {
        let mut out = Vec::with_capacity(self.levels.len() * (space.dims.len() + 1));
        let mut parent: Option<&Level> = None;
        for (li, level) in self.levels.iter().enumerate() {
            if li > 0 {
                out.push(ConcreteDirective::Cluster {
                    size: level.cluster.max(1),
                });
            }
            for l in &level.loops {
                let Some(sd) = space.dims.get(l.dim) else {
                    continue;
                };
                let cap = parent.map_or(sd.extent, |p| tile_of(p, l.dim).min(sd.extent));
                let t = l.tile.clamp(1, cap.max(1));
                out.push(ConcreteDirective::Map {
                    kind: if l.spatial {
                        MapKind::Spatial
                    } else {
                        MapKind::Temporal
                    },
                    size: t,
                    offset: t,
                    dim: sd.dim,
                });
            }
            parent = Some(level);
        }
        out
    }

    /// Fix what operators may break: one spatial map per level, cluster product ≤ PEs,
    /// tiles within the parent's.
    pub fn repair(&mut self, space: &LayerSpace, rng: &mut Rng) {
        let mut budget = space.pes;
        let mut keep = self.levels.len();
        for (li, level) in self.levels.iter_mut().enumerate().skip(1) {
            if level.cluster > budget || level.cluster < 1 {
                let fits = space.cluster_sizes.iter().copied().filter(|c| *c <= budget);
                match fits.max() {
                    Some(c) => level.cluster = c.min(level.cluster.max(1)),
                    None => {
                        keep = li;
                        break;
                    }
                }
            }
            budget /= level.cluster;
        }
        self.levels.truncate(keep.max(1));
        for li in 0..self.levels.len() {
            let spatial = self.levels[li].loops.iter().filter(|l| l.spatial).count();
            if spatial != 1 {
                space.random_spatial(&mut self.levels[li], rng);
            }
            if li > 0 {
                let (head, tail) = self.levels.split_at_mut(li);
                let parent = &head[li - 1];
                for l in &mut tail[0].loops {
                    l.tile = l.tile.min(tile_of(parent, l.dim));
                }
            }
        }
    }
}

/// Divisors of `n ≥ 1`, ascending.
pub fn divisors(n: i64) -> Vec<i64> {
    let mut small = Vec::new();
    let mut large = Vec::new();
    let mut d = 1;
    while d * d <= n {
        if n % d == 0 {
            small.push(d);
            if d != n / d {
                large.push(n / d);
            }
        }
        d += 1;
    }
    small.extend(large.into_iter().rev());
    small
}

/// A total order on directive lists, for tie-breaks.
pub fn directive_key(dirs: &[ConcreteDirective]) -> Vec<(u8, u8, i64, i64)> {
    dirs.iter()
        .map(|d| match *d {
            ConcreteDirective::Map {
                kind,
                size,
                offset,
                dim,
            } => (u8::from(kind == MapKind::Spatial), dim as u8, size, offset),
            ConcreteDirective::Cluster { size } => (2, 0, size, 0),
        })
        .collect()
}

/// Clamp every tiling map to the tile its dimension has one level up (the layer's extent at
/// level 0). The model treats a larger tile as the whole parent tile anyway, but not always
/// with the same volumes, and the printed dataflow should say what happens. Sliding-window
/// maps (size ≠ offset, or on `Y`/`X`) are left alone.
pub fn normalize(dirs: &mut [ConcreteDirective], extents: &[i64; NDIMS]) {
    let mut parent = *extents;
    let mut level = *extents;
    for d in dirs.iter_mut() {
        match d {
            ConcreteDirective::Cluster { .. } => parent = level,
            ConcreteDirective::Map {
                size, offset, dim, ..
            } => {
                let i = dim.index();
                let cap = parent[i];
                if *size == *offset && !matches!(dim, Dim::Y | Dim::X) && cap > 0 && *size > cap {
                    *size = cap;
                    *offset = cap;
                }
                if *size == *offset {
                    level[i] = (*size).min(if cap > 0 { cap } else { *size });
                }
            }
        }
    }
}
