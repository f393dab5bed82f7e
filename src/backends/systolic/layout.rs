//! SCALE-Sim 3.0.0's custom on-chip layouts (`docs/semantics/scalesim.md`, "Layout files"):
//! the order in which a custom IFMAP or FILTER layout fetches its operand from DRAM, and the
//! checks on which SCALE-Sim fails. The bank model that the layout feeds lives with the USER
//! read buffer (`memory.rs`).

use super::geometry::NONE;
use super::{ArrayConfig, Bandwidth, Model, SimError};

/// One row of a SCALE-Sim layout file: tiling factors and loop orders, as numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LayoutRow {
    /// IFMAP intraline factors: height, width, channels.
    pub ifmap_factors: [i64; 3],
    /// IFMAP intraline and interline orders (axes of the tiled array).
    pub ifmap_intra: [i64; 3],
    pub ifmap_inter: [i64; 3],
    /// FILTER intraline factors: filters, channels, height, width.
    pub filter_factors: [i64; 4],
    pub filter_intra: [i64; 4],
    pub filter_inter: [i64; 4],
}

/// `[layout] IfmapCustomLayout` / `FilterCustomLayout` and the layout file's first row (the
/// only one SCALE-Sim reads: it asks for layer 0's layout for every layer).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CustomLayout {
    pub ifmap: bool,
    pub filter: bool,
    pub row: Option<LayoutRow>,
}

/// The custom fetch sequences of IFMAP and FILTER for a layer of `dims` (IFMAP height,
/// width, channels, filters, filter height, width): checked in every mode, as SCALE-Sim
/// builds them in every mode, but used (returned) only in USER mode.
pub(crate) fn custom_fetches(
    cfg: &ArrayConfig,
    model: Model,
    [h, w, ch, n, fh, fw]: [u64; 6],
    sparse: bool,
) -> Result<[Option<Vec<u32>>; 2], SimError> {
    let layout = &cfg.layout;
    if !layout.ifmap && !layout.filter {
        return Ok([None, None]);
    }
    if model == Model::Default || sparse {
        return Err(SimError::LayoutUnsupported(
            "custom layouts are simulated in the SCALE-Sim model only, without sparsity"
                .to_string(),
        ));
    }
    let Some(row) = &layout.row else {
        return Err(fails(
            "a custom layout is on but the layout file has no layout row".to_string(),
        ));
    };
    let ifmap = if layout.ifmap {
        let bw = cfg.ifmap_banks.bandwidth;
        Some(ifmap_sequence(row, [h, w, ch], cfg.ifmap_offset, bw)?)
    } else {
        None
    };
    let filter = if layout.filter {
        Some(filter_sequence(
            row,
            [n, ch, fh, fw],
            cfg.filter_banks.bandwidth,
        )?)
    } else {
        None
    };
    match cfg.bandwidth {
        Bandwidth::User { .. } => Ok([ifmap, filter]),
        Bandwidth::Calc => Ok([None, None]),
    }
}

fn fails(message: String) -> SimError {
    SimError::ScalesimFails(message)
}

/// The fetch order of an operand in a custom layout: the operand's data (`dims`, row-major,
/// values `value(index)`) padded to whole tiles of `factors`, then read with the tile axes
/// (`inter` order) outside the in-tile axes (`intra` order). `None` entries are padding.
fn tiled_order(
    dims: &[u64],
    factors: &[i64],
    intra: &[i64],
    inter: &[i64],
    what: &str,
) -> Result<Vec<Option<u64>>, SimError> {
    let rank = dims.len();
    if factors.iter().any(|&f| f <= 0) {
        return Err(fails(format!(
            "a {what} intraline factor is not positive (SCALE-Sim divides by it)"
        )));
    }
    // Axes of the tiled array: tile counts, then in-tile sizes.
    let tiles: Vec<u64> = (0..rank)
        .map(|i| dims[i].div_ceil(factors[i] as u64))
        .collect();
    let mut extent: Vec<u64> = tiles.clone();
    extent.extend(factors.iter().map(|&f| f as u64));
    let perm: Vec<i64> = inter.iter().chain(intra).copied().collect();
    let mut seen = vec![false; 2 * rank];
    for &p in &perm {
        if p < 0 || p as usize >= 2 * rank || seen[p as usize] {
            return Err(SimError::LayoutUnsupported(format!(
                "the {what} interline and intraline orders must be the axes 0..{} once each",
                2 * rank - 1
            )));
        }
        seen[p as usize] = true;
    }
    let out_extent: Vec<u64> = perm.iter().map(|&p| extent[p as usize]).collect();
    let total: u64 = out_extent.iter().product();
    if total > 1 << 28 {
        return Err(SimError::TooLarge(format!("{what} custom layout")));
    }
    let mut out = Vec::with_capacity(total as usize);
    let mut index = vec![0u64; 2 * rank];
    for mut flat in 0..total {
        for axis in (0..2 * rank).rev() {
            index[perm[axis] as usize] = flat % out_extent[axis];
            flat /= out_extent[axis];
        }
        let mut linear = 0u64;
        let mut inside = true;
        for i in 0..rank {
            let coordinate = index[i] * factors[i] as u64 + index[rank + i];
            inside &= coordinate < dims[i];
            linear = linear * dims[i] + coordinate;
        }
        out.push(inside.then_some(linear));
    }
    Ok(out)
}

/// The custom IFMAP fetch sequence as address indices (SCALE-Sim's values carry no
/// `IfmapOffset`, so with an offset no demand would ever hit: SCALE-Sim
/// prefetches until its buffers break).
pub(crate) fn ifmap_sequence(
    row: &LayoutRow,
    [h, w, ch]: [u64; 3],
    offset: u64,
    bank_bandwidth: u64,
) -> Result<Vec<u32>, SimError> {
    let product: i64 = row.ifmap_factors.iter().product();
    if product > bank_bandwidth as i64 {
        return Err(fails(format!(
            "the IFMAP intraline factors multiply to {product}, over IfmapSRAMBankBandwidth \
             ({bank_bandwidth})"
        )));
    }
    let order = tiled_order(
        &[h, w, ch],
        &row.ifmap_factors,
        &row.ifmap_intra,
        &row.ifmap_inter,
        "IFMAP",
    )?;
    if offset != 0 {
        return Err(fails(
            "a custom IFMAP layout with IfmapOffset ≠ 0 (SCALE-Sim's layout ignores the offset, \
             no demand hits and SCALE-Sim prefetches until its buffers break)"
                .to_string(),
        ));
    }
    Ok(order
        .into_iter()
        .map(|v| v.map_or(NONE, |v| v as u32))
        .collect())
}

/// The custom FILTER fetch sequence as address indices: SCALE-Sim numbers the weights
/// filter, channel, row, column (not the demand's row, column, channel), so the values are
/// the same set in another order.
pub(crate) fn filter_sequence(
    row: &LayoutRow,
    [filters, ch, fh, fw]: [u64; 4],
    bank_bandwidth: u64,
) -> Result<Vec<u32>, SimError> {
    let product: i64 = row.filter_factors.iter().product();
    if product != bank_bandwidth as i64 {
        return Err(fails(format!(
            "the FILTER intraline factors multiply to {product}, not \
             FilterSRAMBankBandwidth ({bank_bandwidth})"
        )));
    }
    let order = tiled_order(
        &[filters, ch, fh, fw],
        &row.filter_factors,
        &row.filter_intra,
        &row.filter_inter,
        "FILTER",
    )?;
    Ok(order
        .into_iter()
        .map(|v| v.map_or(NONE, |v| v as u32))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> LayoutRow {
        LayoutRow {
            ifmap_factors: [1, 2, 1],
            ifmap_intra: [3, 4, 5],
            ifmap_inter: [0, 1, 2],
            filter_factors: [1, 1, 1, 2],
            filter_intra: [4, 5, 6, 7],
            filter_inter: [0, 1, 2, 3],
        }
    }

    #[test]
    fn tiles_pad_and_reorder() {
        // 2×3 IFMAP, one channel, tiles of 1×2: rows [0 1][2 pad] then [3 4][5 pad].
        let seq = ifmap_sequence(&row(), [2, 3, 1], 0, 4).unwrap();
        assert_eq!(seq, vec![0, 1, 2, NONE, 3, 4, 5, NONE]);
        let mut r = row();
        r.ifmap_inter = [1, 0, 2];
        // Width tiles outside height tiles.
        let seq = ifmap_sequence(&r, [2, 3, 1], 0, 4).unwrap();
        assert_eq!(seq, vec![0, 1, 3, 4, 2, NONE, 5, NONE]);
    }

    #[test]
    fn failing_layouts_are_errors() {
        assert!(matches!(
            ifmap_sequence(&row(), [2, 3, 1], 0, 1),
            Err(SimError::ScalesimFails(_))
        ));
        assert!(matches!(
            ifmap_sequence(&row(), [2, 3, 1], 5, 4),
            Err(SimError::ScalesimFails(_))
        ));
        assert!(matches!(
            filter_sequence(&row(), [2, 1, 1, 2], 3),
            Err(SimError::ScalesimFails(_))
        ));
        let mut r = row();
        r.ifmap_intra = [3, 3, 5];
        assert!(matches!(
            ifmap_sequence(&r, [2, 3, 1], 0, 4),
            Err(SimError::LayoutUnsupported(_))
        ));
        assert_eq!(
            filter_sequence(&row(), [2, 1, 1, 2], 2).unwrap(),
            vec![0, 1, 2, 3]
        );
    }
}
