"""The pure parts the shell works with, built once and passed in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import Settings
from bot.escalation.learned import WarmingRiskDetector
from bot.escalation.paging import PagingOptions
from bot.escalation.types import RiskDetector
from bot.flows.schema import Flow
from bot.nlu.types import AnswerParser, IntentClassifier


@dataclass(frozen=True)
class Services:
    flows: Mapping[str, Flow]
    parser: AnswerParser
    interpreter: IntentClassifier
    risk: RiskDetector
    paging: PagingOptions = field(default_factory=PagingOptions)  # console link, SMS or not
    # Reads a reply from a client whose crisis is open (`risk.InCrisisReader`); None: `risk` only.
    in_crisis: RiskDetector | None = None

    def wait_for_risk_model(self, text: str | None = None) -> None:
        """Block until the risk detector can read `text` (any text, when None): a
        server's learned backstop loads after the server starts listening, and
        only a text the lexicon alone reads as a crisis is read without it. Called
        before a message's transaction opens, so that no lock is held while waiting."""
        risk = self.risk
        if isinstance(risk, WarmingRiskDetector) and (
            text is None or not risk.reads_without_model(text)
        ):
            risk.wait()

    @property
    def risk_model(self) -> str:
        """"loading", "ready" or why it failed: for /healthz and /readyz."""
        return self.risk.state if isinstance(self.risk, WarmingRiskDetector) else "ready"


def build_services(settings: Settings | None = None, *,
                   risk: RiskDetector | None = None) -> Services:
    """The embedded defaults; a Rasa server when TETHER_RASA_URL is set; extra
    flow files from TETHER_FLOWS_DIR beside the built-in ones; `risk` instead
    of the default detector (built here, so that a bad lexicon stops the start)."""
    from bot.escalation.risk import InCrisisReader, default_detector
    from bot.flows.loader import builtin_flows, load_flows
    from bot.nlu.answers import EmbeddedAnswerParser
    from bot.nlu.interpreter import default_interpreter

    flows = dict(builtin_flows())
    if settings is not None and settings.flows_dir:
        flows.update(load_flows(Path(settings.flows_dir)))
    interpreter: IntentClassifier = default_interpreter()
    if settings is not None and settings.rasa_url:
        from bot.nlu.rasa import RasaInterpreter

        interpreter = RasaInterpreter(settings.rasa_url, fallback=interpreter)
    return Services(
        flows=flows,
        parser=EmbeddedAnswerParser(),
        interpreter=interpreter,
        risk=risk if risk is not None else default_detector(),
        in_crisis=InCrisisReader(),  # the default lexicon, once a text needs it
        paging=PagingOptions.from_settings(settings) if settings is not None else PagingOptions(),
    )
