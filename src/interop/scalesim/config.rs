//! SCALE-Sim's `scalesim.cfg` into the systolic back end's [`ArrayConfig`], key by key as
//! SCALE-Sim reads them (see `docs/semantics/scalesim.md`, "Input files").

use super::ini::{parse_ini, Ini};
use super::text::{py_int, strip, FileError};
use crate::backends::systolic::{
    ArrayConfig, Bandwidth, CustomLayout, Dataflow, SparseRep, Sparsity, SramBanks,
};

/// Parses a SCALE-Sim `scalesim.cfg`. Keys are read as SCALE-Sim reads them, in its
/// order; `[network_presets]` is ignored, as it has no effect. Ramulator traces, which dfc
/// does not simulate, are an error.
pub fn parse_config(text: &str) -> Result<ArrayConfig, FileError> {
    let ini = parse_ini(text)?;
    let run_name = ini.get("general", "run_name")?.text;
    let mode = ini.get("run_presets", "InterfaceBandwidth")?;
    let user = match mode.text.as_str() {
        "USER" => true,
        "CALC" => false,
        other => {
            return Err(FileError {
                line: mode.line,
                span: mode.span,
                message: format!("InterfaceBandwidth must be USER or CALC, found `{other}`"),
            })
        }
    };
    let ram = ini.get("run_presets", "UseRamulatorTrace")?;
    if ram.text == "True" {
        return Err(FileError {
            line: ram.line,
            span: ram.span,
            message: "UseRamulatorTrace = True (Ramulator DRAM latencies) is not supported"
                .to_string(),
        });
    }
    let a = "architecture_presets";
    let rows = ini.uint(a, "ArrayHeight", 1)?;
    let cols = ini.uint(a, "ArrayWidth", 1)?;
    let ifmap_kb = ini.uint(a, "IfmapSramSzkB", 1)?;
    let filter_kb = ini.uint(a, "FilterSramSzkB", 1)?;
    let ofmap_kb = ini.uint(a, "OfmapSramSzkB", 1)?;
    let ifmap_offset = ini.uint(a, "IfmapOffset", 0)?;
    let filter_offset = ini.uint(a, "FilterOffset", 0)?;
    let ofmap_offset = ini.uint(a, "OfmapOffset", 0)?;
    let df = ini.get(a, "Dataflow")?;
    let dataflow = match df.text.as_str() {
        "os" => Dataflow::Os,
        "ws" => Dataflow::Ws,
        "is" => Dataflow::Is,
        other => {
            return Err(FileError {
                line: df.line,
                span: df.span,
                message: format!("Dataflow must be os, ws or is, found `{other}`"),
            })
        }
    };
    let read_request_buffer = ini.uint(a, "ReadRequestBuffer", 0)?;
    let write_request_buffer = ini.uint(a, "WriteRequestBuffer", 0)?;
    let l = "layout";
    // The layout rows come from the layout file (`check_layout`), attached by the caller.
    let layout = CustomLayout {
        ifmap: ini.boolean(l, "IfmapCustomLayout")?.0,
        filter: ini.boolean(l, "FilterCustomLayout")?.0,
        row: None,
    };
    let banks = |p: &str| -> Result<SramBanks, FileError> {
        Ok(SramBanks {
            bandwidth: ini.uint(l, &format!("{p}SRAMBankBandwidth"), 0)?,
            num: ini.uint(l, &format!("{p}SRAMBankNum"), 0)?,
            ports: ini.uint(l, &format!("{p}SRAMBankPort"), 0)?,
        })
    };
    let ifmap_banks = banks("Ifmap")?;
    let filter_banks = banks("Filter")?;
    let (bandwidth, bandwidth_list) = if user {
        user_bandwidth(&ini, ifmap_banks, filter_banks)?
    } else {
        (Bandwidth::Calc, Vec::new())
    };
    let sparsity = parse_sparsity(&ini, rows)?;
    Ok(ArrayConfig {
        run_name,
        rows,
        cols,
        dataflow,
        ifmap_sram_kb: ifmap_kb,
        filter_sram_kb: filter_kb,
        ofmap_sram_kb: ofmap_kb,
        word_bytes: 1,
        ifmap_offset,
        filter_offset,
        ofmap_offset,
        bandwidth,
        bandwidth_list,
        calc_fill_bandwidth: 10,
        read_request_buffer,
        write_request_buffer,
        ifmap_banks,
        filter_banks,
        sparsity,
        layout,
    })
}

/// `[sparsity]` as SCALE-Sim reads it: `SparsitySupport` and `OptimizedMapping` are true
/// when they spell `true` in any case (anything else is false); with support on, `SparseRep`,
/// `RandomNumberGeneratorSeed` and, for the optimized mapping, `BlockSize` (at most the
/// array's rows) are read. An unknown `SparseRep` is refused: SCALE-Sim would report zero
/// storage for it.
fn parse_sparsity(ini: &Ini, rows: u64) -> Result<Option<Sparsity>, FileError> {
    let s = "sparsity";
    let is_true = |key: &str| -> Result<bool, FileError> {
        Ok(ini.get(s, key)?.text.to_lowercase() == "true")
    };
    if !is_true("SparsitySupport")? {
        return Ok(None);
    }
    let rep = ini.get(s, "SparseRep")?;
    let Some(representation) = SparseRep::parse(&rep.text) else {
        return Err(FileError {
            line: rep.line,
            span: rep.span,
            message: format!(
                "SparseRep must be csr, csc or ellpack_block, found `{}`",
                rep.text
            ),
        });
    };
    let optimized_mapping = is_true("OptimizedMapping")?;
    let block_size = if optimized_mapping {
        let b = ini.get(s, "BlockSize")?;
        let size = ini.uint(s, "BlockSize", 1)?;
        if size > rows {
            return Err(FileError {
                line: b.line,
                span: b.span,
                message: format!("BlockSize ({size}) must not exceed ArrayHeight ({rows})"),
            });
        }
        size
    } else {
        4
    };
    let seed = ini.uint(s, "RandomNumberGeneratorSeed", 0)?;
    Ok(Some(Sparsity {
        representation,
        optimized_mapping,
        block_size,
        seed,
    }))
}

/// USER mode's DRAM bandwidths as SCALE-Sim uses them, and the raw `Bandwidth` list:
/// IFMAP and FILTER from the `[layout]` bank bandwidths, OFMAP from `Bandwidth[0]` (quirk Q7
/// in `src/backends/systolic/MODEL.md`). Each bank bandwidth must split evenly over its banks.
fn user_bandwidth(
    ini: &Ini,
    ifmap_banks: SramBanks,
    filter_banks: SramBanks,
) -> Result<(Bandwidth, Vec<u64>), FileError> {
    let mut bandwidth_list = Vec::new();
    let v = ini.get("architecture_presets", "Bandwidth")?;
    let mut pos = 0usize;
    let (voff, body) = strip(&v.text);
    for part in body.split(',') {
        let start = v.span.start + voff + pos;
        pos += part.len() + 1;
        match py_int(part) {
            Some(x) if x >= 1 && x <= u64::MAX as i128 => bandwidth_list.push(x as u64),
            _ => {
                return Err(FileError {
                    line: v.line,
                    span: start..start + part.len(),
                    message: format!(
                        "Bandwidth entry `{}` is not a positive integer",
                        strip(part).1
                    ),
                })
            }
        }
    }
    for (p, b) in [("Ifmap", ifmap_banks), ("Filter", filter_banks)] {
        let v = ini.get("layout", &format!("{p}SRAMBankBandwidth"))?;
        if b.num == 0 || b.bandwidth % b.num != 0 || b.bandwidth == 0 {
            return Err(FileError {
                line: v.line,
                span: v.span,
                message: format!(
                    "{p}SRAMBankBandwidth ({}) must be a positive multiple of {p}SRAMBankNum ({})",
                    b.bandwidth, b.num
                ),
            });
        }
    }
    let bandwidth = Bandwidth::User {
        ifmap: ifmap_banks.bandwidth,
        filter: filter_banks.bandwidth,
        ofmap: bandwidth_list[0],
    };
    Ok((bandwidth, bandwidth_list))
}
