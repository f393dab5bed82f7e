//! The crate's one stable hash (FNV-1a, 64 bits). std's hashers may change between
//! releases; this one derives per-layer seeds and digests trace files identically everywhere.

/// FNV-1a over bytes.
pub fn stable_hash(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
