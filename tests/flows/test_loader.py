"""Loading flow files: one, a directory, the built-in set."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.flows.loader import BUILTIN_FLOWS_DIR, FlowError, builtin_flows, load_flow, load_flows

from .test_validate import GOOD


def test_builtin_dir_is_data_flows_at_the_repository_root() -> None:
    """data/flows/ beside bot/, located from the package."""
    expected = Path(__file__).resolve().parents[2] / "data" / "flows"
    assert expected == BUILTIN_FLOWS_DIR


def test_load_flow_returns_the_flow(tmp_path: Path) -> None:
    """A valid file becomes a Flow with parsed durations and an index of steps."""
    path = tmp_path / "demo.yaml"
    path.write_text(GOOD, encoding="utf-8")
    flow = load_flow(path)
    assert flow.id == "demo"
    assert flow.expires_after == timedelta(hours=24)
    assert flow.reminder_after == timedelta(hours=4)
    assert flow.max_reprompts == 2
    assert flow.step("item2").ask is not None


def test_load_flow_refuses_a_file_with_problems(tmp_path: Path) -> None:
    """FlowError carries every problem."""
    path = tmp_path / "demo.yaml"
    path.write_text(GOOD.replace("goto: item2", "goto: q1").replace("start: intro", "start: x"),
                    encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    assert len(caught.value.problems) == 2
    assert "unknown start step 'x'" in str(caught.value)


def test_load_flows_reads_a_directory_by_id(tmp_path: Path) -> None:
    """Every *.yaml of a directory, keyed by flow id."""
    (tmp_path / "demo.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a flow", encoding="utf-8")
    assert list(load_flows(tmp_path)) == ["demo"]


def test_load_flows_refuses_when_any_file_is_broken(tmp_path: Path) -> None:
    """One broken file stops the load; its problems say which file."""
    (tmp_path / "demo.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("id: bad\n", encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flows(tmp_path)
    assert all(p.file.endswith("bad.yaml") for p in caught.value.problems)


def test_builtin_flows_are_loaded_once_and_read_only() -> None:
    """The built-in set is cached and cannot be changed by a caller."""
    flows = builtin_flows()
    assert builtin_flows() is flows
    with pytest.raises(TypeError):
        flows["x"] = flows["phq9"]  # type: ignore[index]
