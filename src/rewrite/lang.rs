//! The mapping language: one directive list as one nested term.
//!
//! A dataflow is a loop nest, outermost directive first, so it is written as a chain of
//! nodes whose last child is the rest of the nest:
//!
//! ```text
//! spatial(1,1) K; temporal(8,8) C; cluster(16); spatial(1,1) C;
//!   ⇒ (spatial K 1 1 (temporal C 8 8 (cluster 16 (spatial C 1 1 mac))))
//! ```
//!
//! Levels are the segments between `cluster` nodes; loop order is the nesting order inside a
//! level; tile sizes are the size/offset children. A map whose size equals its offset on an
//! output-centric dimension (`K C R S N G Y' X'`) is a *tiling* (its windows partition the
//! parent's window); the rewrite rules work on tilings (see `RULES.md`).

use std::fmt;
use std::str::FromStr;

use egg::{define_language, Id};

use crate::ir::{Dim, MapKind};

/// A loop dimension as an e-graph leaf, written with its `.df` name (`K`, `Y'`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DimName(pub Dim);

impl FromStr for DimName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dim::parse(s)
            .map(DimName)
            .ok_or_else(|| format!("`{s}` is not a dimension"))
    }
}

impl fmt::Display for DimName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name())
    }
}

define_language! {
    /// Mapping terms; see the module docs.
    pub enum MapLang {
        // (temporal d size offset body): `temporal(size, offset) d;` then `body` inside it.
        "temporal" = Temporal([Id; 4]),
        // (spatial d size offset body): `spatial(size, offset) d;` then `body` inside it.
        "spatial" = Spatial([Id; 4]),
        // (cluster n body): `cluster(n);` — `body` is the next level down, on groups of n units.
        "cluster" = Cluster([Id; 2]),
        // mac: the end of the nest; each step computes every point of its tile.
        "mac" = Mac,
        // A dimension leaf.
        Dim(DimName),
        // A size, offset or cluster size.
        Num(i64),
    }
}

impl MapLang {
    /// The map kind and children `[dim, size, offset, body]` of a map node.
    pub fn as_map(&self) -> Option<(MapKind, [Id; 4])> {
        match self {
            MapLang::Temporal(c) => Some((MapKind::Temporal, *c)),
            MapLang::Spatial(c) => Some((MapKind::Spatial, *c)),
            _ => None,
        }
    }

    /// A map node of `kind`.
    pub fn map(kind: MapKind, children: [Id; 4]) -> MapLang {
        match kind {
            MapKind::Temporal => MapLang::Temporal(children),
            MapKind::Spatial => MapLang::Spatial(children),
        }
    }
}
