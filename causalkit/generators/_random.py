"""Seeding and argument checks shared by the generators (private)."""

from __future__ import annotations

import numbers

import numpy as np

from ..exceptions import DataError

#: noise distributions, each scaled to zero mean and unit variance
NOISE_KINDS = ("gaussian", "uniform", "laplace", "exponential")


def seed_sequence(seed):
    """A :class:`numpy.random.SeedSequence` from ``seed`` (None, int or SeedSequence).

    ``None`` draws fresh OS entropy; the entropy is kept in the returned
    sequence so that the caller can record it and regenerate the data.
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.SeedSequence(int(seed))
    raise DataError(
        f"seed must be None, a non-negative int or a numpy SeedSequence; got {seed!r}"
    )


def seed_record(ss):
    """JSON-friendly record of a SeedSequence (entropy + spawn key)."""
    ent = ss.entropy
    return {"entropy": int(ent) if isinstance(ent, numbers.Integral) else [int(e) for e in ent],
            "spawn_key": [int(k) for k in ss.spawn_key]}


def regeneration_seed(ss):
    """The int that recreates ``ss`` (its entropy) when it has no spawn key, else None."""
    if ss.spawn_key or not isinstance(ss.entropy, numbers.Integral):
        return None
    return int(ss.entropy)


def check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise DataError(f"{name} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise DataError(f"{name} must be an integer >= {minimum}; got {value}")
    return int(value)


def check_choice(value, name, valid):
    if value not in valid:
        raise DataError(f"{name} must be one of {list(valid)}; got {value!r}")
    return value


def check_range(value, name, *, positive=True):
    """A ``(low, high)`` pair (a scalar means ``(v, v)``) with 0 < low <= high."""
    if isinstance(value, numbers.Real):
        value = (value, value)
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be a number or a pair (low, high); got {value!r}") from None
    if not (np.isfinite(low) and np.isfinite(high)) or low > high or (positive and low <= 0):
        raise DataError(
            f"{name} must satisfy 0 < low <= high (finite); got ({low}, {high})"
        )
    return low, high


def draw_noise(rng, kind, size):
    """Standardised noise (mean 0, variance 1) of the given kind."""
    if kind == "gaussian":
        return rng.standard_normal(size)
    if kind == "uniform":
        return rng.uniform(-np.sqrt(3.0), np.sqrt(3.0), size)
    if kind == "laplace":
        return rng.laplace(0.0, 1.0 / np.sqrt(2.0), size)
    if kind == "exponential":
        return rng.exponential(1.0, size) - 1.0
    raise DataError(f"noise must be one of {list(NOISE_KINDS)}; got {kind!r}")


def signed_uniform(rng, low, high, size):
    """Magnitudes uniform on [low, high] with a random sign."""
    return rng.uniform(low, high, size) * rng.choice((-1.0, 1.0), size)
