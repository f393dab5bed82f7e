//! Unit tests of the NoC models.
