"""Mermaid diagrams of flows."""

from __future__ import annotations

import pytest

from bot.flows.diagram import mermaid
from bot.flows.loader import builtin_flows


@pytest.mark.parametrize("flow_id", sorted(builtin_flows()))
def test_diagram_names_every_step(flow_id: str) -> None:
    """One node per step, each defined once, in a top-down flowchart."""
    flow = builtin_flows()[flow_id]
    text = mermaid(flow)
    assert text.startswith("flowchart TD\n")
    for step in flow.steps:
        assert sum(line.strip().startswith(f"s_{step.id}[") or
                   line.strip().startswith(f"s_{step.id}{{")
                   for line in text.splitlines()) == 1, step.id


def test_branch_edges_are_labelled() -> None:
    """Branches carry their condition; the default edge says "else"."""
    text = mermaid(builtin_flows()["phq9"])
    assert 's_item9 -->|"item9 >= 1"| s_item9_alert' in text
    assert "s_item9 -->|else| s_item10" in text
    assert "s_thanks --> END" in text
