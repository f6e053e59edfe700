"""Reports of a benchmark store: an HTML page and a Markdown file with tables and plots.

:func:`write_report` reads a store and writes, into one directory:

* ``index.html`` and ``report.md``: the runs (host, executor, versions),
  task status counts, a summary table (median metrics per dataset and
  algorithm configuration), the failures, and the plots;
* ``plots/box_<metric>.png``: box plots of each metric per algorithm
  configuration, one panel per dataset;
* ``plots/roc_skeleton.png``: skeleton TP/P against FP/P (medians over
  seeds), one line per algorithm along its parameter path (discovery only);
* ``plots/runtime.png``: median runtime against the number of variables;
* ``results.csv``: the wide table (one row per task, one column per metric).

matplotlib is imported here only, with the Agg backend.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

from .store import Store

__all__ = ["write_report", "summary_table", "DEFAULT_METRICS"]

#: metrics shown when the suite does not list any
DEFAULT_METRICS = ("shd", "skeleton_f1", "arrowhead_f1")


def _config_label(row):
    params = json.loads(row["algo_params"]) if isinstance(row["algo_params"], str) else {}
    if not params:
        return row["algo_label"]
    return row["algo_label"] + "(" + ", ".join(f"{k}={v}" for k, v in sorted(params.items())) + ")"


def _suite_metrics(store):
    runs = store.runs()
    for cfg in reversed(list(runs["config"])):
        try:
            m = json.loads(cfg).get("metrics")
        except (TypeError, ValueError):
            m = None
        if m:
            return tuple(m)
    return None


def summary_table(store, metrics=None):
    """Median of each metric per dataset and algorithm configuration.

    Parameters
    ----------
    store : Store
    metrics : sequence of str, optional
        Default: the suite's ``metrics`` (or :data:`DEFAULT_METRICS` when those
        are present in the results), plus ``runtime_s``.

    Returns
    -------
    DataFrame
        Columns ``dataset, algorithm, done, tasks`` then one per metric.
    """
    import pandas as pd

    wide = store.results(wide=True)
    tasks = store.tasks()
    metrics = list(metrics or _suite_metrics(store) or
                   [m for m in DEFAULT_METRICS if m in wide.columns] or
                   [c for c in wide.columns if c not in tasks.columns][:4])
    if "runtime_s" not in metrics:
        metrics.append("runtime_s")
    tasks = tasks.assign(config=[_config_label(r) for _, r in tasks.iterrows()])
    rows = []
    for (ds, cfg), grp in tasks.groupby(["dataset_label", "config"], sort=False):
        sub = wide[wide["task_key"].isin(grp["task_key"])]
        row = {"dataset": ds, "algorithm": cfg, "done": int((grp["status"] == "done").sum()),
               "tasks": len(grp)}
        for m in metrics:
            row[m] = float(sub[m].median()) if m in sub and sub[m].notna().any() else math.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["dataset", "algorithm", "done", "tasks", *metrics])


def _fmt(v):
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        return f"{v:.3g}" if abs(v) < 1e4 else f"{v:.0f}"
    return str(v)


def _md_table(df):
    if df.empty:
        return "_(none)_\n"
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(_fmt(r[c]).replace("|", "\\|").replace("\n", " ") for c in cols) + " |")
    return "\n".join(lines) + "\n"


def _html_table(df):
    if df.empty:
        return "<p><em>(none)</em></p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(r[c]))}</td>" for c in df.columns) + "</tr>"
                   for _, r in df.iterrows())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _panels(plt, n, width=4.2, height=3.4):
    ncols = min(3, max(1, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _plot_boxes(plt, wide, tasks, metric, path):
    data = wide.merge(tasks[["task_key", "config"]], on="task_key")
    datasets = list(dict.fromkeys(data["dataset_label"]))
    fig, axes = _panels(plt, len(datasets), width=max(4.2, 0.5 * data["config"].nunique() + 2))
    for ax, ds in zip(axes, datasets):
        sub = data[data["dataset_label"] == ds]
        configs = list(dict.fromkeys(sub["config"]))
        vals = [sub.loc[sub["config"] == c, metric].dropna().to_numpy() for c in configs]
        ax.boxplot(vals, showmeans=False)
        ax.set_xticks(range(1, len(configs) + 1))
        ax.set_xticklabels(configs, rotation=35, ha="right", fontsize=7)
        ax.set_title(ds, fontsize=9)
        ax.set_ylabel(metric)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"{metric} per algorithm (one box per configuration, over seeds)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _plot_roc(plt, wide, tasks, path):
    data = wide.merge(tasks[["task_key", "algo_params"]], on="task_key", suffixes=("", "_t"))
    datasets = list(dict.fromkeys(data["dataset_label"]))
    fig, axes = _panels(plt, len(datasets))
    for ax, ds in zip(axes, datasets):
        sub = data[data["dataset_label"] == ds]
        for alg, g in sub.groupby("algo_label", sort=False):
            med = g.groupby("algo_params", sort=False)[["fp_over_p", "tp_over_p"]].median()
            params = [json.loads(p) for p in med.index]
            varying = sorted({k for p in params for k in p if len({json.dumps(q.get(k)) for q in params}) > 1})
            order = sorted(range(len(params)), key=lambda i: [str(params[i].get(k)).zfill(12) if not
                                                               isinstance(params[i].get(k), (int, float))
                                                               else params[i].get(k) for k in varying])
            xs = med["fp_over_p"].to_numpy()[order]
            ys = med["tp_over_p"].to_numpy()[order]
            ax.plot(xs, ys, marker="o", label=alg)
            if varying and len(order) > 1:
                for i, x, y in zip(order, xs, ys):
                    ax.annotate(",".join(str(params[i][k]) for k in varying), (x, y), fontsize=6,
                                xytext=(3, 3), textcoords="offset points")
        ax.set_xlabel("FP / P (skeleton)")
        ax.set_ylabel("TP / P (skeleton)")
        ax.set_title(ds, fontsize=9)
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlim(left=-0.02)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("skeleton TP/P against FP/P (medians over seeds, along parameter paths)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _plot_runtime(plt, tasks, path):
    done = tasks[(tasks["status"] == "done") & tasks["runtime_s"].notna() & tasks["n_vars"].notna()]
    fig, ax = plt.subplots(figsize=(6, 4))
    for alg, g in done.groupby("algo_label", sort=False):
        med = g.groupby("n_vars")["runtime_s"].median().sort_index()
        ax.plot(med.index, med.to_numpy(), marker="o", label=alg)
    ax.set_xlabel("number of variables")
    ax.set_ylabel("runtime (s, median over tasks)")
    if len(done) and (done["runtime_s"] > 0).all():
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if len(done):
        ax.legend(fontsize=7)
    ax.set_title("runtime against size", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;
text-align:right}th{background:#eef3f8}td:first-child,td:nth-child(2){text-align:left}
img{max-width:100%;border:1px solid #ddd;margin:.5em 0}code{background:#f4f4f4;padding:1px 3px}
.status span{display:inline-block;margin-right:1.2em}"""


def write_report(store, out, *, metrics=None):
    """Write the HTML and Markdown report of a store.

    Parameters
    ----------
    store : str, Path or Store
        The benchmark store (must exist).
    out : str or Path
        Output directory (created).
    metrics : sequence of str, optional
        Metrics for the summary table and the box plots (default: the suite's).

    Returns
    -------
    dict
        Paths written: ``"html"``, ``"markdown"``, ``"csv"`` and ``"plots"``
        (a list).

    Raises
    ------
    StoreError
        If ``store`` is missing or not a causalkit store.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    own = not isinstance(store, Store)
    st = Store(store, create=False) if own else store
    try:
        out = Path(out)
        (out / "plots").mkdir(parents=True, exist_ok=True)
        tasks = st.tasks()
        tasks = tasks.assign(config=[_config_label(r) for _, r in tasks.iterrows()])
        wide = st.results(wide=True)
        runs = st.runs()
        counts = st.counts()
        summary = summary_table(st, metrics)
        metric_cols = [c for c in summary.columns if c not in ("dataset", "algorithm", "done", "tasks")]
        wide.to_csv(out / "results.csv", index=False)
        plots = []
        for m in metric_cols:
            if m in wide and wide[m].notna().any():
                p = out / "plots" / f"box_{m}.png"
                _plot_boxes(plt, wide, tasks, m, p)
                plots.append((p, f"{m} per algorithm"))
        if {"tp_over_p", "fp_over_p"} <= set(wide.columns):
            p = out / "plots" / "roc_skeleton.png"
            _plot_roc(plt, wide, tasks, p)
            plots.append((p, "skeleton TP/P against FP/P"))
        p = out / "plots" / "runtime.png"
        _plot_runtime(plt, tasks, p)
        plots.append((p, "runtime against size"))

        bad = tasks[tasks["status"] != "done"]
        failures = bad.assign(
            message=[(e or "").strip().splitlines()[-1][:160] if isinstance(e, str) and e.strip() else ""
                     for e in bad["error"]])[["dataset_label", "config", "seed", "status", "message"]]
        failures = failures.rename(columns={"dataset_label": "dataset", "config": "algorithm"})
        run_rows = []
        for _, r in runs.iterrows():
            host = json.loads(r["host"]) if r["host"] else {}
            vers = json.loads(r["versions"]) if r["versions"] else {}
            run_rows.append({"run": r["run_id"], "suite": r["suite"], "executor": r["executor"],
                             "jobs": r["jobs"], "tasks run": r["n_tasks"],
                             "host": f"{host.get('hostname', '')} ({host.get('cpus', '?')} cpus, "
                                     f"{host.get('platform', '')})",
                             "versions": ", ".join(f"{k} {v}" for k, v in vers.items() if v)})
        import pandas as pd

        runs_df = pd.DataFrame(run_rows)
        title = "Benchmark report: " + ", ".join(dict.fromkeys(str(s) for s in tasks["suite"])) \
            if len(tasks) else "Benchmark report"
        status_line = ", ".join(f"{k}: {v}" for k, v in counts.items())

        md = [f"# {title}", "", f"Store: `{st.path.name}`. Tasks by status: {status_line}.", "",
              "## Summary (medians over seeds)", "", _md_table(summary), "## Plots", ""]
        md += [f"![{cap}](plots/{p.name})" + "\n" for p, cap in plots]
        md += ["## Tasks that did not finish", "", _md_table(failures), "## Runs", "", _md_table(runs_df),
               "Full table: [results.csv](results.csv)", ""]
        (out / "report.md").write_text("\n".join(md))

        h = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{_CSS}</style></head><body>", f"<h1>{html.escape(title)}</h1>",
             f"<p class='status'>Store <code>{html.escape(st.path.name)}</code>. "
             + "".join(f"<span><b>{k}</b> {v}</span>" for k, v in counts.items()) + "</p>",
             "<h2>Summary (medians over seeds)</h2>", _html_table(summary), "<h2>Plots</h2>"]
        h += [f"<figure><img src='plots/{p.name}' alt='{html.escape(cap)}'><figcaption>{html.escape(cap)}"
              f"</figcaption></figure>" for p, cap in plots]
        h += ["<h2>Tasks that did not finish</h2>", _html_table(failures), "<h2>Runs</h2>", _html_table(runs_df),
              "<p>Full table: <a href='results.csv'>results.csv</a> "
              "(Markdown version: <a href='report.md'>report.md</a>)</p>", "</body></html>"]
        (out / "index.html").write_text("\n".join(h))
        return {"html": out / "index.html", "markdown": out / "report.md", "csv": out / "results.csv",
                "plots": [p for p, _ in plots]}
    finally:
        if own:
            st.close()
