//! `dfc export maestro FILE.df [--mapping M] -o DIR`: each mapping of the file as MAESTRO's
//! mapping (`<mapping>.m`) and HW (`<mapping>_hw.m`) files, staged and written together.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::{
    compile, exit, fail, no_mapping, refuse_clobber_paths, selected_mappings, Fault, Reporter,
};
use crate::interop::maestro;
use crate::source::SourceMap;

#[derive(clap::Subcommand, Debug)]
pub enum ExportCommand {
    /// Write a `.df` file's mappings as MAESTRO mapping and HW files, to cross-check them with
    /// MAESTRO (`dfc eval DIR/M.m --hw DIR/M_hw.m --lanes N` equals `dfc eval --model maestro`).
    Maestro {
        /// A `.df` program with mappings.
        file: String,
        /// Export only this mapping.
        #[arg(long)]
        mapping: Option<String>,
        /// The directory to write `<mapping>.m` and `<mapping>_hw.m` into (created if missing).
        #[arg(short, long)]
        output: String,
    },
}

pub fn run(reporter: &Reporter, command: &ExportCommand) -> ExitCode {
    let ExportCommand::Maestro {
        file,
        mapping,
        output,
    } = command;
    let mut sources = SourceMap::new();
    let (root, program, diags) = match compile(reporter, &mut sources, file, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    reporter.emit(&diags, &sources);
    let Some(program) = program else {
        return exit(1);
    };
    let ids = selected_mappings(&program, Some(root), mapping.as_deref());
    if ids.is_empty() {
        return no_mapping(reporter, &sources, root, file, mapping.as_deref(), "export");
    }
    let dir = Path::new(output);
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    for id in ids {
        let name = &program.mapping(id).name;
        match maestro::export(&program, id) {
            Ok(e) => {
                let (m, hw) = (
                    dir.join(format!("{name}.m")),
                    dir.join(format!("{name}_hw.m")),
                );
                notes.push(format!(
                    "wrote `{}` and `{}`: MAESTRO runs them with `--num_simd_lanes={}`",
                    m.display(),
                    hw.display(),
                    e.lanes
                ));
                files.push((m, e.mapping));
                files.push((hw, e.hardware));
            }
            Err(d) => errors.extend(d),
        }
    }
    if !errors.is_empty() {
        reporter.emit(&errors, &sources);
        return exit(1);
    }
    let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    if let Err(f) = refuse_clobber_paths(&sources, &paths) {
        return fail(reporter, f);
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        return fail(
            reporter,
            Fault::from(format!("cannot create `{}`: {e}", dir.display())),
        );
    }
    let mut staged = super::Staged::default();
    for (path, text) in &files {
        if let Err(f) = staged.text(path, text) {
            return fail(reporter, f);
        }
    }
    if let Err(f) = staged.commit() {
        return fail(reporter, f);
    }
    if !reporter.quiet() {
        let mut err = std::io::stderr().lock();
        for n in notes {
            let _ = writeln!(err, "{n}");
        }
    }
    exit(0)
}
