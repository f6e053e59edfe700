"""Reasoning tasks for the benchmark runner: causal questions with exact answers.

:func:`reasoning_dataset` generates premise-question pairs with
causalkit's own generator (never the paper's evaluation files), labelled
exactly; :func:`axiomatic_answers` answers them with the shipped axiomatic
transformer and :func:`symbolic_answers` with the exact checker (an upper
bound, and a check of the labels). The runner scores accuracy.
"""

from __future__ import annotations

import pandas as pd

from ..dataset import Dataset

__all__ = ["reasoning_dataset", "axiomatic_answers", "symbolic_answers"]


def reasoning_dataset(n_questions, task="transitivity", min_length=3, max_length=6, name_length=3,
                      seed=None):
    """Labelled causal-reasoning questions as a Dataset.

    Parameters
    ----------
    n_questions : int
    task : {"transitivity", "dseparation"}
    min_length, max_length : int
        Range of chain lengths (nodes).
    name_length : int
        Longest node name (names have 1..name_length characters).
    seed : int, optional

    Returns
    -------
    Dataset
        ``data`` has columns ``text`` and ``label``; ``metadata["y_true"]``
        the labels, ``metadata["task"]`` the task.
    """
    from .axiomatic_data import generate

    texts, labels = generate(task, int(n_questions), seed=0 if seed is None else seed,
                             lengths=(int(min_length), int(max_length)), name_len=(1, int(name_length)))
    data = pd.DataFrame({"text": texts, "label": labels})
    meta = {"task": task, "y_true": list(labels),
            "params": {"n_questions": n_questions, "task": task, "min_length": min_length,
                       "max_length": max_length, "name_length": name_length, "seed": seed}}
    return Dataset(data, metadata=meta)


def axiomatic_answers(dataset, batch_size=256):
    """Answers of the shipped axiomatic transformer for the dataset's task."""
    from .axiomatic import AxiomaticReasoner

    model = AxiomaticReasoner.pretrained(dataset.metadata["task"])
    texts = list(dataset.data["text"])
    preds = []
    for i in range(0, len(texts), batch_size):
        preds.extend(model.predict(texts[i:i + batch_size]))
    return {"y_pred": preds}


def symbolic_answers(dataset):
    """Exact answers of :func:`causalkit.reasoning.check_statement`."""
    from ..reasoning.symbolic import check_statement

    return {"y_pred": [check_statement(t) for t in dataset.data["text"]]}
