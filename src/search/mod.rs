//! Mapping search (Marvel-style decoupled off-chip/on-chip search). Being built; see issue 4.
