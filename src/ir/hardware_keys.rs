//! MAESTRO's hardware keywords and the `.df` hardware fields they stand for: one table, read
//! by the MAESTRO importer (to import HW files) and by lowering (to say what a MAESTRO name
//! is called in `.df` when a user writes one).

/// The `.df` field path (`pes`, `noc.bandwidth`, …) a MAESTRO hardware keyword stands for.
pub fn maestro_hardware_field(key: &str) -> Option<&'static str> {
    match key {
        "NumPEs" | "num_pes" => Some("pes"),
        "L1Size" | "l1_size_cstr" => Some("l1"),
        "L2Size" | "l2_size_cstr" => Some("l2"),
        "NoC_BW" | "noc_bw_cstr" => Some("noc.bandwidth"),
        "NoC_NumHops" => Some("noc.latency"),
        "offchip_bw_cstr" => Some("dram.bandwidth"),
        "num_simd_lanes" | "lanes" => Some("macs_per_pe"),
        _ => None,
    }
}

/// How a field path is written in `.df` (`noc.bandwidth` → `noc { bandwidth: … }`).
pub fn field_in_source(path: &str) -> String {
    match path.split_once('.') {
        Some((block, field)) => format!("{block} {{ {field}: … }}"),
        None => path.to_string(),
    }
}
