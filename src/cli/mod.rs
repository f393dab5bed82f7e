//! The command line: argument parsing (clap), reading and writing files, choosing renderers
//! and exit codes. This is the only module that touches the file system or the terminal.
//!
//! Exit codes: 0 success (warnings allowed), 1 the input has errors (or `fmt --check` found
//! changes), 2 usage, I/O or internal error.

mod choices;
mod coexplore;
mod env;
mod eval;
mod evolve;
mod export;
mod files;
mod format;
mod map;
mod nas;
mod noc;
mod noc_learn;
mod noc_sim;
mod noc_trace;
mod onnx;
mod plot;
mod progress;
mod quantize;
mod run_tests;
mod schedule;
mod simulate;
mod sweep;

use std::cell::RefCell;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostics::{self, render, Code, Diagnostic};
use crate::ir;
use crate::source::{FileId, SourceMap, Span};
use crate::syntax;

pub use eval::EvalArgs;
pub use files::{
    normalize, read_regular, write_atomically, Fault, FsLoader, Staged, DEFAULT_MAX_INPUT_SIZE,
};

#[derive(Parser, Debug)]
#[command(
    name = "dfc",
    version,
    about = "Compiler for the .df dataflow language for DNN accelerators"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// How diagnostics are printed: `human` (with source excerpts), `short`
    /// (`path:line:col: error[CODE]: message`, for editors) or `json`. `check` and
    /// `fmt --check` print `short` and `json` on standard output, everything else on standard
    /// error (docs/diagnostics-format.md).
    #[arg(long, global = true, value_enum, default_value_t = DiagnosticFormat::Human)]
    pub diagnostic_format: DiagnosticFormat,
    /// What the column of a `short` diagnostic counts: `chars`, or `bytes` for Vim's `%c`.
    #[arg(long, global = true, value_enum, default_value_t = ColumnUnit::Chars)]
    pub diagnostic_columns: ColumnUnit,
    /// When to colour human-readable output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only errors (no warnings) and no progress bars.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Refuse input files larger than this many bytes (`use`d files too).
    #[arg(long, global = true, default_value_t = DEFAULT_MAX_INPUT_SIZE)]
    pub max_input_size: u64,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiagnosticFormat {
    Human,
    Short,
    Json,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    Chars,
    Bytes,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse and check `.df` files (`-` reads standard input); prints diagnostics only.
    Check {
        #[arg(required = true)]
        files: Vec<String>,
        /// Name used for standard input in diagnostics.
        #[arg(long)]
        stdin_filepath: Option<String>,
    },
    /// Format `.df` files in place (or print the result for `-`).
    Fmt {
        #[arg(required = true)]
        files: Vec<String>,
        /// Change nothing; exit with 1 if a file is not formatted.
        #[arg(long)]
        check: bool,
        /// Name used for standard input in diagnostics.
        #[arg(long)]
        stdin_filepath: Option<String>,
    },
    /// Evaluate mappings with the analytic cost model (MAESTRO's semantics).
    ///
    /// FILE is a `.df` program (its mappings are evaluated) or a MAESTRO mapping file `.m`
    /// with `--hw HW.m`.
    Eval(eval::EvalArgs),
    /// Simulate layers on a systolic array with SCALE-Sim's semantics: a `.df` file's mappings
    /// (their hardware needs a `systolic` block), or SCALE-Sim's own `--config`/`--topology`.
    Simulate(simulate::SimulateArgs),
    /// Schedule a workload of several networks on a heterogeneous accelerator (HERALD-style),
    /// and compare it with each monolithic accelerator and a naive scheduler.
    Schedule(schedule::ScheduleArgs),
    /// Run the `test` blocks of `.df` files (directories are searched recursively).
    ///
    /// Snapshots live in `snapshots/<file stem>.<test>.snap` beside each file. A missing
    /// snapshot is written, a changed one fails with a diff.
    Test(run_tests::TestArgs),
    /// Search the dataflow of every layer of the file's mappings and print the chosen
    /// mapping as `.df` (it re-parses and evaluates to the reported numbers) or JSON.
    Map(map::MapArgs),
    /// Print the long explanation of a diagnostic code, e.g. `dfc explain E0301`.
    Explain {
        /// A code (`E0301`) or its name (`no-spatial-map`); `--list` for all.
        code: Option<String>,
        /// List every code with its name and summary.
        #[arg(long)]
        list: bool,
    },
    /// Convert another tool's input into `.df`.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Write a `.df` mapping as another tool's input.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Draw a mapping's roofline, energy breakdown or search convergence as SVG.
    #[command(subcommand)]
    Plot(plot::PlotCommand),
    /// Evolve networks with NEAT (neat-python's semantics) on XOR or an environment, and
    /// estimate what the run would cost on EvE/ADAM-style hardware.
    Evolve(evolve::EvolveArgs),
    /// Choose per-layer bit widths for a target accuracy with a conditional GAN (AQGAN),
    /// costed on the mapping's hardware; writes the mapping with a `precision` block.
    Quantize(Box<quantize::QuantizeArgs>),
    /// Generate networks for a task under resource budgets on your hardware with a
    /// budget-conditioned GAN; writes each as `.df` with its mapping, trained and measured.
    Nas(Box<nas::NasArgs>),
    /// Run the environments NEAT evolves controllers for (Gymnasium's dynamics).
    #[command(subcommand)]
    Env(env::EnvCommand),
    /// On-chip networks: cost a mapping's traffic per topology, or simulate a mesh.
    #[command(subcommand)]
    Noc(noc::NocCommand),
    /// Evaluate every point of a `sweep` item (or one `--shard I/N` of them) as CSV or JSON;
    /// `dfc sweep merge PARTS…` joins shards into the unsharded result.
    Sweep(sweep::SweepArgs),
    /// Dump an internal stage for inspection.
    #[command(subcommand)]
    Debug(DebugCommand),
    /// Co-explore two tasks' networks and a heterogeneous accelerator (NASAIC); writes the
    /// chosen networks, sub-accelerators, accelerator and workload as one `.df` program.
    Coexplore(Box<coexplore::CoexploreArgs>),
}

/// How to read a MAESTRO mapping file: its HW file and SIMD lanes.
#[derive(Args, Debug, Clone)]
pub struct MaestroArgs {
    /// The MAESTRO HW file (`NumPEs`, `L1Size`, …).
    #[arg(long)]
    pub hw: Option<String>,
    /// MACs per PE (MAESTRO's `--num_simd_lanes`); 1 when absent.
    #[arg(long)]
    pub lanes: Option<u64>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionChoice {
    Fixed,
    Grid,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestFormat {
    Human,
    Json,
    Junit,
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import SCALE-Sim's configuration and topology files as `.df`.
    Scalesim {
        #[command(flatten)]
        files: simulate::ScalesimFiles,
        /// Write the `.df` here instead of standard output.
        #[arg(short, long)]
        output: Option<String>,
    },
    /// Import a MAESTRO mapping file (and optionally its HW file) as `.df`.
    Maestro {
        /// The MAESTRO mapping file (`Network { Layer { … } }`).
        mapping: String,
        #[command(flatten)]
        maestro: MaestroArgs,
        /// Write the `.df` here instead of standard output.
        #[arg(short, long)]
        output: Option<String>,
    },
    /// Import an ONNX model's MAC layers (Conv, ConvTranspose, Gemm, MatMul) as a `.df`
    /// network; shapes are inferred, so files without weights import.
    Onnx(onnx::OnnxArgs),
}

#[derive(Subcommand, Debug)]
pub enum DebugCommand {
    /// The token stream.
    Tokens { file: String },
    /// The syntax tree.
    Ast { file: String },
    /// The checked IR.
    Ir { file: String },
}

/// How diagnostics and progress go out and how much input is read, decided once from the
/// global flags.
pub struct Reporter {
    format: DiagnosticFormat,
    columns: render::Columns,
    /// `short` and `json` diagnostics go to standard output (commands that print nothing
    /// else: `check`, `fmt --check`); human ones always to standard error.
    machine_on_stdout: bool,
    color: bool,
    quiet: bool,
    /// Whether progress bars are drawn (a terminal, not `-q`, not JSON diagnostics).
    pub progress: bool,
    pub max_input_size: u64,
    /// In JSON mode the rendered items of every diagnostic of the run (the text between an
    /// array's brackets), printed as one array by [`Reporter::flush`].
    json: RefCell<Vec<String>>,
}

impl Reporter {
    pub fn new(global: &GlobalArgs) -> Reporter {
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        let progress = std::io::stderr().is_terminal()
            && !global.quiet
            && global.diagnostic_format != DiagnosticFormat::Json;
        Reporter {
            format: global.diagnostic_format,
            columns: match global.diagnostic_columns {
                ColumnUnit::Chars => render::Columns::Chars,
                ColumnUnit::Bytes => render::Columns::Bytes,
            },
            machine_on_stdout: false,
            color,
            quiet: global.quiet,
            progress,
            max_input_size: global.max_input_size,
            json: RefCell::new(Vec::new()),
        }
    }

    /// Render diagnostics as text for standard error.
    pub fn render(&self, diags: &[Diagnostic], sources: &SourceMap) -> String {
        let shown: Vec<Diagnostic> = diags
            .iter()
            .filter(|d| !self.quiet || d.is_error())
            .cloned()
            .collect();
        match self.format {
            DiagnosticFormat::Json => {
                let mut s = render::json(&shown, sources);
                s.push('\n');
                s
            }
            _ if shown.is_empty() => String::new(),
            DiagnosticFormat::Short => render::short_in(&shown, sources, self.columns),
            DiagnosticFormat::Human => render::human(&shown, sources, self.color),
        }
    }

    pub fn emit(&self, diags: &[Diagnostic], sources: &SourceMap) {
        if self.format == DiagnosticFormat::Json {
            let text = self.render(diags, sources);
            let items = text
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .trim_end();
            if !items.trim().is_empty() {
                self.json.borrow_mut().push(items.to_string());
            }
            return;
        }
        let text = self.render(diags, sources);
        if !text.is_empty() {
            self.write(&text);
        }
    }

    fn write(&self, text: &str) {
        if self.machine_on_stdout && self.format != DiagnosticFormat::Human {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
        } else {
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
        }
    }

    /// Whether `-q` was given (no warnings, no notes on standard error).
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// In JSON mode, print every diagnostic of the run as one array (`[]` if none).
    pub fn flush(&self) {
        if self.format == DiagnosticFormat::Json {
            let items = std::mem::take(&mut *self.json.borrow_mut());
            let text = if items.is_empty() {
                "[]".to_string()
            } else {
                format!("[{}\n]", items.join(","))
            };
            self.write(&format!("{text}\n"));
        }
    }
}

/// Run a parsed command line. Panics are turned into an internal-error diagnostic by `main`.
pub fn run(cli: Cli) -> ExitCode {
    let mut reporter = Reporter::new(&cli.global);
    reporter.machine_on_stdout = matches!(
        cli.command,
        Command::Check { .. } | Command::Fmt { check: true, .. }
    );
    let code = run_command(&reporter, cli.command);
    reporter.flush();
    code
}

fn run_command(reporter: &Reporter, command: Command) -> ExitCode {
    match command {
        Command::Check {
            files,
            stdin_filepath,
        } => check(reporter, &files, stdin_filepath.as_deref()),
        Command::Fmt {
            files,
            check,
            stdin_filepath,
        } => format::fmt(reporter, &files, check, stdin_filepath.as_deref()),
        Command::Eval(args) => eval::run(reporter, &args),
        Command::Map(args) => map::run(reporter, &args),
        Command::Simulate(args) => simulate::run(reporter, &args),
        Command::Schedule(args) => schedule::run(reporter, &args),
        Command::Test(args) => run_tests::run(reporter, &args),
        Command::Explain { code, list } => explain(code.as_deref(), list),
        Command::Import(ImportCommand::Maestro {
            mapping,
            maestro,
            output,
        }) => import_maestro(reporter, &mapping, &maestro, output.as_deref()),
        Command::Import(ImportCommand::Onnx(args)) => onnx::run(reporter, &args),
        Command::Import(ImportCommand::Scalesim { files, output }) => {
            simulate::import(reporter, &files, output.as_deref())
        }
        Command::Export(cmd) => export::run(reporter, &cmd),
        Command::Plot(cmd) => plot::run(reporter, &cmd),
        Command::Evolve(args) => evolve::run(reporter, &args),
        Command::Quantize(args) => quantize::run(reporter, &args),
        Command::Nas(args) => nas::run(reporter, &args),
        Command::Env(cmd) => env::run(reporter, &cmd),
        Command::Noc(cmd) => noc::run(reporter, &cmd),
        Command::Sweep(args) => sweep::run(reporter, &args),
        Command::Debug(cmd) => debug(reporter, cmd),
        Command::Coexplore(args) => coexplore::run(reporter, &args),
    }
}

pub fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}

/// Report a problem with a file (exit 2) in the chosen format: `E0901` for I/O failures, or
/// the fault's own code.
fn fail(reporter: &Reporter, fault: impl Into<Fault>) -> ExitCode {
    let fault = fault.into();
    let d = Diagnostic::new(fault.code, fault.message);
    reporter.emit(&[d], &SourceMap::new());
    exit(2)
}

/// A usage error (exit 2): flags that do not fit the input, a name that is not there.
fn usage(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    exit(2)
}

/// `E0311` at 1:1 of `file`: it checks clean but has nothing for the command (exit 1).
/// The mappings a command acts on: those `file` defines (all files' when `file` is `None`),
/// or only the one named by `--mapping`.
fn selected_mappings(
    program: &ir::Program,
    file: Option<FileId>,
    name: Option<&str>,
) -> Vec<ir::MappingId> {
    program
        .mappings
        .iter()
        .enumerate()
        .filter(|(_, m)| file.is_none_or(|f| m.span.file == f))
        .filter(|(_, m)| name.is_none_or(|n| n == m.name))
        .map(|(i, _)| ir::MappingId(i as u32))
        .collect()
}

/// The refusal when [`selected_mappings`] is empty: a usage error naming `--mapping`, or
/// E0311 when `path` defines no mapping to `verb`.
fn no_mapping(
    reporter: &Reporter,
    sources: &SourceMap,
    root: FileId,
    path: &str,
    name: Option<&str>,
    verb: &str,
) -> ExitCode {
    match name {
        Some(n) => usage(&format!(
            "`--mapping {n}`: `{path}` defines no mapping `{n}`"
        )),
        None => nothing_to_do(
            reporter,
            sources,
            root,
            format!("`{path}` defines no mapping to {verb}"),
        ),
    }
}

fn nothing_to_do(
    reporter: &Reporter,
    sources: &SourceMap,
    file: FileId,
    message: String,
) -> ExitCode {
    let d = Diagnostic::at(
        Code::NothingToDo,
        Span::new(file, 0..0),
        message,
        "in this file",
    )
    .with_help("`dfc explain E0311` lists what each command needs");
    reporter.emit(&[d], sources);
    exit(1)
}

/// Read a regular file within the size limit, or standard input for `-`. Returns the
/// display name and the text.
fn read_input(
    reporter: &Reporter,
    path: &str,
    stdin_name: Option<&str>,
) -> Result<(String, String), Fault> {
    let (name, bytes) = read_bytes(reporter, path, stdin_name)?;
    let text = String::from_utf8(bytes).map_err(|_| format!("`{name}` is not UTF-8 text"))?;
    Ok((name, text))
}

/// Read a regular file within the size limit, or standard input for `-`. Returns the
/// display name and the bytes.
fn read_bytes(
    reporter: &Reporter,
    path: &str,
    stdin_name: Option<&str>,
) -> Result<(String, Vec<u8>), Fault> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(reporter.max_input_size.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        if bytes.len() as u64 > reporter.max_input_size {
            return Err(Fault {
                code: Code::InputRefused,
                message: format!(
                    "standard input is larger than the input size limit ({} bytes); raise it \
                     with `--max-input-size`",
                    reporter.max_input_size
                ),
            });
        }
        return Ok((stdin_name.unwrap_or("<stdin>").to_string(), bytes));
    }
    let bytes = files::read_regular(Path::new(path), reporter.max_input_size)?;
    Ok((path.to_string(), bytes))
}

/// Refuse (`E0904`) outputs that are among the files in `sources` (the command's inputs and
/// the files they import).
fn refuse_clobber(sources: &SourceMap, outputs: &[Option<&str>]) -> Result<(), Fault> {
    let outputs: Vec<PathBuf> = outputs
        .iter()
        .flatten()
        .filter(|o| **o != "-")
        .map(PathBuf::from)
        .collect();
    refuse_clobber_paths(sources, &outputs)
}

fn refuse_clobber_paths(sources: &SourceMap, outputs: &[PathBuf]) -> Result<(), Fault> {
    let inputs: Vec<PathBuf> = sources
        .files()
        .map(|(_, f)| PathBuf::from(&f.name))
        .collect();
    files::refuse_clobber(&inputs, outputs)
}

/// Parse and lower one root file with the file-system loader. A file that is not UTF-8 is an
/// input error (`E0006`), not an I/O one.
fn compile(
    reporter: &Reporter,
    sources: &mut SourceMap,
    path: &str,
    stdin_name: Option<&str>,
) -> Result<(FileId, Option<ir::Program>, Vec<Diagnostic>), Fault> {
    let (name, bytes) = read_bytes(reporter, path, stdin_name)?;
    // One file, one name: imports are named by their normalised paths too.
    let name = if path == "-" {
        name
    } else {
        files::normalize(std::path::Path::new(&name))
            .to_string_lossy()
            .into_owned()
    };
    match syntax::decode::add_source(sources, name, bytes) {
        Ok(root) => Ok(compile_root(reporter, sources, root)),
        Err((root, d)) => Ok((root, None, vec![d])),
    }
}

/// Lower text already read, importing files through the file system.
fn compile_text(
    reporter: &Reporter,
    sources: &mut SourceMap,
    name: String,
    text: String,
) -> (FileId, Option<ir::Program>, Vec<Diagnostic>) {
    let root = sources.add(name, text);
    compile_root(reporter, sources, root)
}

fn compile_root(
    reporter: &Reporter,
    sources: &mut SourceMap,
    root: FileId,
) -> (FileId, Option<ir::Program>, Vec<Diagnostic>) {
    let loader = FsLoader {
        max_input_size: reporter.max_input_size,
    };
    let (program, diags) = ir::lower::lower_program(root, sources, &loader);
    (root, program, diags)
}

fn check(reporter: &Reporter, files: &[String], stdin_name: Option<&str>) -> ExitCode {
    let mut status = 0;
    for path in files {
        let mut sources = SourceMap::new();
        match compile(reporter, &mut sources, path, stdin_name) {
            Ok((_, _, diags)) => {
                reporter.emit(&diags, &sources);
                if diagnostics::has_errors(&diags) {
                    status = status.max(1);
                }
            }
            Err(e) => {
                fail(reporter, e);
                status = 2;
            }
        }
    }
    exit(status)
}

fn explain(code: Option<&str>, list: bool) -> ExitCode {
    let mut out = std::io::stdout().lock();
    if list || code.is_none() {
        for c in Code::ALL {
            let _ = writeln!(out, "{}  {:<24} {}", c.as_str(), c.name(), c.summary());
        }
        return exit(0);
    }
    let text = code.unwrap_or_default();
    match Code::parse(text).and_then(|c| diagnostics::explanation(c).map(|e| (c, e))) {
        Some((_, e)) => {
            let _ = out.write_all(e.as_bytes());
            exit(0)
        }
        None => {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "error: `{text}` is not a dfc diagnostic code; `dfc explain --list` shows them all"
            );
            exit(2)
        }
    }
}

fn import_maestro(
    reporter: &Reporter,
    mapping: &str,
    maestro: &MaestroArgs,
    output: Option<&str>,
) -> ExitCode {
    let mut sources = SourceMap::new();
    let (program, diags) = match load_maestro(reporter, &mut sources, mapping, maestro) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    reporter.emit(&diags, &sources);
    let Some(program) = program else {
        return exit(1);
    };
    if let Err(f) = refuse_clobber(&sources, &[output]) {
        return fail(reporter, f);
    }
    let text = ir::emit::emit(&program);
    finish(reporter, Staged::default(), output, &text)
}

/// Read and import MAESTRO files into a program.
pub(crate) fn load_maestro(
    reporter: &Reporter,
    sources: &mut SourceMap,
    mapping: &str,
    maestro: &MaestroArgs,
) -> Result<(Option<ir::Program>, Vec<Diagnostic>), Fault> {
    let (name, text) = read_input(reporter, mapping, None)?;
    let mapping = sources.add(name, text);
    let hardware = match &maestro.hw {
        Some(path) => {
            let (name, text) = read_input(reporter, path, None)?;
            Some(sources.add(name, text))
        }
        None => None,
    };
    Ok(crate::interop::maestro::import(
        sources,
        &crate::interop::maestro::Inputs {
            mapping,
            hardware,
            lanes: maestro.lanes,
        },
    ))
}

/// Stage the `-o` file with the command's other outputs and commit them all, or print to
/// standard output once the other outputs are in place.
fn finish(reporter: &Reporter, mut staged: Staged, output: Option<&str>, text: &str) -> ExitCode {
    let file = output.filter(|o| *o != "-");
    if let Some(path) = file {
        if let Err(f) = staged.text(Path::new(path), text) {
            return fail(reporter, f);
        }
    }
    if let Err(f) = staged.commit() {
        return fail(reporter, f);
    }
    if file.is_none() {
        let _ = std::io::stdout().lock().write_all(text.as_bytes());
    }
    exit(0)
}

fn debug(reporter: &Reporter, cmd: DebugCommand) -> ExitCode {
    let path = match &cmd {
        DebugCommand::Tokens { file } | DebugCommand::Ast { file } | DebugCommand::Ir { file } => {
            file.clone()
        }
    };
    let (name, text) = match read_input(reporter, &path, None) {
        Ok(x) => x,
        Err(e) => return fail(reporter, e),
    };
    let mut sources = SourceMap::new();
    let file = sources.add(name, text.clone());
    let mut out = std::io::stdout().lock();
    match cmd {
        DebugCommand::Tokens { .. } => {
            let lexed = syntax::lexer::lex(file, &text);
            for (start, token, end) in &lexed.tokens {
                let lc = sources.file(file).line_col(*start);
                let _ = writeln!(out, "{}:{} {start}..{end} {token:?}", lc.line, lc.column);
            }
            reporter.emit(&lexed.diagnostics, &sources);
            exit(u8::from(diagnostics::has_errors(&lexed.diagnostics)))
        }
        DebugCommand::Ast { .. } => {
            let parsed = syntax::parse(file, &text);
            let _ = writeln!(out, "{:#?}", parsed.file.items);
            reporter.emit(&parsed.diagnostics, &sources);
            exit(u8::from(diagnostics::has_errors(&parsed.diagnostics)))
        }
        DebugCommand::Ir { .. } => {
            let loader = FsLoader {
                max_input_size: reporter.max_input_size,
            };
            let (program, diags) = ir::lower::lower_program(file, &mut sources, &loader);
            if let Some(p) = &program {
                let _ = writeln!(out, "{p:#?}");
            }
            reporter.emit(&diags, &sources);
            exit(u8::from(diagnostics::has_errors(&diags)))
        }
    }
}

/// Print an internal error (a panic caught in `main`) as a diagnostic in the chosen format.
pub fn report_internal_error(format: DiagnosticFormat, message: &str) {
    let d = Diagnostic::new(Code::Internal, format!("internal error: {message}"))
        .with_note("this is a bug in dfc; please report it with the input that caused it");
    let reporter = Reporter {
        format,
        columns: render::Columns::Chars,
        machine_on_stdout: false,
        color: false,
        quiet: false,
        progress: false,
        max_input_size: DEFAULT_MAX_INPUT_SIZE,
        json: RefCell::new(Vec::new()),
    };
    reporter.emit(&[d], &SourceMap::new());
    reporter.flush();
}
