"""benchmarks/_budget.py: total_steps fixed once from the step rate measured in the probe window."""

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "_budget.py"


@pytest.fixture()
def budget_mod(monkeypatch):
    spec = importlib.util.spec_from_file_location("_budget", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    clock = {"t": 1000.0}
    monkeypatch.setattr(mod.time, "time", lambda: clock["t"])
    return mod, clock


def test_total_steps_from_the_probe_rate(budget_mod):
    mod, clock = budget_mod
    b = mod.StepBudget(10.0, reserve_s=60.0, probe_s=(30.0, 90.0))  # ends at t0 + 540 s
    fixed = []
    for step in range(1, 10_000):
        clock["t"] += 0.25  # 4 steps per second
        got = b.update(step)
        if got is not None:
            fixed.append((step, got))
    assert len(fixed) == 1  # decided once
    step, total = fixed[0]
    assert step == 360  # at the end of the probe window (90 s)
    # 4 steps/s over the 450 s left before t0 + 540 s
    assert total == pytest.approx(step + 4 * 450, abs=2)
    assert b.total_steps == total


def test_no_time_left_gives_the_next_step(budget_mod):
    mod, clock = budget_mod
    b = mod.StepBudget(1.0, reserve_s=50.0, probe_s=(5.0, 15.0))  # ends at t0 + 10 s, before the probe ends
    got = None
    step = 0
    while got is None:
        step += 1
        clock["t"] += 1.0
        got = b.update(step)
    assert got == step + 1
