#!/usr/bin/env bash
# NEAT on XOR, dfc against neat-python 2.0.0 with the same configuration
# (tests/neat/xor.ini): success rate within 300 generations and the distribution of
# generations to solve over SEEDS seeds each (different generators, so runs are compared as
# distributions, not seed by seed), and time per generation as a ratio. Then dfc on
# CartPole, MountainCar and Acrobot (solved generation, best fitness). Not used by any test.
#
# Usage: benches/neat_peer.sh [VENV] [SEEDS]   (default VENV /work/peer/venv-neat, created with
#        `pip install gymnasium neat-python==2.0.0` when missing; SEEDS 30)
# Output: one line per side: solved=k/N median=… q1=… q3=… ms_per_generation=…; ratio=…;
#         permutation-test p-values for the medians and success rates; then one line per
#         environment and seed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${NEAT_VENV:-/work/peer/venv-neat}}
seeds=${2:-30}
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import neat" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet gymnasium neat-python==2.0.0
fi
cargo build --release --quiet --manifest-path "$root/Cargo.toml"
dfc=$root/target/release/dfc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for seed in $(seq 0 $((seeds - 1))); do
  "$dfc" evolve --env xor --config "$root/tests/neat/xor.ini" --seed "$seed" --format json \
    > "$tmp/dfc_$seed.json"
done

"$venv/bin/python" - "$root/tests/neat/xor.ini" "$seeds" > "$tmp/neat_python.txt" <<'PY'
import sys, time
import neat
config_path, seeds = sys.argv[1], int(sys.argv[2])
inputs = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
outputs = [0.0, 1.0, 1.0, 0.0]

def eval_genomes(genomes, config):
    for _, genome in genomes:
        genome.fitness = 4.0
        net = neat.nn.FeedForwardNetwork.create(genome, config)
        for xi, xo in zip(inputs, outputs):
            genome.fitness -= (net.activate(xi)[0] - xo) ** 2

for seed in range(seeds):
    config = neat.Config(neat.DefaultGenome, neat.DefaultReproduction,
                         neat.DefaultSpeciesSet, neat.DefaultStagnation, config_path)
    p = neat.Population(config, seed=seed)
    start = time.perf_counter()
    winner = p.run(eval_genomes, 300)
    elapsed = time.perf_counter() - start
    solved = winner.fitness >= config.fitness_threshold
    print(seed, p.generation if solved else -1, p.generation + 1, elapsed)
PY

python3 - "$tmp" "$seeds" <<'PY'
import json, random, statistics, sys
tmp, seeds = sys.argv[1], int(sys.argv[2])

def permutation_p(a, b, statistic, rounds=20000):
    """Two-sided permutation test: how often relabelled samples differ at least as much."""
    rng = random.Random(0)
    observed = abs(statistic(a) - statistic(b))
    pooled = a + b
    hits = 0
    for _ in range(rounds):
        rng.shuffle(pooled)
        if abs(statistic(pooled[:len(a)]) - statistic(pooled[len(a):])) >= observed:
            hits += 1
    return hits / rounds

def summary(name, rows):
    solved = sorted(g for g, _, _ in rows if g is not None)
    gens = sum(n for _, n, _ in rows)
    secs = sum(t for _, _, t in rows)
    q = statistics.quantiles(solved, n=4) if len(solved) >= 2 else [float("nan")] * 3
    ms = 1000 * secs / gens
    print(f"{name}: solved={len(solved)}/{len(rows)} median={statistics.median(solved) if solved else 'n/a'} "
          f"q1={q[0]:.1f} q3={q[2]:.1f} min={min(solved, default='n/a')} max={max(solved, default='n/a')} "
          f"ms_per_generation={ms:.4f}")
    return ms

rows = []
for seed in range(seeds):
    v = json.load(open(f"{tmp}/dfc_{seed}.json"))
    rows.append((v["generations"], v["generations_run"], v["wall_seconds"]))
ours = summary("dfc", rows)
rows_dfc = rows
rows = []
for line in open(f"{tmp}/neat_python.txt"):
    seed, gen, run, secs = line.split()
    rows.append((int(gen) if int(gen) >= 0 else None, int(run), float(secs)))
dfc_rows = rows_dfc
theirs = summary("neat-python", rows)
print(f"ratio (neat-python time per generation / dfc's) = {theirs / ours:.1f}")
# Same distribution? Unsolved runs count as 300 generations; permutation tests on the
# median and on the success rate (p well above 0.05: no difference sampling error explains).
ours_g = [g if g is not None else 300 for g, _, _ in dfc_rows]
theirs_g = [g if g is not None else 300 for g, _, _ in rows]
print(f"generations to solve: permutation p (median) = {permutation_p(ours_g, theirs_g, statistics.median):.3f}")
solved = lambda xs: sum(x < 300 for x in xs) / len(xs)
print(f"success rate: permutation p = {permutation_p(ours_g, theirs_g, solved):.3f}")
PY

for env in cartpole mountaincar acrobot; do
  for seed in 0 1 2; do
    "$dfc" evolve --env "$env" --seed "$seed" --generations 100 --format json > "$tmp/$env.json"
    python3 -c "import json,sys; v=json.load(open(sys.argv[1])); print(sys.argv[2], 'seed', sys.argv[3], 'solved_generation', v['generations'], 'best_fitness', v['best_fitness'], 'generations_run', v['generations_run'], 'wall_seconds', round(v['wall_seconds'], 2))" "$tmp/$env.json" "$env" "$seed"
  done
done
