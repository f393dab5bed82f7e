//! E-class facts the rules' conditions need, and the invariants every rule must keep.
//!
//! Every class is a leaf (a dimension or a number) or a *nest* (a suffix of a loop nest). For
//! a nest the analysis records what is invariant under every rule in `rules.rs`: which
//! dimensions its first level maps and with how many spatial maps, how many cluster levels it
//! has below, whether every map is a tiling, and then the layer's MAC count. Two terms in one
//! class must agree on all of it; `merge` checks that with `debug_assert!`, which is how a
//! rule that broke an invariant shows up in debug builds and tests.

use egg::{Analysis, DidMerge, EGraph, Id};

use super::lang::{DimName, MapLang};
use crate::ir::Dim;

/// Number of loop dimensions ([`Dim::ALL`]).
pub const NDIMS: usize = Dim::ALL.len();

/// The layer the terms map: the loop bound of every dimension, output-centric (`Y'`, `X'`
/// hold the output extents; `Y`, `X` are 0), and 0 for dimensions the layer lacks.
#[derive(Debug, Clone, Default)]
pub struct MapAnalysis {
    pub extents: [i64; NDIMS],
}

impl MapAnalysis {
    pub fn new(extents: [i64; NDIMS]) -> MapAnalysis {
        MapAnalysis { extents }
    }

    /// MACs of the whole layer: the product of the extents it has.
    pub fn layer_macs(&self) -> u64 {
        self.extents
            .iter()
            .filter(|e| **e > 0)
            .fold(1u64, |acc, e| acc.saturating_mul(e.unsigned_abs()))
    }
}

/// Facts about one e-class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapData {
    Dim(Dim),
    Num(i64),
    Nest(NestData),
}

/// Facts about a nest suffix that no rule changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NestData {
    /// Dimensions mapped from this node down to the next `cluster` (bit `Dim::index()`).
    pub level_dims: u16,
    /// Maps from this node down to the next `cluster`.
    pub level_maps: u8,
    /// Spatial maps among them.
    pub level_spatial: u8,
    /// `cluster` nodes in the suffix.
    pub levels_below: u8,
    /// Every map in the suffix is a tiling: size = offset, output-centric dimension. Its
    /// windows then partition the parent's window, so every point is computed exactly once.
    pub tiling: bool,
    /// MACs the whole nest performs when it is a tiling (each point of the layer once).
    pub macs: Option<u64>,
}

impl MapData {
    pub fn num(self) -> Option<i64> {
        match self {
            MapData::Num(n) => Some(n),
            _ => None,
        }
    }

    pub fn dim(self) -> Option<Dim> {
        match self {
            MapData::Dim(d) => Some(d),
            _ => None,
        }
    }

    pub fn nest(self) -> Option<NestData> {
        match self {
            MapData::Nest(n) => Some(n),
            _ => None,
        }
    }
}

/// Whether a map of `dim` with this size and offset partitions its parent window.
pub fn is_tiling(dim: Dim, size: i64, offset: i64) -> bool {
    // Input-coordinate maps (`Y`, `X`) slide over rows shared by neighbouring windows, so
    // size = offset is not a partition of the work there.
    size == offset && size >= 1 && !matches!(dim, Dim::Y | Dim::X)
}

impl Analysis<MapLang> for MapAnalysis {
    type Data = MapData;

    fn make(egraph: &mut EGraph<MapLang, Self>, enode: &MapLang, _id: Id) -> MapData {
        let data = |id: Id| egraph[id].data;
        match enode {
            MapLang::Num(n) => MapData::Num(*n),
            MapLang::Dim(DimName(d)) => MapData::Dim(*d),
            MapLang::Mac => MapData::Nest(NestData {
                level_dims: 0,
                level_maps: 0,
                level_spatial: 0,
                levels_below: 0,
                tiling: true,
                macs: Some(egraph.analysis.layer_macs()),
            }),
            MapLang::Cluster([_, body]) => {
                let b = data(*body).nest().unwrap_or(MALFORMED);
                MapData::Nest(NestData {
                    level_dims: 0,
                    level_maps: 0,
                    level_spatial: 0,
                    levels_below: b.levels_below.saturating_add(1),
                    ..b
                })
            }
            MapLang::Temporal([d, s, o, body]) | MapLang::Spatial([d, s, o, body]) => {
                let b = data(*body).nest().unwrap_or(MALFORMED);
                let spatial = matches!(enode, MapLang::Spatial(_));
                let (dim, size, offset) = (data(*d).dim(), data(*s).num(), data(*o).num());
                let tiling = match (dim, size, offset) {
                    (Some(dim), Some(size), Some(offset)) => {
                        b.tiling && is_tiling(dim, size, offset)
                    }
                    _ => false,
                };
                MapData::Nest(NestData {
                    level_dims: b.level_dims | dim.map_or(0, |d| 1 << d.index()),
                    level_maps: b.level_maps.saturating_add(1),
                    level_spatial: b.level_spatial.saturating_add(u8::from(spatial)),
                    levels_below: b.levels_below,
                    tiling,
                    macs: if tiling { b.macs } else { None },
                })
            }
        }
    }

    fn merge(&mut self, a: &mut MapData, b: MapData) -> DidMerge {
        // Rules only equate terms that agree on every fact; a difference is a broken rule.
        debug_assert_eq!(
            *a, b,
            "merged e-classes disagree: a rewrite broke an invariant"
        );
        DidMerge(false, false)
    }
}

/// Stands in for the body of a malformed node (a leaf where a nest belongs), so that `make`
/// never panics; such a nest is not a tiling and no rule applies to it.
const MALFORMED: NestData = NestData {
    level_dims: 0,
    level_maps: 0,
    level_spatial: 0,
    levels_below: 0,
    tiling: false,
    macs: None,
};
