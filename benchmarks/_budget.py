"""Fit a training schedule to a wall-time budget (shared by the GPU training scripts).

The learning-rate schedules of ``train_pfn.py``, ``train_structure.py`` and ``train_axiomatic.py`` are
defined in optimizer steps, but a device lease is defined in minutes, and the step rate on a GPU shared
with other jobs is not known in advance. :class:`StepBudget` measures the rate over a probe window early
in the run (inside the warm-up, whose learning rates do not depend on the total) and then fixes
``total_steps`` once, so that the schedule's decay ends when the budget does. The scripts log the
fixed value; running them again with ``total_steps`` set to it reproduces the run without a budget.
"""

import time


class StepBudget:
    """Choose ``total_steps`` from the step rate measured during a probe window.

    Parameters
    ----------
    minutes : float
        Wall time (from construction) by which training should end.
    reserve_s : float
        Seconds kept back at the end for the final evaluation and export.
    probe_s : tuple of float
        The probe window in seconds after construction: the rate is measured between its ends, so
        that compilation and start-up costs before ``probe_s[0]`` are not counted.
    """

    def __init__(self, minutes, reserve_s=45.0, probe_s=(45.0, 120.0)):
        self.t0 = time.time()
        self.end = self.t0 + 60.0 * minutes - reserve_s
        self.probe_s = probe_s
        self._mark = None  # (time, step) at the start of the probe
        self.total_steps = None

    def update(self, step):
        """Call once per step; returns the fixed ``total_steps`` on the step it is decided, else None."""
        if self.total_steps is not None:
            return None
        now = time.time()
        if self._mark is None:
            if now - self.t0 >= self.probe_s[0]:
                self._mark = (now, step)
            return None
        t_mark, s_mark = self._mark
        if now - self.t0 < self.probe_s[1] or step <= s_mark:
            return None
        rate = (step - s_mark) / (now - t_mark)
        self.total_steps = max(step + 1, int(step + rate * max(0.0, self.end - now)))
        return self.total_steps
