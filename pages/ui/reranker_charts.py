"""Plotly figures of the Re-rankers page: feature importance, validation PR curve, dataset class balance."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go


def importance_chart(importance: pd.DataFrame, top: int = 20) -> go.Figure:
    """Gain importance, the largest at the top."""
    part = importance.head(top).iloc[::-1]
    fig = go.Figure(go.Bar(x=part["gain"], y=part["feature"], orientation="h", marker_color="#4c78a8",
                           hovertemplate="%{y}: gain %{x:,.1f}<extra></extra>"))  # fmt: skip
    fig.update_layout(height=max(240, 22 * len(part) + 60), margin=dict(l=10, r=10, t=30, b=10),
                      xaxis_title="total gain", title="Feature importance (gain)")  # fmt: skip
    return fig


def pr_chart(points: pd.DataFrame, threshold: float | None) -> go.Figure:
    """Validation precision against recall over thresholds; the threshold at Fmax marked."""
    fig = go.Figure(
        go.Scatter(x=points["recall"], y=points["precision"], mode="lines", name="validation",
                   customdata=points["threshold"],
                   hovertemplate="τ %{customdata:.2f}: recall %{x:.3f}, precision %{y:.3f}<extra></extra>")
    )  # fmt: skip
    if threshold is not None and not points.empty:
        nearest = points.iloc[(points["threshold"] - threshold).abs().argmin()]
        marker = dict(size=12, symbol="star")
        fig.add_trace(go.Scatter(x=[nearest["recall"]], y=[nearest["precision"]], mode="markers", marker=marker,
                                 name=f"Fmax threshold {threshold:.2f}"))  # fmt: skip
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="recall",
                      yaxis_title="precision", xaxis_range=[0, 1], yaxis_range=[0, 1.02])  # fmt: skip
    return fig


def balance_chart(balance: pd.DataFrame) -> go.Figure:
    """Positive share per category × namespace, one bar group per split."""
    fig = go.Figure()
    for split, rows in balance.groupby("split", sort=True):
        fig.add_trace(go.Bar(x=rows["category"] + " " + rows["namespace"], y=rows["positive share"], name=split,
                             customdata=rows[["positives", "rows"]],
                             hovertemplate="%{x}: %{customdata[0]:,} of %{customdata[1]:,} rows positive"
                                           "<extra></extra>"))  # fmt: skip
    fig.update_layout(barmode="group", height=300, margin=dict(l=10, r=10, t=30, b=10),
                      yaxis_title="positive share", yaxis_tickformat=".0%")  # fmt: skip
    return fig
