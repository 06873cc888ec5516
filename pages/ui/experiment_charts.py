"""Plotly figures of the Experiments page: runs × cells heat map, metric with 95 % intervals, differences to the
baseline with their intervals, PR curves of several runs overlaid."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

CELL_ORDER = [f"{c} {n}" for c in ("NK", "LK", "PK") for n in ("BPO", "MFO", "CCO")]
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def _cells(table: pd.DataFrame) -> pd.DataFrame:
    out = table.copy()
    out["cell"] = out["category"] + " " + out["namespace"]
    return out


def colour_of(runs: list[str]) -> dict[str, str]:
    return {run: PALETTE[i % len(PALETTE)] for i, run in enumerate(runs)}


def heatmap_chart(table: pd.DataFrame, runs: list[str], metric: str) -> go.Figure:
    """Runs (rows) × category/namespace (columns), coloured by the metric, each cell labelled with its value."""
    cells = _cells(table)
    columns = [c for c in CELL_ORDER if c in set(cells["cell"])]
    grid = cells.pivot(index="run", columns="cell", values="value").reindex(index=runs, columns=columns)
    text = [["–" if pd.isna(v) else f"{v:.3f}" for v in row] for row in grid.to_numpy()]
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=columns,
            y=runs,
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=1,
            colorscale="Blues",
            colorbar=dict(title=metric),
            hovertemplate="%{y}, %{x}: %{z:.3f}<extra></extra>",
        )
    )
    fig.update_layout(height=120 + 40 * len(runs), margin=dict(l=10, r=10, t=30, b=10))
    fig.update_yaxes(autorange="reversed")
    return fig


def interval_chart(table: pd.DataFrame, runs: list[str], metric: str) -> go.Figure:
    """Grouped bars per category/namespace, one per run, with the bootstrap 95 % interval as error bars."""
    cells = _cells(table)
    colours = colour_of(runs)
    fig = go.Figure()
    for run in runs:
        part = cells[cells["run"] == run].set_index("cell").reindex([c for c in CELL_ORDER if c in set(cells["cell"])])
        fig.add_trace(
            go.Bar(
                x=part.index,
                y=part["value"],
                name=run,
                marker_color=colours[run],
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=(part["ci_high"] - part["value"]).clip(lower=0),
                    arrayminus=(part["value"] - part["ci_low"]).clip(lower=0),
                ),
                customdata=part[["ci_low", "ci_high", "n_proteins"]].to_numpy(),
                hovertemplate=(
                    f"{run}, %{{x}}: {metric} %{{y:.3f}} [%{{customdata[0]:.3f}}, %{{customdata[1]:.3f}}], "
                    "%{customdata[2]} proteins<extra></extra>"
                ),
            )
        )
    fig.update_layout(
        barmode="group",
        yaxis=dict(title=f"{metric} (95 % CI)", range=[0, 1]),
        height=380,
        margin=dict(l=10, r=10, t=30, b=10),
    )
    return fig


def difference_chart(table: pd.DataFrame, runs: list[str], baseline: str, metric: str) -> go.Figure:
    """Each run's difference to the baseline per category/namespace, with its paired 95 % interval; 0 marked."""
    cells = _cells(table)
    colours = colour_of(runs)
    fig = go.Figure()
    for run in runs:
        if run == baseline:
            continue
        part = cells[cells["run"] == run].set_index("cell").reindex([c for c in CELL_ORDER if c in set(cells["cell"])])
        fig.add_trace(
            go.Scatter(
                x=part.index,
                y=part["diff"],
                mode="markers",
                name=run,
                marker=dict(size=11, color=colours[run]),
                error_y=dict(
                    type="data",
                    symmetric=False,
                    array=(part["diff_high"] - part["diff"]).clip(lower=0),
                    arrayminus=(part["diff"] - part["diff_low"]).clip(lower=0),
                ),
                customdata=part[["diff_low", "diff_high"]].to_numpy(),
                hovertemplate=(
                    f"{run} − {baseline}, %{{x}}: %{{y:+.3f}} [%{{customdata[0]:+.3f}}, %{{customdata[1]:+.3f}}]"
                    "<extra></extra>"
                ),
            )
        )
    fig.add_hline(y=0, line_dash="dot", line_color="grey")
    fig.update_layout(
        yaxis=dict(title=f"Δ {metric} vs {baseline} (95 % CI)"),
        height=340,
        margin=dict(l=10, r=10, t=30, b=10),
    )
    return fig


def overlaid_pr_chart(curves: pd.DataFrame, runs: list[str], category: str, namespace: str) -> go.Figure:
    """Precision against recall over the thresholds, one line per run, for one category × namespace."""
    colours = colour_of(runs)
    fig = go.Figure()
    part = curves[(curves["category"] == category) & (curves["namespace"] == namespace)]
    for run in runs:
        points = part[part["run"] == run].dropna(subset=["precision", "recall"]).sort_values("tau")
        if points.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=points["recall"],
                y=points["precision"],
                mode="lines",
                name=run,
                line=dict(color=colours[run]),
                customdata=points["tau"],
                hovertemplate=f"{run}, τ %{{customdata:.2f}}: recall %{{x:.3f}}, precision %{{y:.3f}}<extra></extra>",
            )
        )
    fig.update_layout(
        title=f"{category} {namespace}",
        xaxis=dict(title="recall", range=[0, 1]),
        yaxis=dict(title="precision", range=[0, 1]),
        height=360,
        margin=dict(l=10, r=10, t=40, b=10),
    )
    return fig
