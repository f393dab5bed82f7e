"""Sweep throughput: command line, Python package, Ray with 2 workers; Ray's task overhead;
the estimate of a 10⁷-point sweep on 100 nodes. Run by benches/sweep_scaleout.sh."""

import os
import subprocess
import sys
import tempfile
import time

import ray

import dfc

GRID = "benches/sweep_resnet18.df"
RUNS = 3


def best(work):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return min(times), result


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as out:
        path = os.path.join(out, "all.json")
        cli, _ = best(lambda: subprocess.run(
            [binary, "sweep", GRID, "--format", "json", "-o", path], check=True))
        printed = open(path).read()
    python, report = best(lambda: dfc.sweep(dfc.compile(GRID)))
    assert report.text == printed, "the package's report differs from the command line's"
    points = len(report)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"RAYON_NUM_THREADS": "1"}})
    program = dfc.compile(GRID)
    dfc.sweep(program, shards=2, executor="ray")  # start the workers
    on_ray, merged = best(lambda: dfc.sweep(program, shards=2, executor="ray"))
    assert merged.text == printed, "Ray's merged report differs"

    @ray.remote
    def nothing():
        return None

    ray.get([nothing.remote() for _ in range(100)])
    tasks = 1000
    overhead, _ = best(lambda: ray.get([nothing.remote() for _ in range(tasks)]))
    ray.shutdown()

    rate = {name: points / t for name, t in [("cli", cli), ("python", python), ("ray", on_ray)]}
    print(f"points {points}")
    print(f"dfc sweep, one thread:        {cli:.3f} s  {rate['cli']:.0f} points/s")
    print(f"dfc.sweep, one thread:        {python:.3f} s  {rate['python']:.0f} points/s  "
          f"{rate['python'] / rate['cli']:.2f} x the command line")
    print(f"Ray, 2 workers of 1 thread:   {on_ray:.3f} s  {rate['ray']:.0f} points/s  "
          f"{rate['ray'] / rate['cli']:.2f} x the command line")
    per_task = overhead / tasks
    print(f"Ray task overhead: {per_task * 1e6:.0f} us a task ({tasks} empty tasks, 2 CPUs)")
    # 10⁷ points on 100 nodes of 2 cores, as shards of 10⁵ points (the row bound is 10⁶ a run).
    per_point = 1 / rate["cli"]
    total, nodes, cores, shard = 10**7, 100, 2, 10**5
    compute = total * per_point / (nodes * cores)
    tasks_needed = total // shard
    print(f"estimate, 10^7 points on {nodes} nodes x {cores} cores: "
          f"{compute:.0f} s of evaluation + {tasks_needed} tasks x {per_task * 1e3:.2f} ms "
          f"of Ray overhead = {compute + tasks_needed * per_task:.0f} s")


if __name__ == "__main__":
    main()
