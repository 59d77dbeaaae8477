"""What a flow must satisfy beyond its schema. Pure.

`check_flow(flow, file_stem)` returns every problem as (step id or None,
reason): unknown step ids, unreachable steps, loops with no question,
missing translations, bad option sets, duplicate step ids and answer keys,
conditions on answers nobody stores, records of instruments nobody scores,
prompts that would ask for a carrier opt-out word. Steps that failed the
schema are passed as `broken_ids` so references to them are not reported
twice and reachability is not judged on a partial flow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from bot.escalation.types import CATEGORIES
from bot.flows.render import client_texts
from bot.flows.schema import Ask, Condition, Flow, IncompleteRule, Step, Text
from bot.flows.scoring import SCORERS
from bot.nlu.types import LANGS

Problem = tuple[str | None, str]

# Carriers act on these as whole-message replies; no prompt may ask for them.
OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"}
)
_OPT_OUT_IN_TEXT = re.compile(r"\b(STOP|STOPALL|UNSUBSCRIBE|CANCEL|END|QUIT|REVOKE|OPTOUT)\b")
_LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def check_flow(flow: Flow, file_stem: str | None = None,
               broken_ids: Iterable[str] = ()) -> list[Problem]:
    broken = set(broken_ids)
    problems: list[Problem] = []
    if file_stem is not None and flow.id != file_stem:
        problems.append((None, f"flow id {flow.id!r} does not match the file name "
                               f"{file_stem!r} (flows live in <id>.yaml)"))
    ids = [step.id for step in flow.steps]
    known = set(ids) | broken
    problems += _duplicate_steps(flow.steps)
    if flow.start not in known:
        problems.append((None, f"unknown start step {flow.start!r}"))
    stored = {step.ask.key for step in flow.steps if step.ask is not None}
    problems += _duplicate_keys(flow.steps)
    for step in flow.steps:
        problems += [(step.id, reason) for reason in _check_step(step, known, stored)]
    if flow.abandon is not None:
        problems += [(None, r) for r in _translations(flow.abandon, "abandon")]
    for n, rule in enumerate(flow.on_incomplete):
        problems += [(None, r) for r in _check_incomplete(n, rule, stored)]
    if flow.kind == "questionnaire" and not flow.recorded_instruments():
        problems.append((None, "a questionnaire must record its result (act: {record: ...})"))
    if not broken:
        problems += _reachability(flow)
    return problems


def _duplicate_steps(steps: list[Step]) -> Iterator[Problem]:
    seen: set[str] = set()
    for step in steps:
        if step.id in seen:
            yield step.id, f"duplicate step id {step.id!r}"
        seen.add(step.id)


def _duplicate_keys(steps: list[Step]) -> Iterator[Problem]:
    owner: dict[str, str] = {}
    for step in steps:
        if step.ask is None:
            continue
        key = step.ask.key
        if key in owner:
            yield step.id, f"duplicate answer key {key!r} (also stored by step {owner[key]!r})"
        else:
            owner[key] = step.id


def _check_step(step: Step, known: set[str], stored: set[str]) -> Iterator[str]:
    actions = step.actions()
    if len(actions) != 1:
        shown = ", ".join(actions) if actions else "none"
        yield f"a step must have exactly one of say, ask, act (has {shown})"
    if step.kind != "info" and step.say is None:
        yield f"kind {step.kind!r} applies to say steps only"
    if step.next is not None and step.next not in known:
        yield f"unknown step id {step.next!r} in next"
    for branch in step.branches:
        if branch.goto not in known:
            yield f"unknown step id {branch.goto!r} in branch"
        yield from _check_condition(branch.when, stored, "branch")
    if step.say is not None:
        yield from _translations(step.say, "say")
        yield from _opt_out_text(step.say, "say")
    if step.ask is not None:
        yield from _check_ask(step.ask)
    if step.act is not None:
        act = step.act
        if len(act.actions()) != 1:
            yield "an act must do exactly one of record, escalate, start_flow"
        if act.record is not None and act.record not in SCORERS and not (act.fields or act.set):
            yield (f"no scorer for instrument {act.record!r}: give the result's fields "
                   "(fields: {name: answer_key}) or constants (set: {name: value})")
        for name, key in act.fields.items():
            if key not in stored:
                yield f"record field {name!r} uses answer {key!r}, which no question stores"
        if act.escalate is not None and act.escalate.category not in CATEGORIES:
            yield f"unknown escalation category {act.escalate.category!r}"


def _check_ask(ask: Ask) -> Iterator[str]:
    for text, where in _ask_texts(ask):
        yield from _translations(text, where)
        yield from _opt_out_text(text, where)
    if ask.type == "choice":
        yield from _check_options(ask)
    elif ask.options:
        yield f"options are for choice questions, not {ask.type}"
    if ask.type == "number":
        if ask.min is not None and ask.max is not None and ask.min > ask.max:
            yield f"min {ask.min} is above max {ask.max}"
    elif ask.min is not None or ask.max is not None:
        yield f"min and max are for number questions, not {ask.type}"
    if ask.free_text and ask.type != "choice":
        yield "free_text is for choice questions"


def _ask_texts(ask: Ask) -> Iterator[tuple[Text, str]]:
    yield ask.text, "ask.text"
    for name in ("hint", "reprompt", "reminder"):
        text = getattr(ask, name)
        if text is not None:
            yield text, f"ask.{name}"


def _check_options(ask: Ask) -> Iterator[str]:
    options = ask.options
    if not options:
        yield "a choice question needs options"
        return
    if len(options) < 2:
        yield "a choice question needs at least 2 options"
    values: set[int | str] = set()
    replies: dict[str, int | str] = {}
    for n, option in enumerate(options):
        if option.value in values:
            yield f"duplicate option value {option.value!r}"
        values.add(option.value)
        yield from _translations(option.label, f"options[{n}].label")
        for lang in option.paraphrases:
            if lang not in LANGS:
                yield f"options[{n}].paraphrases: unsupported language {lang!r}"
        if option.reply is None:
            yield (f"option {option.value!r} has no number or key to reply with "
                   "(give it keys: [...])")
        tokens = [key.strip().lower() for key in option.keys]
        if isinstance(option.value, int) and str(option.value) not in tokens:
            tokens.append(str(option.value))
        for token in tokens:
            if token in replies and replies[token] != option.value:
                yield (f"duplicate key {token!r} (options {replies[token]!r} and "
                       f"{option.value!r})")
            replies.setdefault(token, option.value)
            if token in OPT_OUT_WORDS:
                yield f"key {token!r} is a carrier opt-out word; a client who sends it opts out"


def _check_condition(condition: Condition, stored: set[str], where: str) -> Iterator[str]:
    subjects = condition.subjects()
    operators = condition.operators()
    if len(subjects) != 1:
        shown = ", ".join(s.rstrip("_") for s in subjects) or "none"
        yield f"{where} condition needs exactly one of answer, sum, context, result, any, " \
              f"all, not (has {shown})"
        return
    nested = condition.any or condition.all or ([condition.not_] if condition.not_ else [])
    if subjects[0] in ("any", "all", "not_"):
        if operators:
            yield f"{where} condition: any/all/not take no operator"
        for part in nested:
            yield from _check_condition(part, stored, where)
        return
    if len(operators) != 1:
        yield (f"{where} condition needs exactly one of eq, ne, gt, gte, lt, lte, in "
               f"(has {len(operators)})")
    for key in ([condition.answer] if condition.answer else []) + (condition.sum or []):
        if key not in stored:
            yield f"{where} condition uses answer {key!r}, which no question stores"
    if condition.result is not None:
        instrument, dot, _ = condition.result.partition(".")
        if not dot or instrument not in SCORERS:
            yield (f"{where} condition uses result {condition.result!r}; expected "
                   f"<instrument>.<field> of one of {', '.join(sorted(SCORERS))}")


def _check_incomplete(n: int, rule: IncompleteRule, stored: set[str]) -> Iterator[str]:
    yield from _check_condition(rule.when, stored, f"on_incomplete[{n}]")
    if rule.escalate.category not in CATEGORIES:
        yield f"on_incomplete[{n}]: unknown escalation category {rule.escalate.category!r}"


def _translations(text: Text, where: str) -> Iterator[str]:
    for lang in LANGS:
        if not (text.get(lang) or "").strip():
            yield f"missing {_LANGUAGE_NAMES.get(lang, lang)} ({lang}) translation of {where}"
    for code in text:
        if code not in LANGS:
            yield f"unsupported language {code!r} in {where}"


def _opt_out_text(text: Text, where: str) -> Iterator[str]:
    for lang, value in text.items():
        found = _OPT_OUT_IN_TEXT.search(value)
        if found:
            yield (f"{where} ({lang}) asks for {found.group(1)!r}, a carrier opt-out word "
                   "(a client who replies it opts out)")


def _reachability(flow: Flow) -> Iterator[Problem]:
    if not flow.has_step(flow.start):
        return
    seen = {flow.start}
    todo = [flow.start]
    while todo:
        step = flow.step(todo.pop())
        for target in step.targets():
            if flow.has_step(target) and target not in seen:
                seen.add(target)
                todo.append(target)
    reported: set[str] = set()
    for step in flow.steps:
        if step.id not in seen and step.id not in reported:
            reported.add(step.id)
            yield step.id, f"unreachable: no path from start step {flow.start!r}"
    yield from _silent_loops(flow)


def _silent_loops(flow: Flow) -> Iterator[Problem]:
    """A cycle of say/act steps with no question would never wait for the client."""
    silent = {step.id for step in flow.steps if step.ask is None}
    state: dict[str, int] = {}  # 1 on the stack, 2 done

    def visit(step_id: str) -> str | None:
        state[step_id] = 1
        for target in flow.step(step_id).targets():
            if target not in silent or not flow.has_step(target):
                continue
            if state.get(target) == 1:
                return target
            if target not in state:
                found = visit(target)
                if found is not None:
                    return found
        state[step_id] = 2
        return None

    for step_id in sorted(silent):
        if step_id not in state:
            looped = visit(step_id)
            if looped is not None:
                yield looped, "loop of say/act steps with no question: the run would never stop"
                return


def all_client_texts(flow: Flow) -> list[Text]:
    """Every text a client of this flow may receive (for checks and tests)."""
    texts: list[Text] = []
    if flow.abandon is not None:
        texts.append(flow.abandon)
    for step in flow.steps:
        if step.say is not None:
            texts.append(step.say)
        if step.ask is not None:
            texts += client_texts(step.ask)
    return texts
