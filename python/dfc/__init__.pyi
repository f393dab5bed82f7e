"""Type stubs of the `dfc` package (docs/python.md)."""

import os
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

__version__: str

Diagnostic = Dict[str, Any]
Row = Dict[str, Any]

class Program:
    """A checked program, with the files it read."""

    @property
    def file(self) -> str: ...
    @property
    def source(self) -> str:
        """The compiled file's own text."""
    @property
    def mappings(self) -> List[str]:
        """The mappings the compiled file defines (not those it imports)."""
    @property
    def accelerators(self) -> List[str]: ...
    @property
    def workloads(self) -> List[str]: ...
    def to_df(self) -> str:
        """The whole program printed as `.df` text."""

class DfcError(Exception):
    code: str
    message: str
    file: Optional[str]
    line: Optional[int]
    column: Optional[int]
    diagnostics: List[Diagnostic]
    report: Optional[Report]
    def __init__(
        self, rendered: str, diagnostics: List[Diagnostic], report: Optional[Report] = ...
    ) -> None: ...

class DfcWarning(UserWarning): ...

class Report:
    columns: List[str]
    rows: List[Row]
    warnings: List[Diagnostic]
    def __init__(self, answer: Dict[str, Any]) -> None: ...
    def to_pandas(self) -> Any:
        """A `pandas.DataFrame` of the rows (pandas is imported only here)."""
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Row]: ...
    def __getitem__(self, index: int) -> Row: ...

class MapReport(Report):
    program: Program
    text: str

class ScheduleReport(Report):
    summary: Dict[str, Any]

class SweepReport(Report):
    identity: Dict[str, Any]
    text: str

def compile(path: Union[str, os.PathLike[str]]) -> Program: ...
def compile_text(source: str, name: str = "<string>") -> Program: ...
def evaluate(
    program: Program,
    mapping: Optional[str] = None,
    model: str = "default",
    *,
    objective: str = "runtime",
    strategy: str = "decoupled",
    budget: Optional[int] = None,
    seed: int = 0,
) -> Report: ...
def map(
    program: Program,
    mapping: Optional[str] = None,
    *,
    objective: str = "runtime",
    model: str = "default",
    strategy: str = "decoupled",
    budget: Optional[int] = None,
    seed: int = 0,
    only_search: bool = False,
) -> MapReport: ...
def simulate(program: Program, model: str = "default") -> Report: ...
def schedule(
    program: Program,
    accelerator: Optional[str] = None,
    workload: Optional[str] = None,
    *,
    objective: str = "edp",
    partition: str = "fixed",
) -> ScheduleReport: ...

def sweep(
    program: Program,
    name: Optional[str] = None,
    *,
    per_layer: bool = False,
    pareto: Optional[Tuple[str, str]] = None,
    shards: int = 1,
    executor: str = "local",
) -> SweepReport: ...
def sweep_merge(parts: List[str]) -> SweepReport: ...
