"""A batch of equally long multivariate time series with their true lagged graph.

:class:`TimeSeriesDataset` is what :class:`~causalkit.generators.causaltime.CausalTime`
returns: a 3-D array ``(n_samples, length, n_channels)``, the channel names, the
ground-truth lagged :class:`~causalkit.graph.CausalGraph` over the channels and,
for CausalTime, the hypothesised causal graph ``hcg`` over the ``N`` original
variables, which is the block a discovery method is scored on.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..dataset import Dataset, _jsonable, _restore
from ..exceptions import DataError
from ..graph import CausalGraph

__all__ = ["TimeSeriesDataset"]

_FORMAT_VERSION = 1


class TimeSeriesDataset:
    """Many multivariate time series of one length, with their true graph.

    Parameters
    ----------
    data : ndarray of shape (n_samples, length, n_channels)
        The series. A 2-D array is read as one series.
    columns : sequence of str
        One name per channel.
    graph : CausalGraph, optional
        Lagged ground truth over ``columns`` (an edge ``(a, b, "-->", k)``
        means ``a`` at ``t-k`` causes ``b`` at ``t``).
    hcg : DataFrame, optional
        Square 0/1 matrix over a subset of ``columns``, rows cause and columns
        effect: the summary graph a method is scored on.
    adjacency : DataFrame, optional
        Square 0/1 summary matrix over all ``columns`` (rows cause).
    metadata : dict, optional
        Generator name, parameters, seed, scaling, ...

    Raises
    ------
    DataError
        If ``data`` is not 2-D or 3-D, ``columns`` does not match its last
        axis, or ``graph``/``hcg``/``adjacency`` name unknown channels.

    Examples
    --------
    >>> import numpy as np
    >>> ds = TimeSeriesDataset(np.zeros((2, 5, 3)), ["a", "b", "c"])
    >>> ds.shape
    (2, 5, 3)
    >>> ds.to_frame().shape
    (10, 5)
    """

    def __init__(self, data, columns, graph=None, hcg=None, adjacency=None, metadata=None):
        data = np.asarray(data, dtype=float)
        if data.ndim == 2:
            data = data[None]
        if data.ndim != 3:
            raise DataError(f"data must have shape (n_samples, length, n_channels); got {data.shape}")
        columns = [str(c) for c in columns]
        if len(columns) != data.shape[2]:
            raise DataError(f"columns has {len(columns)} names but data has {data.shape[2]} channels")
        if len(set(columns)) != len(columns):
            raise DataError("columns must be unique")
        if graph is not None:
            if not isinstance(graph, CausalGraph):
                raise DataError(f"graph must be a CausalGraph; got {type(graph).__name__}")
            unknown = [n for n in graph.nodes if n not in columns]
            if unknown:
                raise DataError(f"graph has nodes that are not channels: {unknown}")
        for name, frame in (("hcg", hcg), ("adjacency", adjacency)):
            if frame is None:
                continue
            if not isinstance(frame, pd.DataFrame) or list(frame.index) != list(frame.columns):
                raise DataError(f"{name} must be a square DataFrame with the same index and columns")
            unknown = [n for n in frame.index if str(n) not in columns]
            if unknown:
                raise DataError(f"{name} names channels that are not in columns: {unknown}")
        self.data = data
        self.columns = columns
        self.graph = graph
        self.hcg = hcg
        self.adjacency = adjacency
        self.metadata = dict(metadata or {})

    @property
    def shape(self):
        """tuple : ``(n_samples, length, n_channels)``."""
        return self.data.shape

    def __len__(self):
        return self.data.shape[0]

    def __repr__(self):
        s, t, c = self.data.shape
        g = "" if self.graph is None else f", graph with {self.graph.n_edges} lagged edges"
        return f"TimeSeriesDataset({s} samples x {t} steps x {c} channels{g})"

    def to_frame(self, sample_column="sample", time_column="time"):
        """Stack the samples into one long DataFrame.

        Parameters
        ----------
        sample_column, time_column : str
            Names of the series-id and time-step columns added in front.

        Returns
        -------
        DataFrame
            ``n_samples * length`` rows: ``sample_column``, ``time_column``,
            then one column per channel.
        """
        s, t, c = self.data.shape
        frame = pd.DataFrame(self.data.reshape(s * t, c), columns=self.columns)
        frame.insert(0, time_column, np.tile(np.arange(t), s))
        frame.insert(0, sample_column, np.repeat(np.arange(s), t))
        return frame

    def to_dataset(self):
        """A :class:`~causalkit.dataset.Dataset` with ``sample`` and ``time`` roles.

        Returns
        -------
        Dataset
            The long frame of :meth:`to_frame`, the lagged graph, roles
            ``{"sample": "sample", "time": "time"}`` and the metadata with
            ``hcg`` added.
        """
        meta = dict(self.metadata)
        if self.hcg is not None:
            meta["hcg"] = self.hcg
        return Dataset(self.to_frame(), graph=self.graph,
                       roles={"sample": "sample", "time": "time"}, metadata=meta)

    # ------------------------------------------------------------------ I/O
    def save(self, directory):
        """Write ``data.npy`` and ``dataset.json`` to ``directory``.

        Parameters
        ----------
        directory : str or Path
            Created if needed.

        Returns
        -------
        Path
        """
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        np.save(d / "data.npy", self.data)
        meta = {
            "format_version": _FORMAT_VERSION,
            "kind": "timeseries",
            "columns": self.columns,
            "graph": None if self.graph is None else json.loads(self.graph.to_json()),
            "hcg": None if self.hcg is None else _jsonable(self.hcg),
            "adjacency": None if self.adjacency is None else _jsonable(self.adjacency),
            "metadata": _jsonable(self.metadata),
        }
        (d / "dataset.json").write_text(json.dumps(meta, indent=1))
        return d

    @classmethod
    def load(cls, directory):
        """Read a dataset written by :meth:`save`.

        Raises
        ------
        DataError
            If ``directory`` holds no saved time-series dataset.
        """
        d = Path(directory)
        path = d / "dataset.json"
        if not path.exists() or not (d / "data.npy").exists():
            raise DataError(f"{d} is not a saved TimeSeriesDataset (needs data.npy and dataset.json)")
        meta = json.loads(path.read_text())
        if meta.get("kind") != "timeseries":
            raise DataError(f"{d} holds a {meta.get('kind', 'tabular')!r} dataset, not a time-series one")
        graph = None if meta["graph"] is None else CausalGraph.from_json(json.dumps(meta["graph"]))

        def frame(v):
            if v is None:
                return None
            f = _restore(v)
            f.index = [str(i) for i in f.index]
            f.columns = [str(c) for c in f.columns]
            return f

        return cls(np.load(d / "data.npy"), meta["columns"], graph=graph, hcg=frame(meta["hcg"]),
                   adjacency=frame(meta["adjacency"]), metadata=_restore(meta["metadata"]))
