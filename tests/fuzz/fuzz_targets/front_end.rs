//! Any text through lexer, parser, lowering, the three renderers and, when it compiles, the
//! printer and the cost model: nothing may panic, and every error must carry a code.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (sources, program, diags) = dfc::ir::lower::lower_text("fuzz.df", text);
    let _ = dfc::diagnostics::render::short(&diags, &sources);
    let _ = dfc::diagnostics::render::json(&diags, &sources);
    let _ = dfc::diagnostics::render::human(&diags, &sources, false);
    let parsed = dfc::syntax::parse(dfc::source::FileId(0), text);
    if parsed.diagnostics.is_empty() {
        let once = dfc::syntax::printer::print(&parsed.file, text);
        let again = dfc::syntax::parse(dfc::source::FileId(0), &once);
        assert!(again.diagnostics.is_empty(), "formatted text does not parse");
        assert_eq!(dfc::syntax::printer::print(&again.file, &once), once, "not idempotent");
    }
    if let Some(program) = program {
        for i in 0..program.mappings.len() {
            let id = dfc::ir::MappingId(i as u32);
            let _ = dfc::backends::evaluate::evaluate_mapping(&program, id, dfc::backends::cost::Model::Default);
        }
    }
});
