"""Record Gymnasium episodes as the CSVs `dfc env replay` prints, for the exact-replay tests.

Run with a Python that has gymnasium installed:
    python3 tests/neat/record_gymnasium.py tests/neat
Each file is one episode from `gym.make(ID)` (with its TimeLimit), reset with a seed, driven by
a seeded random policy or a simple hand-written controller; columns are
`step,action,<internal state>,reward,terminated,truncated`, floats as Python's repr (shortest
round-trip), step 0 the reset state.
"""
import random
import sys

import gymnasium as gym

STATE_NAMES = {
    "CartPole-v1": ["x", "x_dot", "theta", "theta_dot"],
    "MountainCar-v0": ["position", "velocity"],
    "Acrobot-v1": ["theta1", "theta2", "dtheta1", "dtheta2"],
}


def random_policy(n, seed):
    rng = random.Random(seed)
    return lambda state: rng.randrange(n)


def cartpole_balance(state):
    x, x_dot, theta, theta_dot = state
    return 1 if theta + 0.5 * theta_dot + 0.01 * x + 0.1 * x_dot > 0 else 0


def mountaincar_pump(state):
    return 2 if state[1] >= 0 else 0


def acrobot_pump(state):
    return 2 if state[3] >= 0 else 0


EPISODES = [
    ("cartpole_random_seed1.csv", "CartPole-v1", 1, random_policy(2, 11)),
    ("cartpole_random_seed2.csv", "CartPole-v1", 2, random_policy(2, 12)),
    ("cartpole_balance_seed3.csv", "CartPole-v1", 3, cartpole_balance),
    ("mountaincar_random_seed1.csv", "MountainCar-v0", 1, random_policy(3, 21)),
    ("mountaincar_pump_seed2.csv", "MountainCar-v0", 2, mountaincar_pump),
    ("acrobot_random_seed1.csv", "Acrobot-v1", 1, random_policy(3, 31)),
    ("acrobot_pump_seed2.csv", "Acrobot-v1", 2, acrobot_pump),
]


def flag(b):
    return "1" if b else "0"


def record(env_id, seed, policy):
    env = gym.make(env_id)
    env.reset(seed=seed)
    state = [float(v) for v in env.unwrapped.state]
    rows = ["step,action," + ",".join(STATE_NAMES[env_id]) + ",reward,terminated,truncated"]
    rows.append("0,," + ",".join(repr(v) for v in state) + ",0.0,0,0")
    step = 0
    while True:
        action = policy(state)
        _, reward, terminated, truncated, _ = env.step(action)
        step += 1
        state = [float(v) for v in env.unwrapped.state]
        rows.append(
            f"{step},{action}," + ",".join(repr(v) for v in state)
            + f",{float(reward)!r},{flag(terminated)},{flag(truncated)}"
        )
        if terminated or truncated:
            return "\n".join(rows) + "\n"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    for name, env_id, seed, policy in EPISODES:
        text = record(env_id, seed, policy)
        with open(f"{out}/{name}", "w") as f:
            f.write(text)
        last = text.strip().splitlines()[-1]
        print(name, "steps:", last.split(",")[0], "last:", last)


if __name__ == "__main__":
    main()
