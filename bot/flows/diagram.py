"""A Mermaid flowchart of a flow (`tether flows diagram ID`): one node per
step, branch edges labelled with their condition, default edges "else"."""

from __future__ import annotations

from bot.flows.conditions import describe
from bot.flows.schema import Flow, Step

_END = "END"


def _node_id(step_id: str) -> str:
    return f"s_{step_id}"  # step ids may be Mermaid keywords ("end")


def _quote(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _label(step: Step) -> str:
    if step.ask is not None:
        return f"{step.id}<br/>ask {step.ask.type} → {step.ask.key}"
    if step.act is not None:
        act = step.act
        if act.record is not None:
            return f"{step.id}<br/>record {act.record}"
        if act.escalate is not None:
            return f"{step.id}<br/>escalate {act.escalate.level} / {act.escalate.category}"
        return f"{step.id}<br/>start flow {act.start_flow}"
    kind = "" if step.kind == "info" else f" ({step.kind})"
    return f"{step.id}<br/>say{kind}"


def _shape(step: Step) -> str:
    label = _quote(_label(step))
    if step.ask is not None:
        return f"{{{label}}}"  # rhombus: waits for the client
    if step.act is not None:
        return f"[[{label}]]"
    return f"[{label}]"


def mermaid(flow: Flow) -> str:
    lines = ["flowchart TD", f"  START(({_quote(flow.id)})) --> {_node_id(flow.start)}"]
    for step in flow.steps:
        lines.append(f"  {_node_id(step.id)}{_shape(step)}")
    ends = False
    for step in flow.steps:
        source = _node_id(step.id)
        for branch in step.branches:
            label = _quote(describe(branch.when))
            lines.append(f"  {source} -->|{label}| {_node_id(branch.goto)}")
        target = _node_id(step.next) if step.next is not None else _END
        ends = ends or step.next is None
        if step.branches:
            lines.append(f"  {source} -->|else| {target}")
        else:
            lines.append(f"  {source} --> {target}")
    if ends:
        lines.append(f"  {_END}(((end)))")
    return "\n".join(lines) + "\n"
