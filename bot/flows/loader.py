"""Reading flow files: YAML -> schema -> checks -> `Flow`.

`check_file(path)` reports every problem of one file (YAML syntax, duplicate
mapping keys, schema errors with their field path, and everything
`bot.flows.checks` finds); `load_flow` and `load_flows` refuse a file with
any problem (FlowError, carrying them all). The built-in flows are
`data/flows/*.yaml` at the repository root, read once on first use.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from pydantic import ValidationError

from bot.flows.checks import check_flow
from bot.flows.schema import Flow, Step
from bot.strict_yaml import read_yaml

BUILTIN_FLOWS_DIR = Path(__file__).resolve().parents[2] / "data" / "flows"


@dataclass(frozen=True)
class Problem:
    file: str
    step: str | None
    reason: str

    def __str__(self) -> str:
        where = f"step {self.step}: " if self.step else ""
        return f"{self.file}: {where}{self.reason}"


class FlowError(ValueError):
    """A flow file that cannot be used; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _step_of(data: Mapping[str, Any], loc: tuple[int | str, ...]) -> str | None:
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        steps = data.get("steps")
        if isinstance(steps, list) and loc[1] < len(steps) and isinstance(steps[loc[1]], dict):
            step_id = steps[loc[1]].get("id")
            return step_id if isinstance(step_id, str) else f"#{loc[1] + 1}"
    return None


def check_data(data: Any, file: str, file_stem: str | None = None
               ) -> tuple[Flow | None, list[Problem]]:
    """Validate a parsed flow document; the Flow is None when the schema fails."""
    if not isinstance(data, dict):
        return None, [Problem(file, None, "a flow file must be a YAML mapping")]
    data = {key: value for key, value in data.items()
            if not (isinstance(key, str) and key.startswith("x-"))}
    try:
        flow = Flow.model_validate(data)
    except ValidationError as error:
        problems = [
            Problem(file, _step_of(data, err["loc"]), f"{_field_path(err['loc'])}: {err['msg']}")
            for err in error.errors()
        ]
        return None, problems + _partial_checks(data, file, file_stem)
    return flow, [Problem(file, step, reason) for step, reason in check_flow(flow, file_stem)]


def _partial_checks(data: dict[str, Any], file: str, file_stem: str | None) -> list[Problem]:
    """With schema errors: still check the steps that are well formed, so one
    bad field does not hide the rest of the file's problems."""
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list):
        return []
    good: list[Any] = []
    broken: list[str] = []
    for raw in raw_steps:
        try:
            Step.model_validate(raw)
            good.append(raw)
        except ValidationError:
            if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                broken.append(raw["id"])
    try:
        flow = Flow.model_validate({**data, "steps": good})
    except ValidationError:
        return []  # the header itself is broken; its errors are already reported
    checks = check_flow(flow, file_stem, broken_ids=broken)
    return [Problem(file, step, reason) for step, reason in checks
            if not reason.startswith("a questionnaire must record")]


def check_file(path: Path | str) -> tuple[Flow | None, list[Problem]]:
    """Every problem of one flow file, and the Flow when there are none."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        return None, [Problem(file, None, f"cannot read: {error.strerror or error}")]
    try:
        data, duplicates = read_yaml(text)
    except yaml.YAMLError as error:
        return None, [Problem(file, None, f"YAML syntax error: {_yaml_message(error)}")]
    flow, problems = check_data(data, file, path.stem)
    problems = [Problem(file, None, duplicate) for duplicate in duplicates] + problems
    return (flow if not problems else None), problems


def _yaml_message(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem


def cross_check(flows: Mapping[str, Flow], known_ids: Iterable[str]) -> list[Problem]:
    """Problems between files: `start_flow` of a flow that does not exist."""
    known = set(known_ids) | set(flows)
    problems = []
    for file, flow in flows.items():
        for step in flow.steps:
            target = step.act.start_flow if step.act is not None else None
            if target is not None and target not in known:
                problems.append(Problem(file, step.id, f"start_flow of unknown flow {target!r}"))
    return problems


def builtin_flow_ids() -> list[str]:
    return sorted(path.stem for path in BUILTIN_FLOWS_DIR.glob("*.yaml"))


def load_flow(path: Path | str) -> Flow:
    flow, problems = check_file(path)
    if flow is None:
        raise FlowError(problems)
    return flow


def load_flows(directory: Path | str) -> dict[str, Flow]:
    """Every *.yaml flow in `directory` by id; FlowError lists all problems."""
    problems: list[Problem] = []
    by_file: dict[str, Flow] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        flow, found = check_file(path)
        problems += found
        if flow is not None:
            by_file[str(path)] = flow
    problems += cross_check(by_file, builtin_flow_ids())
    if problems:
        raise FlowError(problems)
    return {flow.id: flow for flow in by_file.values()}


@functools.cache
def builtin_flows() -> Mapping[str, Flow]:
    """The flows of data/flows/, loaded and validated once (read-only)."""
    return MappingProxyType(load_flows(BUILTIN_FLOWS_DIR))
