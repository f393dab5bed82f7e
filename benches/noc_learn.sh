#!/usr/bin/env bash
# Learning to route (`dfc noc learn`, `docs/noc.md` "Learning to route"; not used by any test):
#  1. per agent over seeds 1..5, on the default grid (0.05:0.25:0.04) and on the paper's
#     (0.1:0.6:0.1): non-tied oracle states, how many of them the greedy policy matches, its
#     reward as a fraction of the oracle's, and XY's;
#  2. the same for Q-learning with the paper's learning rate 0.01 and with gamma 1, and how
#     often the paper's learning rate leaves the least-visited routing as the greedy one;
#  3. Q-routing's latency-vs-load curve against XY, the oblivious routings and min-adaptive
#     (shuffle, 8x8, 2 VCs, 20000 cycles);
#  4. the wall time of a full default training run (and of one at the paper's 20000 cycles).
# Prints CSV-like lines to stdout. Needs jq.
#
# Usage: benches/noc_learn.sh [path/to/dfc]   (default: target/release/dfc)
set -euo pipefail
cd "$(dirname "$0")/.."
DFC=${1:-target/release/dfc}
[[ -x "$DFC" ]] || cargo build --release --quiet
SEEDS="1 2 3 4 5"

learn_rows() { # label, then extra flags -> one line per seed
  local label=$1
  shift
  for seed in $SEEDS; do
    "$DFC" noc learn --seed "$seed" --oracle-seeds 10 --format json "$@" |
      jq -r --arg l "$label" --arg s "$seed" \
        '[$l, $s, .non_tied, .agreement, (.reward_fraction * 10000 | round / 10000), (.xy_reward_fraction * 10000 | round / 10000)] | @csv'
  done
}

summary() { # the rows of one label -> totals and means
  awk -F, '{gsub(/"/, ""); n[$1]++; nt[$1] += $3; ag[$1] += $4; rf[$1] += $5; xf[$1] += $6}
    END {for (l in n) printf "%s,seeds %d,agreement %d of %d non-tied,mean reward fraction %.4f,XY %.4f\n", l, n[l], ag[l], nt[l], rf[l] / n[l], xf[l] / n[l]}' | sort
}

echo "# 1-2. label,seed,non_tied,agreement,reward_fraction,xy_reward_fraction"
ROWS=$(mktemp)
trap 'rm -f "$ROWS"' EXIT
for agent in q sarsa expected-sarsa; do
  learn_rows "$agent default-grid" --agent "$agent" | tee -a "$ROWS"
  learn_rows "$agent paper-grid" --agent "$agent" --rates 0.1:0.6:0.1 | tee -a "$ROWS"
done
learn_rows "q default-grid lr=0.01" --agent q --learning-rate 0.01 | tee -a "$ROWS"
learn_rows "q default-grid gamma=1" --agent q --gamma 1 | tee -a "$ROWS"
echo "# summary"
summary < "$ROWS"

echo
echo "# 2b. --learning-rate 0.01: states whose greedy routing is the one training took least (unique minimum)"
for seed in $SEEDS; do
  "$DFC" noc learn --seed "$seed" --oracle-seeds 2 --learning-rate 0.01 --format json |
    jq -r --arg s "$seed" '[.states[] | (.visits | to_entries | min_by(.value)) as $m
      | select(([.visits[] | select(. == $m.value)] | length) == 1)
      | (.learned == $m.key)] | "seed \($s): \(map(select(.)) | length) of \(length) states"'
done

echo
echo "# 3. routing,rate,avg_latency,saturated (shuffle 8x8, 2 VCs, 20000 cycles)"
for routing in xy o1turn west-first west-first-adaptive min-adaptive q-routing; do
  "$DFC" noc sim --traffic shuffle --routing "$routing" --sweep 0.05:0.33:0.04 --format csv |
    tail -n +2 | awk -F, -v r="$routing" '{printf "%s,%s,%.3f,%s\n", r, $1, $2, $7}'
done

echo
echo "# 4. wall time of a full training run (training + oracle)"
for cycles in 2000 20000; do
  start=$(date +%s.%N)
  "$DFC" noc learn --cycles "$cycles" > /dev/null
  end=$(date +%s.%N)
  echo "default run, --cycles $cycles: $(echo "$end - $start" | bc) s"
done
