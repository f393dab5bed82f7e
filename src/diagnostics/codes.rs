//! The registry of diagnostic codes: one row per code, with its stable kebab-case name and a
//! one-line summary. Codes are never reused or renumbered; `dfc explain` serves the long form
//! from `explain/<CODE>.md`.
//!
//! Ranges: `E00xx` syntax, `E01xx` names and imports, `E02xx` shapes, units and types,
//! `E03xx` mapping legality, `E04xx` hardware and resources, `E05xx` back-end limits,
//! `E06xx` MAESTRO, SCALE-Sim and ONNX import, `E07xx` on-chip networks, `E08xx` NEAT and
//! environments, `E09xx` the tool itself (I/O, internal errors), `E10xx` the quantization
//! generator (`dfc quantize`), `E11xx` formatting and editor integration, `E12xx` design-space
//! sweeps (`dfc sweep`), `E13xx` the Python package, `E14xx` sparsity (SCALE-Sim's from 1401,
//! the language's and the cost model's from 1420), `E15xx` architecture generators (`dfc nas`
//! from 1501, `dfc coexplore` from 1520), `W0xxx`, `W10xx`, `W14xx` and `W15xx` warnings.

macro_rules! codes {
    ($($variant:ident = $code:literal, $name:literal, $summary:literal;)*) => {
        /// A stable diagnostic code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant,)* }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed: `E0101`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The kebab-case name: `unresolved-name`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// One line saying what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

codes! {
    InvalidToken = "E0001", "invalid-token", "a character sequence that is not part of the language";
    UnterminatedString = "E0002", "unterminated-string", "a string literal without its closing quote";
    UnexpectedToken = "E0003", "unexpected-token", "the parser found a token that cannot appear here";
    UnexpectedEof = "E0004", "unexpected-eof", "the file ended in the middle of a construct";
    InvalidNumber = "E0005", "invalid-number", "a number literal that is out of range or malformed";
    InvalidUtf8 = "E0006", "invalid-utf8", "a source file that is not valid UTF-8 text";
    NestingTooDeep = "E0007", "nesting-too-deep", "parentheses or braces nested deeper than dfc accepts";
    UnresolvedName = "E0101", "unresolved-name", "a name that is not defined or imported";
    DuplicateDefinition = "E0102", "duplicate-definition", "two items or layers with the same name";
    UnresolvedImport = "E0103", "unresolved-import", "a `use` that names a module or item that does not exist";
    ImportCycle = "E0104", "import-cycle", "files that import each other in a cycle";
    WrongItemKind = "E0105", "wrong-item-kind", "a name that refers to the wrong kind of item";
    MissingUnit = "E0201", "missing-unit", "a quantity that needs a unit has none";
    WrongUnit = "E0202", "wrong-unit", "a unit that does not fit the quantity";
    UnknownField = "E0203", "unknown-field", "a field or argument that this construct does not have";
    MissingField = "E0204", "missing-field", "a required field or argument is missing";
    DuplicateField = "E0205", "duplicate-field", "a field or argument given twice";
    InvalidValue = "E0206", "invalid-value", "a value outside the range the field accepts";
    InvalidShape = "E0207", "invalid-shape", "a layer whose shape is inconsistent or has no output";
    UnknownLayerKind = "E0208", "unknown-layer-kind", "a layer operator that dfc does not know";
    TypeMismatch = "E0209", "type-mismatch", "a value of the wrong type, such as a name where a number is needed";
    ArithmeticError = "E0210", "arithmetic-error", "an expression that divides by zero or overflows";
    UnknownDimension = "E0301", "unknown-dimension", "a directive or `Sz` that names no loop dimension";
    NoSpatialMap = "E0302", "no-spatial-map", "a cluster level without any spatial map";
    TooManySpatialMaps = "E0303", "too-many-spatial-maps", "a cluster level with more spatial maps than the model supports";
    TooManyClusters = "E0304", "too-many-clusters", "a dataflow with more cluster levels than the NoC has";
    InvalidTile = "E0305", "invalid-tile", "a map size or offset that is zero or negative";
    BadDataflowArgument = "E0306", "bad-dataflow-argument", "a dataflow argument that is unknown, missing or given twice";
    UnknownLayer = "E0307", "unknown-layer", "a mapping or expectation names a layer the network lacks";
    IncompleteMapping = "E0308", "incomplete-mapping", "a mapping without its network, hardware or a dataflow for some layer";
    UnknownMetric = "E0309", "unknown-metric", "an expectation on a metric that no back end reports";
    BadDependency = "E0310", "bad-dependency", "a layer that comes after a layer that does not exist or is defined later";
    NothingToDo = "E0311", "nothing-to-do", "a file with nothing for the command to do: no mapping, systolic array or workload";
    ClusterTooLarge = "E0401", "cluster-too-large", "clusters that need more PEs than the hardware has";
    PrecisionRequired = "E0402", "precision-required", "a size in bytes on hardware without a precision";
    NoClock = "E0403", "no-clock", "frame rates for a workload whose accelerator has no clock";
    BufferOverflow = "E0501", "buffer-overflow", "a mapping whose tiles do not fit a buffer";
    ModelError = "E0502", "model-error", "the cost model cannot evaluate this mapping";
    SimulationError = "E0503", "simulation-error", "the systolic simulator cannot simulate this layer on this array";
    NoMappingFound = "E0504", "no-mapping-found", "a searched layer for which no candidate dataflow fits the hardware";
    LayerRunsNowhere = "E0505", "layer-runs-nowhere", "a workload layer that no sub-accelerator of the accelerator can run";
    MaestroInexpressible = "E0506", "maestro-inexpressible", "a layer or hardware `dfc export maestro` cannot write as MAESTRO input";
    MaestroSyntax = "E0601", "maestro-syntax", "a MAESTRO file that MAESTRO itself would reject";
    MaestroUnsupported = "E0602", "maestro-unsupported", "a MAESTRO construct that has no meaning dfc can keep";
    ScalesimSyntax = "E0603", "scalesim-syntax", "a SCALE-Sim config or topology file that cannot be read";
    OnnxUnreadable = "E0604", "onnx-unreadable", "a file that is not an ONNX model: not protobuf, cut short, or without a graph";
    OnnxCycle = "E0605", "onnx-cycle", "an ONNX graph whose nodes depend on each other in a cycle";
    OnnxMissingShape = "E0606", "onnx-missing-shape", "an ONNX graph input without a fixed shape and no `--input-shape` for it";
    OnnxUnsupportedOperator = "E0607", "onnx-unsupported-operator", "an ONNX operator on the path to a MAC layer that dfc does not know or cannot express";
    OnnxUninferableShape = "E0608", "onnx-uninferable-shape", "an ONNX operator on the path to a MAC layer whose output shape cannot be inferred";
    OnnxBadGraph = "E0609", "onnx-bad-graph", "an ONNX node with inconsistent operands, a tensor nothing defines, or a graph without MAC operators";
    NocBadRate = "E0701", "noc-bad-rate", "a NoC injection rate that is not in (0, 1] flits per node per cycle";
    NocBadMesh = "E0702", "noc-bad-mesh", "a mesh size that is not `KxK` with K from 2 to 64";
    NocUnknownTraffic = "E0703", "noc-unknown-traffic", "a traffic pattern name the NoC simulator does not know";
    NocUnknownRouting = "E0704", "noc-unknown-routing", "a routing algorithm name the NoC simulator does not know";
    NocRoutingDeadlock = "E0705", "noc-routing-deadlock", "a routing algorithm that is not deadlock-free with the given virtual channels";
    NocBadSweep = "E0706", "noc-bad-sweep", "a `--sweep START:STOP:STEP` that is malformed or out of range";
    NocBadParameter = "E0707", "noc-bad-parameter", "a NoC simulator parameter (VCs, buffer, packet size, cycles) out of range";
    NocUnknownTopology = "E0708", "noc-unknown-topology", "a NoC topology name the analytic models do not know";
    NocBadBlock = "E0709", "noc-bad-block", "a `noc` hardware field with a value the NoC models cannot use";
    RlBadRates = "E0710", "rl-bad-rates", "a `--rates START:STOP:STEP` grid of routing states that is empty, reversed or outside (0, 1]";
    RlUnknownAgent = "E0711", "rl-unknown-agent", "a learning agent name `dfc noc learn` does not know";
    RlBadParameter = "E0712", "rl-bad-parameter", "a learning parameter (episodes, learning rate, discount, oracle seeds) out of range";
    NocUnknownLayer = "E0713", "noc-unknown-layer", "`dfc noc sim --layer` names a layer the mapping has no traffic for";
    NocTraceTooLarge = "E0714", "noc-trace-too-large", "a trace from a mapping's traffic with more packets than the simulator takes";
    NeatConfig = "E0801", "neat-config", "a NEAT configuration file that cannot be read: a bad line, key or value";
    ReplayState = "E0802", "replay-state", "a replay's initial state with the wrong number of values or a value that is not a number";
    ActionOutOfRange = "E0803", "action-out-of-range", "an action the environment does not have";
    MalformedActions = "E0804", "malformed-actions", "an actions file line that is not one integer";
    ConfigEnvironmentMismatch = "E0805", "config-environment-mismatch", "a NEAT configuration whose inputs or outputs do not fit the environment";
    NeatUnsupported = "E0806", "neat-unsupported", "a neat-python setting dfc does not implement";
    PairsUnknownLayer = "E1001", "pairs-unknown-layer", "a `--pairs` column that names no layer of the mapping's network";
    PairsMissingLayer = "E1002", "pairs-missing-layer", "a `--pairs` file with no column for a layer, or no `accuracy` column";
    PairsNotANumber = "E1003", "pairs-not-a-number", "a `--pairs` value that is not a number";
    PairsBadValue = "E1004", "pairs-bad-value", "a `--pairs` row with the wrong number of fields, a width outside 2..8 or an accuracy outside 0..1";
    PairsEmpty = "E1005", "pairs-empty", "a `--pairs` file with no data rows";
    EvaluateFailed = "E1006", "evaluate-failed", "an `--evaluate` command that could not start or exited with an error";
    EvaluateTimeout = "E1007", "evaluate-timeout", "an `--evaluate` command that did not finish in time";
    EvaluateNotANumber = "E1008", "evaluate-not-a-number", "an `--evaluate` command whose output is not one accuracy between 0 and 1";
    QuantNetworkMismatch = "E1009", "quant-network-mismatch", "a `--bench` whose model's layers are not in the mapping's network";
    QuantLayerNotCosted = "E1010", "quant-layer-not-costed", "a layer the cost model cannot evaluate at some precision";
    Io = "E0901", "io-error", "a file could not be read or written";
    Internal = "E0902", "internal-error", "a bug in dfc";
    InputRefused = "E0903", "input-refused", "an input that is not a regular file or is larger than the size limit";
    OutputIsInput = "E0904", "output-is-input", "an output path that is one of the command's input files";
    TraceTooLarge = "E0905", "trace-too-large", "traces whose estimated size is over the cap";
    InvalidDensity = "E1420", "invalid-density", "a sparsity entry that is not an operand with an N:M ratio or a density in (0, 1]";
    SparseHardware = "E1421", "sparse-hardware", "a hardware `sparse` field with an unknown format or an impossible combination";
    NotFormatted = "E1101", "not-formatted", "a file that `dfc fmt --check` finds not in the canonical layout";
    SparsityUnsupported = "E1401", "sparsity-unsupported", "a SCALE-Sim sparsity setting dfc does not simulate: the optimized mapping outside WS, FILTER offset 0, traces";
    SparsityRatioFails = "E1402", "sparsity-ratio-fails", "an `N:M` sparsity ratio SCALE-Sim fails on (N > M)";
    LayoutUnsupported = "E1403", "layout-unsupported", "a SCALE-Sim custom layout dfc does not simulate: default model, with sparsity, traces, odd axis orders";
    SystolicDensityUnsupported = "E1404", "systolic-density-unsupported", "a layer density `dfc simulate` cannot run on a sparse systolic array: a random density or sparse activations";
    SystolicLayoutInvalid = "E1405", "systolic-layout-invalid", "a systolic array's custom `layout` SCALE-Sim cannot read: orders, a tile that does not fit its row, banks";
    SystolicSparsityInvalid = "E1406", "systolic-sparsity-invalid", "a systolic array's `sparsity` settings SCALE-Sim refuses, or a topology ratio `.df` cannot hold";
    SweepUnknownField = "E1201", "sweep-unknown-field", "a sweep axis that is not a sweepable hardware field or a dataflow argument of the mapping";
    SweepMissingMapping = "E1202", "sweep-missing-mapping", "a sweep that names no mapping to sweep";
    SweepEmpty = "E1203", "sweep-empty", "a sweep, or a block in it, with no axis to sweep";
    SweepDuplicateValue = "E1204", "sweep-duplicate-value", "a value listed twice on one sweep axis";
    SweepTooLarge = "E1205", "sweep-too-large", "a sweep run with more points than one process evaluates";
    SweepBadShard = "E1206", "sweep-bad-shard", "a `--shard I/N` that is not two whole numbers with I below N";
    SweepNotAShard = "E1207", "sweep-not-a-shard", "a `dfc sweep merge` input that is not a shard written by `dfc sweep --shard`";
    SweepShardMismatch = "E1208", "sweep-shard-mismatch", "shards of different sweeps, options or shard counts given to one merge";
    SweepDuplicateShard = "E1209", "sweep-duplicate-shard", "the same shard given twice to `dfc sweep merge`";
    SweepMissingShard = "E1210", "sweep-missing-shard", "`dfc sweep merge` without every shard of the sweep";
    SweepNotFound = "E1211", "sweep-not-found", "a file with no sweep, or without the one `--sweep` names";
    UnknownItem = "E1301", "unknown-item", "a Python call names a mapping, accelerator or workload the program does not define, or must name one of several";
    NasUnknownTask = "E1501", "nas-unknown-task", "a task name dfc has no data for";
    NasSpaceNeedsImages = "E1502", "nas-space-needs-images", "a convolutional search space for a task whose inputs are not images";
    NasSearchMapping = "E1503", "nas-search-mapping", "a mapping for generated networks that leaves its dataflow to `search`";
    NasBudgetUnmet = "E1504", "nas-budget-unmet", "budgets that no architecture of the search space meets on the hardware";
    NasBadBudget = "E1505", "nas-bad-budget", "a budget or count that is not a positive number";
    NasBadCache = "E1506", "nas-bad-cache", "a measurement cache file that dfc did not write";
    CoexploreTaskCount = "E1520", "coexplore-task-count", "`dfc coexplore` given other than two distinct tasks";
    CoexploreSpecUnmet = "E1521", "coexplore-spec-unmet", "a latency, energy or area spec below what any design of the joint space reaches";
    CoexploreNoDesign = "E1522", "coexplore-no-design", "no design the controller sampled met every spec";
    TileClamped = "W0301", "tile-clamped", "a map size larger than its dimension, which the back ends clamp";
    UnusedParameter = "W0302", "unused-parameter", "a dataflow parameter that no directive uses";
    LayerNotEvaluated = "W0501", "layer-not-evaluated", "a layer the back end skipped because it has no dataflow yet";
    DataflowMismatch = "W0502", "dataflow-mismatch", "`dfc simulate` runs the array's own dataflow, not the mapping's";
    MaestroNotPhysical = "W0503", "maestro-not-physical", "MAESTRO's output for a layer has NaN, a sentinel, a negative value or zero MACs";
    MaestroExceedsCapacity = "W0504", "maestro-exceeds-capacity", "MAESTRO's own checks pass a mapping whose tiles do not fit a buffer";
    SparsityIgnored = "W1407", "sparsity-ignored", "sparse layers simulated dense on a systolic array without a `sparsity` block";
    IgnoredInput = "W0601", "ignored-input", "MAESTRO input that MAESTRO silently ignores";
    OnnxSkippedOperator = "W0602", "onnx-skipped-operator", "an ONNX operator dfc does not know whose outputs reach no MAC layer, skipped";
    NasFewerNetworks = "W1501", "nas-fewer-networks", "fewer distinct architectures meet the budgets than `--count` asks for";
    TargetUnreachable = "W1001", "target-unreachable", "no quantized configuration reaches the target accuracy";
}

impl Code {
    /// Look a code up by its printed form or its name, case-insensitively.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text) || c.name().eq_ignore_ascii_case(text))
    }

    pub fn is_warning(self) -> bool {
        self.as_str().starts_with('W')
    }
}
