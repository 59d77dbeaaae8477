"""The flow engine: one event in, the new run state and its effects out. Pure.

`advance(flow, state, event, now, parser)`:

- Start (state None): a new active run; say/act steps run through to the
  first question, which is sent with a reminder timer, and an expiry timer is
  set for the whole run.
- Answer: parsed against the current question. Understood: stored under the
  question's key, branches followed through say/act steps to the next
  question (new token, new reminder timer) or to the end (CancelTimers,
  Finished("completed")). Not understood: a re-prompt, until more than
  `max_reprompts` have been needed; then a kind goodbye and the run ends
  "abandoned" (recorded incomplete).
- Timeout(step_id, token): the first one for the current question sends its
  reminder; stale or repeated ones do nothing.
- Expire(token): an active or paused run ends "expired", recorded incomplete,
  with no text to the client. The expiry timer is set once per run, so its
  token is the one of the run's first question; an expiry is honoured when
  `now` has reached the run's `expires_at`.
- Resume: the current question is sent again (after a pause, e.g. while a
  crisis reply stood alone).

A paused run's current question was never sent (the crisis reply stood
alone), so the next Answer resumes the run by asking it rather than being
taken as its answer; a finished run ignores everything. An unfinished
questionnaire or check-in records "<instrument>.status: incomplete" with no
total, and the flow's
`on_incomplete` rules may still raise an escalation from the answers given.

The engine trusts its flow: flows are validated when loaded
(`bot.flows.loader`), and a flow that still points nowhere raises FlowError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.flows import render
from bot.flows.conditions import holds
from bot.flows.effects import (
    Abandon,
    Answer,
    CancelTimers,
    Effect,
    Event,
    Expire,
    Finished,
    RaiseEscalation,
    RecordResult,
    RunState,
    Send,
    SetTimer,
    Start,
    StartFlow,
    Step,
    Timeout,
)
from bot.flows.schema import Act, Ask, Escalate, Flow
from bot.flows.schema import Step as FlowStep
from bot.flows.scoring import SCORERS
from bot.nlu.types import AnswerParser, ParsedAnswer

RECORDED = "_recorded"
"""Answers key listing the instruments this run has recorded (not an answer:
answer keys never start with "_")."""

MAX_STEPS_PER_EVENT = 500  # a say/act loop with no question would never stop


class FlowError(RuntimeError):
    """The flow cannot be run as written (a validator should have caught it)."""


@dataclass
class _Walk:
    """The effects of one event, collected in order; StartFlow goes last."""

    effects: list[Effect] = field(default_factory=list)
    follow_ups: list[Effect] = field(default_factory=list)

    def result(self, state: RunState) -> Step:
        return Step(state, (*self.effects, *self.follow_ups))


def advance(flow: Flow, state: RunState | None, event: Event, now: datetime,
            parser: AnswerParser) -> Step:
    """The run's next state and the effects the shell must carry out."""
    if state is None:
        if not isinstance(event, Start):
            raise FlowError(f"flow {flow.id!r}: a run must begin with Start, got {event!r}")
        return _start(flow, event, now)
    if isinstance(event, Start):
        return Step(state, ())  # already running
    if isinstance(event, Answer):
        return _answer(flow, state, event, now, parser)
    if isinstance(event, Timeout):
        return _timeout(flow, state, event)
    if isinstance(event, Expire):
        return _expire(flow, state, event, now)
    if isinstance(event, Abandon):
        return _abandon(flow, state)
    return _resume(flow, state, now)


def current_question_text(flow: Flow, state: RunState) -> str | None:
    """The question the run is waiting on, as it was sent; None when it waits on none."""
    if state.status not in ("active", "paused") or not flow.has_step(state.step_id):
        return None
    ask = flow.step(state.step_id).ask
    if ask is None:
        return None
    return render.fill(render.question(ask, state.lang), state.context, state.answers)


# ---- events -----------------------------------------------------------------


def _start(flow: Flow, event: Start, now: datetime) -> Step:
    state = RunState(
        flow_id=flow.id,
        lang=event.lang,
        step_id=flow.start,
        status="active",
        started_at=now,
        expires_at=now + flow.expires_after,
        context=dict(event.context),
    )
    walk = _Walk()
    state = _run_from(flow, state, flow.start, now, walk)
    if state.status == "active":
        walk.effects.append(SetTimer("expiry", state.expires_at, state.step_id, state.token))
    return walk.result(state)


def _answer(flow: Flow, state: RunState, event: Answer, now: datetime,
            parser: AnswerParser) -> Step:
    if state.status == "paused":
        # The run paused before its current question was sent (a crisis reply
        # stood alone), so this text cannot be an answer to it: ask it now.
        return _resume(flow, state, now)
    if state.status != "active":
        return Step(state, ())
    ask = _ask_at(flow, state.step_id)
    walk = _Walk()
    value = _understood(ask, parser.parse(ask.answer_spec(), event.text, state.lang), event.text)
    if value is None:
        if state.reprompts < flow.max_reprompts:
            walk.effects.append(Send(_text(render.reprompt(ask, state.lang), state), "reprompt"))
            return walk.result(state.evolve(reprompts=state.reprompts + 1))
        walk.effects.append(Send(_text(render.abandon(flow.abandon, state.lang), state),
                                 "closing"))
        return walk.result(_end_incomplete(flow, state, "abandoned", walk))
    state = state.evolve(answers={**state.answers, ask.key: value})
    step = flow.step(state.step_id)
    return walk.result(_run_from(flow, state, _next(step, state), now, walk))


def _timeout(flow: Flow, state: RunState, event: Timeout) -> Step:
    current = (
        state.status == "active"
        and event.token == state.token
        and event.step_id == state.step_id
        and not state.reminded
    )
    if not current:
        return Step(state, ())
    ask = _ask_at(flow, state.step_id)
    text = _text(render.reminder(ask, state.lang), state)
    return Step(state.evolve(reminded=True), (Send(text, "reminder"),))


def _expire(flow: Flow, state: RunState, event: Expire, now: datetime) -> Step:
    if state.status not in ("active", "paused") or event.token > state.token:
        return Step(state, ())
    if now < state.expires_at:
        return Step(state, ())  # early or from an older schedule
    walk = _Walk()
    return walk.result(_end_incomplete(flow, state, "expired", walk))


def _abandon(flow: Flow, state: RunState) -> Step:
    if state.status not in ("active", "paused"):
        return Step(state, ())
    walk = _Walk()
    return walk.result(_end_incomplete(flow, state, "abandoned", walk))


def _resume(flow: Flow, state: RunState, now: datetime) -> Step:
    if state.status not in ("active", "paused"):
        return Step(state, ())
    walk = _Walk()
    return walk.result(_ask(flow, state.evolve(status="active"), state.step_id, now, walk))


# ---- walking the steps ------------------------------------------------------


def _run_from(flow: Flow, state: RunState, step_id: str | None, now: datetime,
              walk: _Walk) -> RunState:
    """Run say and act steps from `step_id` until a question (asked, the run
    waits there) or the end (the run completes)."""
    for _ in range(MAX_STEPS_PER_EVENT):
        if step_id is None:
            return _complete(state, walk)
        step = _step(flow, step_id)
        state = state.evolve(step_id=step.id)
        if step.ask is not None:
            return _ask(flow, state, step.id, now, walk)
        if step.say is not None:
            walk.effects.append(Send(_text(render.pick(step.say, state.lang), state), step.kind))
        elif step.act is not None:
            state = _act(flow, state, step.act, walk)
        step_id = _next(step, state)
    raise FlowError(f"flow {flow.id!r}: more than {MAX_STEPS_PER_EVENT} steps without a question")


def _ask(flow: Flow, state: RunState, step_id: str, now: datetime, walk: _Walk) -> RunState:
    ask = _ask_at(flow, step_id)
    state = state.evolve(step_id=step_id, token=state.token + 1, reprompts=0, reminded=False)
    walk.effects.append(Send(_text(render.question(ask, state.lang), state), "question"))
    walk.effects.append(SetTimer("reminder", now + flow.reminder_after, step_id, state.token))
    return state


def _act(flow: Flow, state: RunState, act: Act, walk: _Walk) -> RunState:
    if act.record is not None:
        walk.effects.append(_record(flow, state, act))
        recorded = [*state.answers.get(RECORDED, []), act.record]
        return state.evolve(answers={**state.answers, RECORDED: recorded})
    if act.escalate is not None:
        walk.effects.append(_escalation(act.escalate, state))
    elif act.start_flow is not None:
        walk.follow_ups.append(StartFlow(act.start_flow))
    return state


def _complete(state: RunState, walk: _Walk) -> RunState:
    walk.effects += [CancelTimers(), Finished("completed")]
    return state.evolve(status="completed")


def _end_incomplete(flow: Flow, state: RunState, status: Literal["expired", "abandoned"],
                    walk: _Walk) -> RunState:
    """Abandoned or expired: the instrument in progress is recorded
    incomplete, an `on_incomplete` rule may escalate, the timers go."""
    instrument = _in_progress(flow, state)
    if instrument is not None:
        answers = _answers_only(state.answers)
        walk.effects.append(RecordResult(
            instrument=instrument,
            status="incomplete",
            values={f"{instrument}.status": "incomplete"},
            items=answers,
            loinc=flow.loinc_for(instrument),
        ))
    for rule in flow.on_incomplete:
        if holds(rule.when, state.answers, state.context):
            walk.effects.append(_escalation(rule.escalate, state))
            break
    walk.effects += [CancelTimers(), Finished(status)]
    return state.evolve(status=status)


def _in_progress(flow: Flow, state: RunState) -> str | None:
    """The first instrument the flow records that this run has not recorded
    yet; None for reminder flows and when everything is recorded."""
    if flow.kind == "reminder":
        return None
    done = set(state.answers.get(RECORDED, []))
    pending = [name for name in flow.recorded_instruments() if name not in done]
    if pending:
        return pending[0]
    return None if done else flow.result_prefix


# ---- helpers ----------------------------------------------------------------


def _step(flow: Flow, step_id: str) -> FlowStep:
    if not flow.has_step(step_id):
        raise FlowError(f"flow {flow.id!r}: unknown step {step_id!r}")
    return flow.step(step_id)


def _ask_at(flow: Flow, step_id: str) -> Ask:
    ask = _step(flow, step_id).ask
    if ask is None:
        raise FlowError(f"flow {flow.id!r}: the run waits on {step_id!r}, which asks nothing")
    return ask


def _next(step: FlowStep, state: RunState) -> str | None:
    for branch in step.branches:
        if holds(branch.when, state.answers, state.context):
            return branch.goto
    return step.next


def _understood(ask: Ask, parsed: ParsedAnswer | None, text: str) -> Any:
    """The value to store, or None when the reply does not answer the question."""
    if parsed is None:
        stripped = text.strip()
        return stripped if ask.type == "choice" and ask.free_text and stripped else None
    value = parsed.value
    if ask.type == "choice":
        allowed = [option.value for option in ask.options]
        if isinstance(value, bool) or value not in allowed:
            return None
    elif ask.type == "yesno":
        return value if isinstance(value, bool) else None
    elif ask.type == "number":
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        if (ask.min is not None and value < ask.min) or (ask.max is not None and value > ask.max):
            return None
    return value


def _text(template: str, state: RunState) -> str:
    return render.fill(template, state.context, state.answers)


def _answers_only(answers: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answers.items() if not key.startswith("_")}


def _record(flow: Flow, state: RunState, act: Act) -> RecordResult:
    instrument = act.record
    assert instrument is not None
    answers = _answers_only(state.answers)
    scorer = SCORERS.get(instrument)
    if scorer is not None:
        scored = scorer(answers, state.context)
        status, values, items = scored.status, dict(scored.values), scored.items
        total, severity = scored.total, scored.severity
        if status == "incomplete":  # a flow path that skipped a scored item
            values = {f"{instrument}.status": "incomplete"}
    else:
        status, values, items, total, severity = "complete", {}, {}, None, None
    for name, key in act.fields.items():
        if key in answers:
            values[f"{instrument}.{name}"] = answers[key]
            items[key] = answers[key]
    for name, constant in act.set.items():
        values[f"{instrument}.{name}"] = constant
    if scorer is None:
        values.setdefault(f"{instrument}.status", "complete")
    return RecordResult(
        instrument=instrument,
        status=status,
        values=values,
        items=items,
        total=total if status == "complete" else None,
        severity=severity if status == "complete" else None,
        loinc=flow.loinc_for(instrument, act),
    )


def _escalation(escalate: Escalate, state: RunState) -> RaiseEscalation:
    reason = render.fill(escalate.reason, state.context, state.answers)
    return RaiseEscalation(escalate.level, escalate.category, reason)
