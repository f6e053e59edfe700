"""A dataset with, when known, its true causal graph and the roles of its columns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .exceptions import DataError
from .graph import CausalGraph

__all__ = ["Dataset", "ROLES"]

#: role name -> what the column(s) mean
ROLES = {
    "context": "domain or time index columns (CD-NOD); one or more",
    "environment": "exchangeable group label (causal de Finetti)",
    "time": "row order within a series",
    "sample": "series id when there are many short series",
}
_FORMAT_VERSION = 1


def _jsonable(obj):
    """Convert metadata to JSON-safe values (numpy scalars/arrays, graphs, tuples)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return {"__ndarray__": obj.tolist(), "dtype": str(obj.dtype)}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, CausalGraph):
        return {"__graph__": json.loads(obj.to_json())}
    if isinstance(obj, pd.DataFrame):
        return {"__frame__": obj.to_dict(orient="split")}
    return obj


def _restore(obj):
    if isinstance(obj, dict):
        if "__ndarray__" in obj:
            return np.array(obj["__ndarray__"], dtype=obj["dtype"])
        if "__graph__" in obj:
            return CausalGraph.from_json(json.dumps(obj["__graph__"]))
        if "__frame__" in obj:
            f = obj["__frame__"]
            return pd.DataFrame(f["data"], index=f["index"], columns=f["columns"])
        return {k: _restore(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_restore(v) for v in obj]
    return obj


class Dataset:
    """Data, the true graph when known, column roles and metadata.

    Parameters
    ----------
    data : DataFrame
        One row per sample.
    graph : CausalGraph, optional
        The true causal graph over (some of) the columns, when known.
    roles : dict, optional
        Special columns, by role: ``"context"`` (str or list of str; domain
        or time columns for CD-NOD), ``"environment"`` (exchangeable group,
        for causal de Finetti), ``"time"`` (row order within a series),
        ``"sample"`` (series id). :func:`causalkit.discover` reads them.
    metadata : dict, optional
        Everything needed to regenerate or interpret the data (generator
        name, parameters, seed, sortability scores, ...). JSON-serialisable
        values, numpy arrays, DataFrames and graphs are kept by :meth:`save`.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset(pd.DataFrame({"x": [0.1, 0.2], "site": [0, 1]}), roles={"context": "site"})
    >>> ds.variables
    ['x']
    """

    def __init__(self, data, graph=None, roles=None, metadata=None):
        if isinstance(data, np.ndarray):
            data = pd.DataFrame(data, columns=[f"X{i}" for i in range(data.shape[1])])
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"data must be a pandas DataFrame; got {type(data).__name__}")
        data = data.copy()
        data.columns = [str(c) for c in data.columns]
        self.data = data
        if graph is not None and not isinstance(graph, CausalGraph):
            raise DataError(f"graph must be a CausalGraph; got {type(graph).__name__}")
        self.graph = graph
        roles = dict(roles or {})
        for role, cols in roles.items():
            if role not in ROLES:
                raise DataError(f"unknown role {role!r}; valid roles are {list(ROLES)}")
            for c in ([cols] if isinstance(cols, str) else list(cols)):
                if c not in data.columns:
                    raise DataError(f"roles[{role!r}] names column {c!r}, which is not in data")
        self.roles = roles
        self.metadata = dict(metadata or {})
        if graph is not None:
            missing = [n for n in graph.observed if n not in data.columns]
            if missing:
                raise DataError(f"graph has observed nodes that are not columns of data: {missing}")

    def role_columns(self, role):
        """list of the columns that play ``role`` (empty if none)."""
        cols = self.roles.get(role)
        if cols is None:
            return []
        return [cols] if isinstance(cols, str) else list(cols)

    @property
    def variables(self):
        """Columns that play no role: the variables of the causal graph."""
        special = {c for r in self.roles for c in self.role_columns(r)}
        return [c for c in self.data.columns if c not in special]

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        g = f", graph={self.graph.kind} with {self.graph.n_edges} edges" if self.graph is not None else ""
        r = f", roles={self.roles}" if self.roles else ""
        return f"Dataset({self.data.shape[0]} rows x {self.data.shape[1]} columns{g}{r})"

    # ------------------------------------------------------------------ I/O
    def save(self, directory, format="csv"):
        """Write the dataset to ``directory`` (created if needed).

        Files: ``data.csv`` (or ``data.parquet``, which needs pyarrow), and
        ``dataset.json`` with the graph, roles, metadata and column dtypes.

        Parameters
        ----------
        directory : str or Path
        format : {"csv", "parquet"}

        Returns
        -------
        Path
            The directory.
        """
        if format not in ("csv", "parquet"):
            raise DataError(f"format must be 'csv' or 'parquet'; got {format!r}")
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        if format == "csv":
            self.data.to_csv(d / "data.csv", index=False, float_format="%.17g")
        else:
            self.data.to_parquet(d / "data.parquet", index=False)
        dtypes = {}
        for c in self.data.columns:
            dt = self.data[c].dtype
            if isinstance(dt, pd.CategoricalDtype):
                dtypes[c] = {"category": [_jsonable(v) for v in dt.categories]}
            else:
                dtypes[c] = str(dt)
        meta = {
            "format_version": _FORMAT_VERSION,
            "data_file": f"data.{format}",
            "columns": list(self.data.columns),
            "dtypes": dtypes,
            "graph": None if self.graph is None else json.loads(self.graph.to_json()),
            "roles": self.roles,
            "metadata": _jsonable(self.metadata),
        }
        (d / "dataset.json").write_text(json.dumps(meta, indent=1))
        return d

    @classmethod
    def load(cls, directory):
        """Read a dataset written by :meth:`save`."""
        d = Path(directory)
        meta_path = d / "dataset.json"
        if not meta_path.exists():
            raise DataError(f"{d} is not a saved causalkit Dataset (no dataset.json)")
        meta = json.loads(meta_path.read_text())
        path = d / meta["data_file"]
        if path.suffix == ".csv":
            data = pd.read_csv(path)
        else:
            data = pd.read_parquet(path)
        data.columns = [str(c) for c in data.columns]
        for c, dt in meta["dtypes"].items():
            if isinstance(dt, dict) and "category" in dt:
                cats = dt["category"]
                data[c] = pd.Categorical(data[c].astype(type(cats[0])) if cats else data[c],
                                         categories=cats)
            elif dt.startswith(("int", "float", "bool")) and str(data[c].dtype) != dt:
                data[c] = data[c].astype(dt)
        graph = None if meta["graph"] is None else CausalGraph.from_json(json.dumps(meta["graph"]))
        return cls(data, graph=graph, roles=meta["roles"], metadata=_restore(meta["metadata"]))
