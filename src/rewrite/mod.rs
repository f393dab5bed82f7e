//! Mapping space as e-graph rewrites (egg). Being built; see issue 4.
