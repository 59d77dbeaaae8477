"""`tether flows validate`: every problem of a set of flow files, each as
"<file>: step <id>: <reason>"."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.flows.loader import Problem, builtin_flow_ids, check_file, cross_check
from bot.flows.schema import Flow

__all__ = ["Problem", "validate_files"]


def validate_files(paths: Iterable[Path | str]) -> list[Problem]:
    """Problems of each file in order, then those between files (a flow
    started by another must be among these files or the built-in ones; two
    files must not share a flow id)."""
    problems: list[Problem] = []
    flows: dict[str, Flow] = {}
    owner: dict[str, str] = {}
    for path in paths:
        flow, found = check_file(path)
        problems += found
        if flow is None:
            continue
        if flow.id in owner:
            problems.append(Problem(str(path), None,
                                    f"flow id {flow.id!r} is also used by {owner[flow.id]}"))
            continue
        owner[flow.id] = str(path)
        flows[str(path)] = flow
    return problems + cross_check(flows, builtin_flow_ids())
