"""dfc from Python: compile `.df` programs, then evaluate, map, simulate and schedule them.

The work is done by the compiled module ``dfc._dfc`` (the same library as the ``dfc``
command, run with the interpreter released); this module turns its answers into reports
(rows as dictionaries, or a pandas DataFrame on request) and raises :class:`DfcError` for
errors in the input. The API is described in ``docs/python.md``.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional, Union

from . import _dfc
from ._dfc import Program

__all__ = [
    "DfcError",
    "DfcWarning",
    "MapReport",
    "Program",
    "Report",
    "ScheduleReport",
    "compile",
    "compile_text",
    "evaluate",
    "map",
    "schedule",
    "simulate",
    "sweep",
    "sweep_merge",
    "SweepReport",
]

__version__ = _dfc.__version__

Diagnostic = Dict[str, Any]
Row = Dict[str, Any]


class DfcError(Exception):
    """Errors in a program, or a call that cannot be carried out.

    The first error's ``code`` (``"E0101"``), ``message``, ``file``, ``line`` and ``column``
    (1-based; ``None`` when the error has no place in a file), every diagnostic of the call
    as dictionaries in ``diagnostics``, and, when the call got as far as a report (a layer
    that does not fit, say), that ``report``. ``str(error)`` is the diagnostics as
    ``dfc --diagnostic-format short`` prints them.
    """

    def __init__(
        self, rendered: str, diagnostics: List[Diagnostic], report: Optional["Report"] = None
    ) -> None:
        errors = [d for d in diagnostics if d["severity"] == "error"]
        first = (errors or diagnostics)[0]
        self.code: str = first["code"]
        self.message: str = first["message"]
        self.file: Optional[str] = first["file"]
        self.line: Optional[int] = first["line"]
        self.column: Optional[int] = first["column"]
        self.diagnostics = diagnostics
        self.report = report
        super().__init__(rendered.strip() or f"error[{self.code}]: {self.message}")


class DfcWarning(UserWarning):
    """A warning about a compiled program (``W`` codes), issued with :mod:`warnings`."""


class Report:
    """Rows of a result: ``columns`` (names, in order), ``rows`` (one dictionary per row),
    ``warnings`` (the call's warning diagnostics). ``to_pandas()`` gives a DataFrame."""

    def __init__(self, answer: Dict[str, Any]) -> None:
        self.columns: List[str] = answer["columns"]
        self._values: List[List[Any]] = answer["rows"]
        self.rows: List[Row] = [dict(zip(self.columns, v)) for v in self._values]
        self.warnings: List[Diagnostic] = [
            d for d in answer["diagnostics"] if d["severity"] == "warning"
        ]

    def to_pandas(self) -> Any:
        """The rows as a ``pandas.DataFrame`` (pandas is imported only here)."""
        import pandas

        return pandas.DataFrame(self._values, columns=self.columns)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __getitem__(self, index: int) -> Row:
        return self.rows[index]

    def __repr__(self) -> str:
        return f"<dfc.{type(self).__name__}: {len(self.rows)} rows × {len(self.columns)} columns>"


class MapReport(Report):
    """The rows of :func:`map` (the chosen dataflow per layer), with the mapped program
    (``program``, to evaluate) and its ``.df`` text (``text``)."""

    def __init__(self, answer: Dict[str, Any]) -> None:
        super().__init__(answer)
        self.program: Program = answer["program"]
        self.text: str = answer["text"]


class ScheduleReport(Report):
    """The rows of :func:`schedule` (one per scheduled layer), with ``summary``: the whole
    report of ``dfc schedule --format json`` (comparison, EDP gains, partitions)."""

    def __init__(self, answer: Dict[str, Any]) -> None:
        super().__init__(answer)
        self.summary: Dict[str, Any] = json.loads(answer["summary"])


def _finish(answer: Dict[str, Any], make: Callable[[Dict[str, Any]], Any]) -> Any:
    """The call's result, or :class:`DfcError` when it reported an error."""
    result = make(answer) if "columns" in answer or "program" in answer else None
    diagnostics = answer["diagnostics"]
    if any(d["severity"] == "error" for d in diagnostics):
        raise DfcError(answer["rendered"], diagnostics, result if isinstance(result, Report) else None)
    return result


def _program(answer: Dict[str, Any]) -> Program:
    for d in answer["diagnostics"]:
        if d["severity"] == "warning":
            warnings.warn(f"{d['code']}: {d['message']}", DfcWarning, stacklevel=3)
    return answer["program"]


def compile(path: Union[str, "os.PathLike[str]"]) -> Program:
    """Compile the ``.df`` file at ``path``, following its ``use`` imports and the standard
    library, as ``dfc check`` does. Raises :class:`DfcError` for errors."""
    return _finish(_dfc.compile(os.fspath(path)), _program)


def compile_text(source: str, name: str = "<string>") -> Program:
    """Compile ``.df`` source text; ``name`` is the file name diagnostics give. Imports are
    relative to the working directory."""
    return _finish(_dfc.compile_text(source, name), _program)


def evaluate(
    program: Program,
    mapping: Optional[str] = None,
    model: str = "default",
    *,
    objective: str = "runtime",
    strategy: str = "decoupled",
    budget: Optional[int] = None,
    seed: int = 0,
) -> Report:
    """Cost every layer of the program's mappings (or of ``mapping``) with ``model``
    (``"default"`` or ``"maestro"``), searching the layers written ``search`` first, as
    ``dfc eval`` does: one row per layer with ``layer``, the metric columns of
    ``dfc eval --format csv`` (``runtime_cycles``, ``num_macs``, …), ``status`` and
    ``mapping``, with the same values."""
    answer = _dfc.evaluate(program, mapping, model, objective, strategy, budget, seed)
    return _finish(answer, Report)


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
) -> MapReport:
    """Search every layer's dataflow (only the ``search`` layers with ``only_search``), as
    ``dfc map`` does: one row per layer with the chosen dataflow and its objective value,
    the mapped ``program`` and its ``.df`` ``text``."""
    answer = _dfc.map(program, mapping, objective, model, strategy, budget, seed, only_search)
    return _finish(answer, MapReport)


def simulate(program: Program, model: str = "default") -> Report:
    """Simulate the program's mappings on their systolic arrays (``"default"`` or
    ``"scalesim"`` semantics), as ``dfc simulate`` does: one row per simulated layer with
    ``mapping`` and the columns of SCALE-Sim's ``COMPUTE_REPORT.csv``."""
    return _finish(_dfc.simulate(program, model), Report)


def schedule(
    program: Program,
    accelerator: Optional[str] = None,
    workload: Optional[str] = None,
    *,
    objective: str = "edp",
    partition: str = "fixed",
) -> ScheduleReport:
    """Schedule a workload on a heterogeneous accelerator, as ``dfc schedule`` does: one row
    per scheduled layer (the columns of ``dfc schedule --format csv``) and the ``summary``."""
    answer = _dfc.schedule(program, accelerator, workload, objective, partition)
    return _finish(answer, ScheduleReport)


class SweepReport(Report):
    """The rows of :func:`sweep`: one per point (or per point and layer), with the point's
    parameters as columns, ``identity`` (the sweep, its digest, its size and options) and
    ``text``, the report as ``dfc sweep --format json`` prints it."""

    def __init__(self, answer: Dict[str, Any]) -> None:
        report = json.loads(answer["json"])
        super().__init__(
            {
                "columns": report["columns"],
                "rows": report["rows"],
                "diagnostics": answer["diagnostics"],
            }
        )
        self.identity: Dict[str, Any] = report["identity"]
        self.text: str = answer["json"]


def _sweep_answer(answer: Dict[str, Any]) -> Dict[str, Any]:
    """The call's answer, or :class:`DfcError` when it reported an error."""
    if any(d["severity"] == "error" for d in answer["diagnostics"]):
        raise DfcError(answer["rendered"], answer["diagnostics"])
    return answer


def _recipe(program: Program) -> tuple:
    """How a worker compiles ``program`` again: from its file when it has one (imports then
    resolve beside it), else from its text."""
    if os.path.isfile(program.file):
        return ("file", os.path.abspath(program.file))
    return ("text", program.source, program.file)


def _compiled(recipe: tuple) -> Program:
    if recipe[0] == "file":
        return compile(recipe[1])
    return compile_text(recipe[1], recipe[2])


def _sweep_shard(recipe: tuple, name: Optional[str], index: int, count: int,
                 per_layer: bool, pareto: Optional[tuple]) -> str:
    """One shard's JSON report; what a Ray task runs."""
    program = _compiled(recipe)
    answer = _dfc.sweep(program, name, (index, count), per_layer, pareto)
    return _sweep_answer(answer)["json"]


def sweep(
    program: Program,
    name: Optional[str] = None,
    *,
    per_layer: bool = False,
    pareto: Optional[tuple] = None,
    shards: int = 1,
    executor: str = "local",
) -> SweepReport:
    """Evaluate every point of the program's ``sweep`` item ``name`` (the file's only one
    when ``None``), as ``dfc sweep`` does: one row per point (per point and layer with
    ``per_layer``), the Pareto front of two objectives with ``pareto=("runtime",
    "energy")``. ``shards=N`` evaluates the grid as N shards and merges them, locally one
    after the other (``executor="local"``) or as Ray tasks (``executor="ray"``, on the Ray
    instance ``ray.init`` connected to, or a local one); the result is the same either way,
    byte for byte in ``text``. Raises :class:`DfcError` for a bad sweep."""
    if not isinstance(shards, int) or shards < 1:
        raise ValueError(f"shards must be a positive whole number, not {shards!r}")
    if executor not in ("local", "ray"):
        raise ValueError(f'executor must be "local" or "ray", not {executor!r}')
    pareto_pair = tuple(pareto) if pareto is not None else None
    if executor == "local" and shards == 1:
        answer = _sweep_answer(_dfc.sweep(program, name, None, per_layer, pareto_pair))
        return SweepReport(answer)
    recipe = _recipe(program)
    if executor == "ray":
        import ray

        if not ray.is_initialized():
            ray.init()
        task = ray.remote(_sweep_shard)
        futures = [
            task.remote(recipe, name, i, shards, per_layer, pareto_pair) for i in range(shards)
        ]
        parts = ray.get(futures)
    else:
        parts = [
            _sweep_shard(recipe, name, i, shards, per_layer, pareto_pair) for i in range(shards)
        ]
    merged = _sweep_answer(_dfc.sweep_merge(parts))
    return SweepReport(merged)


def sweep_merge(parts: List[str]) -> SweepReport:
    """Merge shards' JSON reports (``dfc sweep --shard I/N --format json``, or
    :attr:`SweepReport.text` of ``sweep`` shards) into the unsharded report."""
    return SweepReport(_sweep_answer(_dfc.sweep_merge(list(parts))))
