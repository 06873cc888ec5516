"""Plotly figures of the Evaluation page: ground-truth sizes, the Fmax grid, PR curves with the Fmax point."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

CATEGORY_COLOURS = {"NK": "#1f77b4", "LK": "#ff7f0e", "PK": "#2ca02c"}


def stats_chart(stats: pd.DataFrame) -> go.Figure:
    """Proteins per category × namespace (bars), annotation counts on hover."""
    fig = px.bar(
        stats,
        x="namespace",
        y="proteins",
        color="category",
        barmode="group",
        hover_data=["annotations"],
        color_discrete_map=CATEGORY_COLOURS,
        labels={"proteins": "proteins with new terms", "namespace": ""},
    )
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=30, b=10), legend_title_text="")
    return fig


def fmax_grid_chart(fmax: pd.DataFrame, coverage: pd.DataFrame) -> go.Figure:
    """A 3 × 3 heat map of Fmax (rows NK/LK/PK, columns BPO/MFO/CCO), each cell labelled with its coverage."""
    text = [
        [
            "no ground truth" if pd.isna(f) else f"Fmax {f:.3f}<br>coverage {c:.0%}"
            for f, c in zip(fmax.loc[row], coverage.loc[row], strict=True)
        ]
        for row in fmax.index
    ]
    fig = go.Figure(
        go.Heatmap(
            z=fmax.to_numpy(),
            x=list(fmax.columns),
            y=list(fmax.index),
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=1,
            colorscale="Blues",
            colorbar=dict(title="Fmax"),
        )
    )
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=30, b=10), yaxis=dict(autorange="reversed"))
    return fig


def pr_curve_chart(curve: pd.DataFrame, best: pd.DataFrame, namespace: str) -> go.Figure:
    """Precision against recall over the thresholds, one line per category, the Fmax point marked."""
    fig = go.Figure()
    part = curve[curve["namespace"] == namespace]
    for category, points in part.groupby("category", sort=False):
        points = points.dropna(subset=["pr", "rc"]).sort_values("tau")
        fig.add_trace(
            go.Scatter(
                x=points["rc"],
                y=points["pr"],
                mode="lines",
                name=category,
                line=dict(color=CATEGORY_COLOURS.get(category)),
                customdata=points["tau"],
                hovertemplate="τ %{customdata:.2f}: recall %{x:.3f}, precision %{y:.3f}",
            )
        )
        top = best[(best["namespace"] == namespace) & (best["category"] == category) & (best["metric"] == "f")]
        if not top.empty and pd.notna(top["f"].iloc[0]):
            row = top.iloc[0]
            fig.add_trace(
                go.Scatter(
                    x=[row["rc"]],
                    y=[row["pr"]],
                    mode="markers",
                    marker=dict(size=12, symbol="star", color=CATEGORY_COLOURS.get(category)),
                    name=f"{category} Fmax {row['f']:.3f} at τ {row['tau']:.2f}",
                )
            )
    fig.update_layout(
        title=namespace,
        xaxis=dict(title="recall", range=[0, 1]),
        yaxis=dict(title="precision", range=[0, 1]),
        height=360,
        margin=dict(l=10, r=10, t=40, b=10),
    )
    return fig
