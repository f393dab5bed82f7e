"""The Python package's overhead against the command line, evaluating bundled examples.

For each example, the median wall time over REPEATS runs of:
  cli       `dfc eval FILE --format csv` as a process (start, compile, evaluate, CSV);
  python    dfc.evaluate(dfc.compile(FILE)) in this interpreter (compile, evaluate, rows);
  evaluate  dfc.evaluate(program) on a program compiled once (evaluate, rows);
  raw       dfc._dfc.evaluate(program) (the compiled module's answer, before rows become
            dictionaries);
and the ratios python/cli and evaluate/raw. Run by benches/python_eval.sh, which builds the
release binary and the package first.
"""

import statistics
import subprocess
import sys
import time

import dfc
from dfc import _dfc

EXAMPLES = ["examples/mobilenet_v2_eyeriss.df", "examples/resnet50_edge.df"]
REPEATS = 21


def median_seconds(work):
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(binary):
    print(f"{'example':<34} {'layers':>6} {'cli ms':>8} {'python ms':>10} {'evaluate ms':>12} "
          f"{'raw ms':>8} {'python/cli':>10} {'evaluate/raw':>12}")
    for path in EXAMPLES:
        program = dfc.compile(path)
        layers = len(dfc.evaluate(program))
        cli = median_seconds(lambda: subprocess.run(
            [binary, "eval", path, "--format", "csv"], check=True, capture_output=True))
        python = median_seconds(lambda: dfc.evaluate(dfc.compile(path)))
        evaluate = median_seconds(lambda: dfc.evaluate(program))
        raw = median_seconds(lambda: _dfc.evaluate(program, None, "default", "runtime",
                                                   "decoupled", None, 0))
        print(f"{path:<34} {layers:>6} {cli * 1e3:>8.2f} {python * 1e3:>10.2f} "
              f"{evaluate * 1e3:>12.2f} {raw * 1e3:>8.2f} {python / cli:>10.2f} "
              f"{evaluate / raw:>12.2f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/release/dfc")
