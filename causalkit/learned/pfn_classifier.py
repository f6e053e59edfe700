"""A scikit-learn classifier that predicts with a prior-fitted network in one forward pass.

:class:`PFNClassifier` wraps :class:`causalkit.learned.pfn.PFNTransformer`: ``fit`` only validates and
stores the training data; ``predict_proba`` feeds the training rows (with their labels) and the test rows
through the network, which returns the posterior predictive class probabilities it learned to compute on
synthetic tasks from the TabPFN prior (:mod:`causalkit.generators.tabpfn_prior`).

**Preprocessing** (mirrors the prior): per ensemble member, the features are optionally Yeo-Johnson
transformed (every second member, as TabPFN's ``"mix"`` preprocessing), squashed logarithmically beyond 4
robust standard deviations, z-scored with the training rows' statistics and clipped to +-100; when fewer
than ``max_features`` columns are used they are scaled by ``max_features / used`` and zero-padded, as the
prior does with its unused columns.

**Ensemble** (TabPFN v1): member ``e`` shifts the feature columns cyclically by an offset and relabels
the classes with a random permutation (member 0 uses neither); the members' probabilities, mapped back
to the original classes, are averaged.

**Beyond the trained limits**

* *More features* than the network takes (``max_features``, 32 for the shipped weights):
  ``feature_reduction="select"`` keeps the ``max_features`` columns with the largest ANOVA F statistic
  against the labels on the training rows; ``"pca"`` projects the z-scored training data onto its first
  ``max_features`` principal components.
* *More training rows* than ``max_train_rows``: each ensemble member uses its own random subsample of
  that size that keeps at least one row of every class (so the ensemble also bags). Test rows are never
  limited: they do not attend to each other and are processed in chunks.
* *More classes* than ``max_classes`` (10): :class:`~causalkit.exceptions.DataError` naming the limit.

References
----------
.. [1] N. Hollmann, S. Mueller, K. Eggensperger, F. Hutter. "TabPFN: A Transformer That Solves Small
   Tabular Classification Problems in a Second". ICLR 2023.
"""

import os
import warnings

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_array, check_is_fitted, check_X_y

from causalkit.exceptions import DataError, UnknownMethodError

__all__ = ["PFNClassifier", "FEATURE_REDUCTIONS", "bench_predict"]

FEATURE_REDUCTIONS = ("select", "pca")


def _robust_squash(x, n_train, n_sigma=4.0):
    """The prior's outlier treatment with training-row statistics: log-squash beyond +-n_sigma."""
    tr = x[:n_train]
    mean, std = tr.mean(0), tr.std(0, ddof=1) if n_train > 1 else np.zeros(x.shape[1])
    inside = (tr >= mean - n_sigma * std) & (tr <= mean + n_sigma * std)
    cnt = np.maximum(inside.sum(0), 2)
    m2 = np.where(inside, tr, 0.0).sum(0) / cnt
    s2 = np.sqrt(np.where(inside, (tr - m2) ** 2, 0.0).sum(0) / (cnt - 1))
    lower, upper = m2 - n_sigma * s2, m2 + n_sigma * s2
    x = np.maximum(-np.log1p(np.abs(x)) + lower, x)
    return np.minimum(np.log1p(np.abs(x)) + upper, x)


def _subsample(y, size, rng):
    """Sorted indices of a random subsample of ``size`` rows that keeps at least one row of every class.

    One random row per class first, the rest uniformly from the remaining rows (so class proportions are
    kept in expectation, and a rare class is never lost).
    """
    first = np.array([rng.choice(np.flatnonzero(y == c)) for c in np.unique(y)])
    rest = np.setdiff1d(np.arange(len(y)), first)
    extra = rng.choice(rest, size=max(0, size - len(first)), replace=False)
    return np.sort(np.concatenate([first, extra]))


def _zscore(x, n_train):
    tr = x[:n_train]
    return np.clip((x - tr.mean(0)) / (tr.std(0, ddof=1) + 1e-6), -100.0, 100.0)


class PFNClassifier(ClassifierMixin, BaseEstimator):
    """Classifier that predicts with a prior-fitted network (TabPFN-style), without training.

    Parameters
    ----------
    n_ensemble : int, default 4
        Ensemble members (feature shifts x class permutations x preprocessing); 1 is fastest.
    device : str, default "cpu"
        Torch device of the forward pass.
    weights : None or str, default None
        ``None`` for the default weights (``causalkit.learned.pfn.DEFAULT_WEIGHTS``, ``"pfn_gpu"``), a
        file stem under ``causalkit/learned/weights/`` (``"pfn_gpu"``, or ``"pfn_cpu_small"`` for the
        smaller, faster CPU-trained model) or a path to a ``.safetensors`` file written by
        ``benchmarks/train_pfn.py`` (loaded with safetensors only).
    max_train_rows : int, default 1024
        Training rows given to the network; above it each member uses its own random subsample that
        keeps every class.
    feature_reduction : {"select", "pca"}, default "select"
        How more than ``max_features`` columns are reduced (see the module notes).
    power_transform : bool, default True
        Yeo-Johnson transform the features of every second ensemble member.
    softmax_temperature : float, default 0.9
        Logits are divided by it before the softmax (0.9 as in TabPFN v2; on the benchmark datasets it
        lowered the log-loss of the CPU-trained weights, which are under-confident, without changing AUC).
    n_threads : None or int, default None
        Torch CPU threads during prediction (``None``: ``min(2, os.cpu_count())``).
    batch_test_rows : int, default 2048
        Test rows per forward pass.
    random_state : int, default 0
        Seeds the permutations and subsamples (predictions are deterministic).

    Attributes
    ----------
    classes_ : ndarray
        Class labels seen in ``fit``.
    n_features_in_ : int
    model_ : causalkit.learned.pfn.PFNTransformer
    weights_info_ : dict
        Config and provenance of the loaded weights.

    Raises
    ------
    DataError
        In ``fit``: non-finite or non-numeric data, fewer than 2 rows or classes, more classes than
        the network's ``max_classes``. In ``predict_proba``: a column count that differs from ``fit``.

    Notes
    -----
    The network attends from every row to the training rows only and has no positional encoding, so
    (without subsampling) the prediction does not depend on the order of the training rows. The default
    weights (3.3M parameters) were trained for 11 minutes on one GPU on 287k synthetic datasets (see
    ``weights_info_["provenance"]`` and ``docs/pfn.rst``).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = PFNClassifier(n_ensemble=2).fit(X[::2], y[::2])
    >>> clf.predict_proba(X[1::2]).shape
    (75, 3)
    """

    def __init__(self, n_ensemble=4, device="cpu", weights=None, max_train_rows=1024,
                 feature_reduction="select", power_transform=True, softmax_temperature=0.9,
                 n_threads=None, batch_test_rows=2048, random_state=0):
        self.n_ensemble = n_ensemble
        self.device = device
        self.weights = weights
        self.max_train_rows = max_train_rows
        self.feature_reduction = feature_reduction
        self.power_transform = power_transform
        self.softmax_temperature = softmax_temperature
        self.n_threads = n_threads
        self.batch_test_rows = batch_test_rows
        self.random_state = random_state

    # ------------------------------------------------------------------ fit
    def fit(self, X, y):
        """Validate and store the training data (nothing is trained).

        Parameters
        ----------
        X : array-like (n_samples, n_features)
            Numeric features without missing values.
        y : array-like (n_samples,)
            Class labels (any hashable values), at most ``max_classes`` distinct ones.

        Returns
        -------
        self

        Raises
        ------
        DataError
            On invalid data or parameters (the message names the argument).
        UnknownMethodError
            If ``feature_reduction`` is not one of ``FEATURE_REDUCTIONS``.
        """
        from causalkit.learned.pfn import load_pfn

        if self.feature_reduction not in FEATURE_REDUCTIONS:
            raise UnknownMethodError(f"feature_reduction must be one of {list(FEATURE_REDUCTIONS)}; "
                                     f"got {self.feature_reduction!r}")
        for name in ("n_ensemble", "max_train_rows", "batch_test_rows"):
            val = getattr(self, name)
            if not isinstance(val, (int, np.integer)) or isinstance(val, bool) or val < 1:
                raise DataError(f"{name} must be a positive int; got {val!r}")
        if not self.softmax_temperature > 0:
            raise DataError(f"softmax_temperature must be > 0; got {self.softmax_temperature!r}")
        try:
            X, y = check_X_y(X, y, dtype=np.float64, ensure_all_finite=True, ensure_min_samples=2)
        except ValueError as exc:
            raise DataError(f"X, y: {exc}") from None
        classes, y_enc = np.unique(y, return_inverse=True)
        self.model_, self.weights_info_ = load_pfn(self.weights, device=self.device)
        limit = self.model_.max_classes
        if len(classes) > limit:
            raise DataError(f"y has {len(classes)} classes; the PFN was trained for at most "
                            f"max_classes={limit} classes")
        if len(classes) < 2:
            raise DataError(f"y has a single class ({classes[0]!r}); need at least 2")
        self.classes_ = classes
        self.n_features_in_ = X.shape[1]
        self.X_train_ = X
        self.y_train_ = y_enc.astype(np.int64)
        self.reducer_ = self._fit_reduction(X, self.y_train_)
        return self

    def _fit_reduction(self, X, y):
        """None, or (kind, params) reducing X to the network's max_features columns."""
        m = self.model_.max_features
        if X.shape[1] <= m:
            return None
        if self.feature_reduction == "select":
            from sklearn.feature_selection import f_classif

            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # constant columns: their NaN score is handled below
                score, _ = f_classif(X, y)
            score = np.nan_to_num(score, nan=-1.0)
            keep = np.sort(np.argsort(-score, kind="stable")[:m])
            return ("select", keep)
        mean, std = X.mean(0), X.std(0) + 1e-12
        z = (X - mean) / std
        _, _, vt = np.linalg.svd(z, full_matrices=False)
        return ("pca", (mean, std, vt[:m].T))

    def _reduce(self, X):
        if self.reducer_ is None:
            return X
        kind, p = self.reducer_
        if kind == "select":
            return X[:, p]
        mean, std, proj = p
        return ((X - mean) / std) @ proj

    # ------------------------------------------------------------------ predict
    def _member_inputs(self, Xtr, ytr, Xte, e, rng):
        """Preprocessed (x [n_tr + n_te, max_features], permuted y_train, perm) of member e."""
        k = len(self.classes_)
        n_train = len(ytr)
        if n_train > self.max_train_rows:
            idx = _subsample(ytr, self.max_train_rows, rng)
            Xtr, ytr, n_train = Xtr[idx], ytr[idx], len(idx)
        x = np.vstack([Xtr, Xte])
        if self.power_transform and e % 2 == 1:
            from sklearn.preprocessing import PowerTransformer

            with np.errstate(all="ignore"):
                pt = PowerTransformer(method="yeo-johnson", standardize=True).fit(Xtr)
                xt = pt.transform(x)
            if np.all(np.isfinite(xt)):
                x = xt
        x = _zscore(_robust_squash(_zscore(x, n_train), n_train), n_train)
        used = x.shape[1]
        if e > 0 and used > 1:
            shift = (e * max(1, used // max(2, self.n_ensemble)) + int(rng.integers(used))) % used
            x = np.roll(x, shift, axis=1)
        perm = np.arange(k) if e == 0 else rng.permutation(k)
        m = self.model_.max_features
        if used < m:
            x = np.hstack([x * (m / used), np.zeros((x.shape[0], m - used))])
        return x, perm[ytr], perm

    def predict_proba(self, X):
        """Class probabilities of the rows of X, one forward pass per ensemble member.

        Parameters
        ----------
        X : array-like (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples, n_classes)
            Rows sum to one; columns follow ``classes_``.

        Raises
        ------
        DataError
            If X is not finite or has a different number of columns than in ``fit``.
        """
        import torch

        check_is_fitted(self, "model_")
        try:
            X = check_array(X, dtype=np.float64, ensure_all_finite=True)
        except ValueError as exc:
            raise DataError(f"X: {exc}") from None
        if X.shape[1] != self.n_features_in_:
            raise DataError(f"X has {X.shape[1]} features; fit saw n_features_in_={self.n_features_in_}")
        k = len(self.classes_)
        Xtr, Xte = self._reduce(self.X_train_), self._reduce(X)
        rng = np.random.default_rng(self.random_state)
        old_threads = torch.get_num_threads()
        threads = self.n_threads or min(2, os.cpu_count() or 1)
        torch.set_num_threads(threads)
        try:
            proba = np.zeros((X.shape[0], k))
            dev = torch.device(self.device)
            n_cls = torch.tensor([k], device=dev)
            for e in range(self.n_ensemble):
                x, ytr, perm = self._member_inputs(Xtr, self.y_train_, Xte, e, rng)
                n_train = len(ytr)
                xt = torch.as_tensor(x, dtype=torch.float32, device=dev)
                yt = torch.as_tensor(ytr, device=dev).unsqueeze(0)
                out = []
                with torch.inference_mode():
                    for s in range(0, X.shape[0], self.batch_test_rows):
                        chunk = torch.cat([xt[:n_train], xt[n_train + s:n_train + s + self.batch_test_rows]])
                        logits = self.model_(chunk.unsqueeze(0), yt, n_cls)[0, :, :k]
                        out.append(torch.softmax(logits.float() / self.softmax_temperature, -1).cpu().numpy())
                p = np.concatenate(out).astype(np.float64)
                proba += p[:, perm]  # column perm[c] holds original class c
        finally:
            torch.set_num_threads(old_threads)
        proba /= self.n_ensemble
        return proba / proba.sum(1, keepdims=True)

    def predict(self, X):
        """Most probable class of each row of X.

        Parameters
        ----------
        X : array-like (n_samples, n_features)

        Returns
        -------
        ndarray (n_samples,)
            Labels from ``classes_``.
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def bench_predict(dataset, target="y", train_size=None, n_ensemble=4, weights=None, n_threads=None):
    """Benchmark-runner adapter: fit on the first rows of a dataset, predict the rest.

    Parameters
    ----------
    dataset : causalkit.dataset.Dataset
        Numeric feature columns and a class column ``target``; datasets of
        :func:`causalkit.generators.tabpfn_prior.tabpfn_prior` qualify.
    target : str, default "y"
    train_size : None or int
        Training rows (the first ones); default ``dataset.metadata["train_size"]``, else half the rows.
    n_ensemble : int, default 4
    weights : None or str
    n_threads : None or int
        Passed to :class:`PFNClassifier` (1 is fastest on a busy machine).

    Returns
    -------
    dict
        ``{"proba": (n_test, k) array, "y_true": (n_test,) ints}`` with the classes numbered ``0 .. k-1``
        in the order of ``PFNClassifier.classes_`` (the ``prediction`` task kind's format).

    Raises
    ------
    DataError
        If ``target`` is not a column, ``train_size`` leaves no test rows, or the test rows hold a class
        absent from the training rows.
    """
    df = dataset.data
    if target not in df.columns:
        raise DataError(f"target {target!r} is not a column; columns: {list(df.columns)}")
    n = len(df)
    ts = train_size if train_size is not None else dataset.metadata.get("train_size", n // 2)
    if not 2 <= int(ts) < n:
        raise DataError(f"train_size must be in [2, {n - 1}] for {n} rows; got {ts!r}")
    ts = int(ts)
    X = df.drop(columns=[target]).to_numpy(dtype=np.float64)
    y = df[target].to_numpy()
    clf = PFNClassifier(n_ensemble=n_ensemble, weights=weights, n_threads=n_threads).fit(X[:ts], y[:ts])
    pos = np.searchsorted(clf.classes_, y[ts:])
    if np.any(pos >= len(clf.classes_)) or np.any(clf.classes_[np.minimum(pos, len(clf.classes_) - 1)] != y[ts:]):
        raise DataError(f"column {target!r}: the test rows hold classes absent from the training rows")
    return {"proba": clf.predict_proba(X[ts:]), "y_true": pos}
