//! Any text as a MAESTRO mapping file (with a fixed HW file): import never panics, and what
//! imports prints as `.df` that compiles.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = dfc::source::SourceMap::new();
    let mapping = sources.add("fuzz.m", text);
    let hardware = Some(sources.add("hw.m", "NumPEs: 64\nL1Size: 512\nL2Size: 65536\nNoC_BW: 16\n"));
    let inputs = dfc::interop::maestro::Inputs { mapping, hardware, lanes: Some(1) };
    let (program, _) = dfc::interop::maestro::import(&sources, &inputs);
    if let Some(program) = program {
        let text = dfc::ir::emit::emit(&program);
        let (_, again, diags) = dfc::ir::lower::lower_text("emitted.df", &text);
        assert!(again.is_some(), "emitted .df does not compile: {diags:?}\n{text}");
    }
});
