//! MAESTRO's HW file (`NumPEs`, `L1Size`, `L2Size`, `NoC_BW`, `NoC_NumHops`, and
//! `offchip_bw_cstr`) into an IR hardware item. The keywords and the IR fields they fill come
//! from the one table in `ir::hardware_keys`.

use std::collections::HashMap;

use super::lexer::{atoi, tokenize, Tok};
use crate::diagnostics::{Code, Diagnostic};
use crate::interop::{file_stem, identifier, whole_file_span};
use crate::ir;
use crate::source::{FileId, SourceFile, SourceMap, Span};
/// The IR hardware item of a HW file; a missing key takes MAESTRO's default, with a warning.
pub(super) fn hardware(
    sources: &SourceMap,
    file: FileId,
    lanes: Option<u64>,
    diags: &mut Vec<Diagnostic>,
) -> ir::Hardware {
    let source = sources.file(file);
    let stem = file_stem(source, "hardware");
    let tokens = tokenize(file, &source.text);
    let whole = whole_file_span(file, &source.text);
    let values = key_values(source, &tokens, diags);
    let mut get = |field: &'static str, keyword: &str, default: u64| -> (u64, Span) {
        match values.get(field) {
            Some(v) => *v,
            None => {
                diags.push(
                    Diagnostic::at(
                        Code::IgnoredInput,
                        whole,
                        format!("the HW file has no `{keyword}`; MAESTRO uses {default}"),
                        format!("`{keyword}` missing"),
                    )
                    .with_help(format!("add `{keyword}: …` to state it")),
                );
                (default, whole)
            }
        }
    };
    let pes = get("pes", "NumPEs", 1);
    let l1 = get("l1", "L1Size", 1);
    let l2 = get("l2", "L2Size", 2);
    let bw = get("noc.bandwidth", "NoC_BW", 1);
    let hops = get("noc.latency", "NoC_NumHops", 1);
    let dram = values.get("dram.bandwidth").copied();
    if lanes.is_none() {
        diags.push(Diagnostic::new(Code::IgnoredInput, "no `--lanes` given: dfc uses 1 MAC per PE")
            .with_note("MAESTRO's `--num_simd_lanes` defaults to 9; pass `--lanes N` to match a run that relied on it"));
    }
    let mut field_spans = vec![
        ("pes".to_string(), pes.1),
        ("l1".to_string(), l1.1),
        ("l2".to_string(), l2.1),
        ("noc.bandwidth".to_string(), bw.1),
        ("noc.latency".to_string(), hops.1),
    ];
    if let Some(d) = dram {
        field_spans.push(("dram.bandwidth".to_string(), d.1));
    }
    ir::Hardware {
        name: identifier(stem, "hw_"),
        pes: pes.0,
        macs_per_pe: lanes.unwrap_or(1),
        l1: ir::Size::Elements(l1.0),
        l2: ir::Size::Elements(l2.0),
        noc_bandwidth: ir::Bandwidth::ElementsPerCycle(bw.0),
        noc_latency_cycles: hops.0,
        noc: ir::noc::NocConfig::default(),
        dram_bandwidth: dram.map(|d| ir::Bandwidth::ElementsPerCycle(d.0)),
        precision: None,
        energy: None,
        systolic: None,
        sparse: ir::SparseSupport::default(),
        span: whole,
        field_spans,
    }
}

/// The `KEY VALUE` pairs of a HW file by IR field, with the span of each pair. MAESTRO reads
/// one pair per line; the first value of a key wins.
fn key_values(
    source: &SourceFile,
    tokens: &[Tok<'_>],
    diags: &mut Vec<Diagnostic>,
) -> HashMap<&'static str, (u64, Span)> {
    let mut values: HashMap<&'static str, (u64, Span)> = HashMap::new();
    let mut i = 0;
    while i < tokens.len() {
        let key = tokens[i];
        let line = source.line_col(key.span.start as usize).line;
        let Some(value) = tokens
            .get(i + 1)
            .filter(|v| source.line_col(v.span.start as usize).line == line)
        else {
            diags.push(Diagnostic::at(
                Code::MaestroSyntax,
                key.span,
                format!("`{}` has no value", key.text),
                "expected a number after it",
            ));
            i += 1;
            continue;
        };
        i += 2;
        let field = match ir::hardware_keys::maestro_hardware_field(key.text) {
            // Lanes come from `--lanes`, not from MAESTRO's HW file.
            Some(field) if field != "macs_per_pe" => field,
            _ => {
                diags.push(
                    Diagnostic::at(
                        Code::MaestroSyntax,
                        key.span,
                        format!("`{}` is not a MAESTRO HW keyword", key.text),
                        "MAESTRO rejects this line",
                    )
                    .with_note("HW files take NumPEs, L1Size, L2Size, NoC_BW and NoC_NumHops"),
                );
                continue;
            }
        };
        if key.text == "offchip_bw_cstr" {
            diags.push(
                Diagnostic::at(
                    Code::IgnoredInput,
                    key.span,
                    "`offchip_bw_cstr` is imported as the DRAM bandwidth",
                    "no effect in `--model maestro`",
                )
                .with_note("the MAESTRO version dfc reproduces has no off-chip bandwidth bound"),
            );
        }
        let (v, clean) = atoi(value.text);
        if v <= 0 {
            diags.push(Diagnostic::at(
                Code::InvalidValue,
                value.span,
                format!("`{}` must be a positive number", key.text),
                "invalid value",
            ));
            continue;
        }
        if !clean {
            diags.push(Diagnostic::at(
                Code::IgnoredInput,
                value.span,
                format!("MAESTRO reads `{}` as {v}", value.text),
                "trailing characters ignored",
            ));
        }
        values
            .entry(field)
            .or_insert((v as u64, key.span.to(value.span)));
    }
    values
}
