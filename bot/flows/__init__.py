"""Flows: scheduled conversations as YAML files, run by a pure engine.

schema.py      the file format (pydantic models)
checks.py      what a flow must satisfy beyond its shape
loader.py      YAML -> Flow; the built-in flows of data/flows/
validate.py    `tether flows validate`
conditions.py  branch conditions
render.py      texts in the run's language, reply hints, re-prompts
scoring.py     the published instruments' scoring
engine.py      advance(flow, state, event, now, parser) -> Step
effects.py     the events, state and effects the engine shares with the shell
diagram.py     Mermaid diagrams of flows
"""
