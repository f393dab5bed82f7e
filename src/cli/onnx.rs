//! `dfc import onnx`: read a model file, import its MAC layers, write the `.df` network.

use std::process::ExitCode;

use clap::Args;

use super::{exit, fail, finish, read_bytes, refuse_clobber, usage, Reporter, Staged};
use crate::interop::onnx;
use crate::source::SourceMap;

#[derive(Args, Debug, Clone)]
pub struct OnnxArgs {
    /// The ONNX model (weights may be stripped: only shapes are read).
    pub model: String,
    /// A graph input's shape, `NAME=1x3x224x224`: for inputs with symbolic dimensions, or
    /// to import at another size. Repeat for several inputs.
    #[arg(long = "input-shape", value_name = "NAME=DIMS")]
    pub input_shapes: Vec<String>,
    /// The network's name (the file name otherwise).
    #[arg(long)]
    pub name: Option<String>,
    /// Write the `.df` here instead of standard output.
    #[arg(short, long)]
    pub output: Option<String>,
}

/// `NAME=1x3x224x224` as the name and its dimensions.
fn parse_input_shape(text: &str) -> Result<(String, Vec<u64>), String> {
    let (name, dims) = text.rsplit_once('=').ok_or_else(|| {
        format!("`--input-shape {text}` is not `NAME=DIMS` (e.g. `input=1x3x224x224`)")
    })?;
    let dims: Option<Vec<u64>> = dims
        .split(['x', 'X'])
        .map(|d| {
            d.trim()
                .parse::<u64>()
                .ok()
                .filter(|v| *v > 0 && *v <= 1 << 31)
        })
        .collect();
    match dims {
        Some(d) if !name.is_empty() && !d.is_empty() => Ok((name.to_string(), d)),
        _ => Err(format!(
            "`--input-shape {text}` needs a name and positive dimensions separated by `x`, e.g. `input=1x3x224x224`"
        )),
    }
}

pub fn run(reporter: &Reporter, args: &OnnxArgs) -> ExitCode {
    let shapes: Result<Vec<_>, String> = args
        .input_shapes
        .iter()
        .map(|s| parse_input_shape(s))
        .collect();
    let shapes = match shapes {
        Ok(s) => s,
        Err(e) => return usage(&e),
    };
    let (name, bytes) = match read_bytes(reporter, &args.model, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    let mut sources = SourceMap::new();
    // The model is binary: diagnostics name its file and the node, with no excerpt.
    let file = sources.add(name.clone(), String::new());
    let stem = std::path::Path::new(&name)
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("model")
        .to_string();
    let (imported, diags) = onnx::import(&onnx::Inputs {
        file,
        bytes: &bytes,
        input_shapes: &shapes,
        name: args.name.as_deref().unwrap_or(&stem),
    });
    reporter.emit(&diags, &sources);
    let Some(imported) = imported else {
        return exit(1);
    };
    if let Err(f) = refuse_clobber(&sources, &[args.output.as_deref()]) {
        return fail(reporter, f);
    }
    let source_name = std::path::Path::new(&name)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or(&name)
        .to_string();
    let text = onnx::emit(&imported, &source_name);
    finish(reporter, Staged::default(), args.output.as_deref(), &text)
}
