"""`validate_files` on deliberately broken flow files: each kind of problem,
reported with file, step and reason, and every problem of a file at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows.validate import Problem, validate_files

GOOD = """\
id: demo
kind: questionnaire
instrument: gad2
expires_after: 24h
start: intro
steps:
  - id: intro
    say: {en: "Hi {first_name}.", es: "Hola {first_name}."}
    next: item1
  - id: item1
    ask:
      type: choice
      key: item1
      text: {en: "First?", es: "¿Primero?"}
      options:
        - {value: 0, label: {en: No, es: "No"}}
        - {value: 1, label: {en: Some, es: Algo}}
    branches:
      - when: {answer: item1, gte: 1}
        goto: item2
    next: item2
  - id: item2
    ask:
      type: yesno
      key: item2
      text: {en: "Second?", es: "¿Segundo?"}
    next: record
  - id: record
    act: {record: gad2}
    next: bye
  - id: bye
    say: {en: Thanks., es: Gracias.}
    kind: closing
"""


def write(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def reasons(problems: list[Problem]) -> list[str]:
    return [f"{p.step}: {p.reason}" for p in problems]


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, reasons(problems)
    return problems[0]


def test_the_base_file_is_valid(tmp_path: Path) -> None:
    """The file the other tests break is itself fine."""
    assert validate_files([write(tmp_path, GOOD)]) == []


def test_problem_reads_file_step_reason(tmp_path: Path) -> None:
    """str(problem) is "<file>: step <id>: <reason>"."""
    path = write(tmp_path, GOOD.replace("goto: item2", "goto: q99"))
    problem = only(validate_files([path]))
    assert str(problem) == f"{path}: step item1: unknown step id 'q99' in branch"
    assert str(Problem("data/flows/x.yaml", None, "bad")) == "data/flows/x.yaml: bad"


def test_yaml_syntax_error(tmp_path: Path) -> None:
    """Broken YAML is reported with its line, not raised."""
    problem = only(validate_files([write(tmp_path, GOOD + "  - id: [unclosed\n")]))
    assert problem.step is None
    assert problem.reason.startswith("YAML syntax error: line ")


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    """A key given twice in one mapping is not silently overwritten."""
    text = GOOD.replace("    next: bye\n", "    next: bye\n    next: intro\n")
    assert "line 31: duplicate key 'next'" in reasons(validate_files([write(tmp_path, text)]))[0]


def test_schema_error_names_the_field_path(tmp_path: Path) -> None:
    """A wrong type says where: steps[1].ask.type, and in which step."""
    problem = only(validate_files([write(tmp_path, GOOD.replace("type: choice", "type: pick"))]))
    assert problem.step == "item1"
    assert problem.reason.startswith("steps[1].ask.type: Input should be 'choice'")


def test_bad_duration(tmp_path: Path) -> None:
    """expires_after must read like 24h, 30m or 2d."""
    problem = only(validate_files([write(tmp_path, GOOD.replace("24h", "a day"))]))
    assert "expires_after" in problem.reason
    assert "24h" in problem.reason


def test_unknown_step_in_next_and_start(tmp_path: Path) -> None:
    """next and start must name steps of the flow."""
    text = GOOD.replace("next: bye", "next: goodbye").replace("start: intro", "start: hello")
    found = reasons(validate_files([write(tmp_path, text)]))
    assert "None: unknown start step 'hello'" in found
    assert "record: unknown step id 'goodbye' in next" in found


def test_missing_translation(tmp_path: Path) -> None:
    """Every client text needs en and es; the missing one is named."""
    text = GOOD.replace('es: "¿Segundo?"', 'fr: "Deuxième ?"')
    found = reasons(validate_files([write(tmp_path, text)]))
    assert found == [
        "item2: missing Spanish (es) translation of ask.text",
        "item2: unsupported language 'fr' in ask.text",
    ]


def test_missing_translation_of_an_option_label(tmp_path: Path) -> None:
    """Option labels are client texts too."""
    text = GOOD.replace("{en: Some, es: Algo}", "{en: Some}")
    problem = only(validate_files([write(tmp_path, text)]))
    assert problem.reason == "missing Spanish (es) translation of options[1].label"


def test_unreachable_step(tmp_path: Path) -> None:
    """A step no path leads to is reported."""
    text = GOOD + "  - id: orphan\n    say: {en: Hi, es: Hola}\n"
    problem = only(validate_files([write(tmp_path, text)]))
    assert (problem.step, problem.reason) == (
        "orphan", "unreachable: no path from start step 'intro'"
    )


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ("[]", "a choice question needs options"),
        ("[{value: 0, label: {en: No, es: 'No'}}]", "a choice question needs at least 2 options"),
        ("[{value: 0, label: {en: No, es: 'No'}}, {value: 0, label: {en: Yes, es: Sí}}]",
         "duplicate option value 0"),
        ("[{value: a, keys: [x], label: {en: A, es: A}}, {value: b, keys: [X], "
         "label: {en: B, es: B}}]", "duplicate key 'x' (options 'a' and 'b')"),
        ("[{value: a, label: {en: A, es: A}}, {value: b, keys: ['2'], label: {en: B, es: B}}]",
         "option 'a' has no number or key to reply with (give it keys: [...])"),
        ("[{value: a, keys: [stop], label: {en: A, es: A}}, {value: b, keys: [b], "
         "label: {en: B, es: B}}]",
         "key 'stop' is a carrier opt-out word; a client who sends it opts out"),
    ],
)
def test_bad_option_sets(tmp_path: Path, options: str, reason: str) -> None:
    """Empty, single, duplicate values, duplicate keys, no reply, opt-out key."""
    text = GOOD.replace(
        "      options:\n        - {value: 0, label: {en: No, es: \"No\"}}\n"
        "        - {value: 1, label: {en: Some, es: Algo}}\n",
        f"      options: {options}\n",
    ).replace("{answer: item1, gte: 1}", "{answer: item2, eq: true}")
    found = reasons(validate_files([write(tmp_path, text)]))
    assert f"item1: {reason}" in found


def test_duplicate_step_ids_and_answer_keys(tmp_path: Path) -> None:
    """Two steps with one id, two questions with one key."""
    text = GOOD.replace("id: item2\n", "id: item1\n").replace("key: item2", "key: item1")
    text = text.replace("goto: item2", "goto: record").replace("next: item2", "next: record")
    found = reasons(validate_files([write(tmp_path, text)]))
    assert "item1: duplicate step id 'item1'" in found
    assert "item1: duplicate answer key 'item1' (also stored by step 'item1')" in found


def test_condition_on_an_answer_nobody_stores(tmp_path: Path) -> None:
    """A branch on a key no question stores can never hold."""
    text = GOOD.replace("{answer: item1, gte: 1}", "{answer: item7, gte: 1}")
    assert reasons(validate_files([write(tmp_path, text)])) == [
        "item1: branch condition uses answer 'item7', which no question stores"
    ]


def test_condition_needs_one_subject_and_one_operator(tmp_path: Path) -> None:
    """{answer: x, eq: 1, gte: 1} is ambiguous; {eq: 1} has no subject."""
    text = GOOD.replace("{answer: item1, gte: 1}", "{answer: item1, gte: 1, eq: 1}")
    assert "exactly one of eq, ne" in only(validate_files([write(tmp_path, text)])).reason
    text = GOOD.replace("{answer: item1, gte: 1}", "{gte: 1}")
    assert "exactly one of answer, sum" in only(validate_files([write(tmp_path, text)])).reason


def test_loop_without_a_question(tmp_path: Path) -> None:
    """say -> say -> say ... would never wait for the client."""
    text = GOOD.replace("    kind: closing\n", "    kind: closing\n    next: bye\n")
    assert "loop of say/act steps" in only(validate_files([write(tmp_path, text)])).reason


def test_texts_must_not_ask_for_opt_out_words(tmp_path: Path) -> None:
    """A prompt that says "reply CANCEL" would opt the client out."""
    text = GOOD.replace('{en: "First?"', '{en: "First? Reply CANCEL to skip."')
    assert "carrier opt-out word" in only(validate_files([write(tmp_path, text)])).reason


def test_flow_id_must_match_file_name(tmp_path: Path) -> None:
    """data/flows/<id>.yaml."""
    problem = only(validate_files([write(tmp_path, GOOD, "other.yaml")]))
    assert problem.reason.startswith("flow id 'demo' does not match the file name 'other'")


def test_record_needs_a_scorer_or_fields(tmp_path: Path) -> None:
    """An instrument with no scorer must say what to record."""
    text = GOOD.replace("act: {record: gad2}", "act: {record: mystery}")
    assert "no scorer for instrument 'mystery'" in only(
        validate_files([write(tmp_path, text)])).reason


def test_start_flow_of_an_unknown_flow(tmp_path: Path) -> None:
    """A flow can only offer flows that exist (here or built in)."""
    text = GOOD.replace("act: {record: gad2}\n    next: bye",
                        "act: {record: gad2}\n    next: more\n  - id: more\n"
                        "    act: {start_flow: nowhere}\n    next: bye")
    problem = only(validate_files([write(tmp_path, text)]))
    assert (problem.step, problem.reason) == ("more", "start_flow of unknown flow 'nowhere'")
    ok = text.replace("nowhere", "cssrs")
    assert validate_files([write(tmp_path, ok)]) == []


def test_several_problems_in_one_file_are_all_reported(tmp_path: Path) -> None:
    """Not only the first: unknown target, translation, options and orphan together."""
    text = (GOOD.replace("goto: item2", "goto: q99")
                .replace('es: "¿Segundo?"', 'en2: "x"')
                .replace("{value: 1, label: {en: Some, es: Algo}}",
                         "{value: 0, label: {en: Some, es: Algo}}")
            + "  - id: orphan\n    say: {en: Hi, es: Hola}\n")
    found = reasons(validate_files([write(tmp_path, text)]))
    assert "item1: unknown step id 'q99' in branch" in found
    assert "item1: duplicate option value 0" in found
    assert "item2: missing Spanish (es) translation of ask.text" in found
    assert "orphan: unreachable: no path from start step 'intro'" in found


def test_schema_errors_do_not_hide_other_problems(tmp_path: Path) -> None:
    """One malformed step; the other steps are still checked."""
    text = (GOOD.replace("type: yesno", "type: maybe")
                .replace("{en: Thanks., es: Gracias.}", "{en: Thanks.}"))
    found = reasons(validate_files([write(tmp_path, text)]))
    assert any(r.startswith("item2: steps[2].ask.type: Input should be") for r in found)
    assert "bye: missing Spanish (es) translation of say" in found
    assert not any("unreachable" in r or "unknown step" in r for r in found)


def test_every_file_is_reported(tmp_path: Path) -> None:
    """Problems of several files come together, each with its file."""
    one = write(tmp_path, GOOD.replace("goto: item2", "goto: q99"))
    (tmp_path / "b").mkdir()
    two = write(tmp_path / "b", GOOD.replace("start: intro", "start: x"))
    assert {p.file for p in validate_files([one, two])} == {str(one), str(two)}


def test_two_files_with_one_flow_id(tmp_path: Path) -> None:
    """Flow ids are unique across the files validated together."""
    one = write(tmp_path, GOOD)
    (tmp_path / "b").mkdir()
    two = write(tmp_path / "b", GOOD)
    problem = only(validate_files([one, two]))
    assert (problem.file, problem.reason) == (str(two), f"flow id 'demo' is also used by {one}")


def test_yes_and_no_stay_text(tmp_path: Path) -> None:
    """YAML 1.1 would read an unquoted No as false; flow files read it as text."""
    assert validate_files([write(tmp_path, GOOD.replace('es: "No"', "es: No"))]) == []


def test_unreadable_file(tmp_path: Path) -> None:
    """A missing file is a problem, not a crash."""
    problem = only(validate_files([tmp_path / "missing.yaml"]))
    assert problem.reason.startswith("cannot read")
