"""Tests for bot/escalation/model_cache.py and the server's warming detector: a
restart loads the trained risk model instead of training it, and a server reads
texts that arrive while the model loads once it is ready."""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.escalation import model_cache
from bot.escalation.evaluate import LabelledMessage
from bot.escalation.learned import LearnedRiskModel, WarmingRiskDetector, default_model
from bot.escalation.model_cache import cache_dir, load_or_train, training_key
from bot.escalation.risk import default_lexicon_detector
from bot.escalation.types import RiskLevel

SMALL_SET = [
    LabelledMessage("i want to kill myself tonight", "en", "crisis", "suicide"),
    LabelledMessage("i have the pills ready", "en", "crisis", "suicide"),
    LabelledMessage("i relapsed last night", "en", "concern", "relapse"),
    LabelledMessage("cravings are bad today", "en", "concern", "craving"),
    LabelledMessage("took my meds, all good", "en", "none"),
    LabelledMessage("see you thursday", "en", "none"),
]
CRISIS = "i want to kill myself tonight"


def is_model(found: object) -> bool:
    return isinstance(found, LearnedRiskModel)


class Trainer:
    """Trains a small real model and counts how often it was asked to."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.calls = 0
        self.seconds = seconds
        self.lock = threading.Lock()

    def __call__(self) -> bytes:
        with self.lock:
            self.calls += 1
        time.sleep(self.seconds)  # a training that takes a while: others must wait for it
        return pickle.dumps(LearnedRiskModel(SMALL_SET))


def kept(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{model_cache.PREFIX}*{model_cache.SUFFIX}"))


def test_a_restart_with_the_same_data_loads_the_kept_model(tmp_path: Path) -> None:
    trainer = Trainer()
    first = load_or_train("a" * 64, trainer, tmp_path / "cache", is_model)
    again = load_or_train("a" * 64, trainer, tmp_path / "cache", is_model)
    assert trainer.calls == 1
    assert again.score(CRISIS).crisis == first.score(CRISIS).crisis
    # Private: the directory is the user's alone, and so is the file.
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700
    assert [p.stat().st_mode & 0o077 for p in kept(tmp_path / "cache")] == [0]


def test_other_data_trains_again_and_only_the_newest_models_are_kept(tmp_path: Path) -> None:
    trainer = Trainer()
    for key in ("a", "b", "c"):
        load_or_train(key * 64, trainer, tmp_path, is_model)
    assert trainer.calls == 3
    assert [p.name[len(model_cache.PREFIX):][:1] for p in kept(tmp_path)] == ["b", "c"]


def test_a_file_cut_short_is_trained_again_and_replaced(tmp_path: Path) -> None:
    trainer = Trainer()
    load_or_train("a" * 64, trainer, tmp_path, is_model)
    [path] = kept(tmp_path)
    path.write_bytes(path.read_bytes()[:1000])
    model = load_or_train("a" * 64, trainer, tmp_path, is_model)
    assert trainer.calls == 2
    assert model.score(CRISIS).crisis > 0.5
    assert load_or_train("a" * 64, trainer, tmp_path, is_model) is not None
    assert trainer.calls == 2  # the replacement loads


class Planted:
    """What someone else might leave in a shared directory: unpickling it runs code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Callable[..., object], tuple[object, ...]]:
        return (Path.touch, (self.marker,))


def test_a_file_others_may_write_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "code-ran"
    directory = tmp_path / "cache"
    directory.mkdir(mode=0o700)
    planted = directory / f"{model_cache.PREFIX}{'a' * 64}{model_cache.SUFFIX}"
    planted.write_bytes(pickle.dumps(Planted(marker)))
    planted.chmod(0o666)
    trainer = Trainer()
    model = load_or_train("a" * 64, trainer, directory, is_model)
    assert not marker.exists()
    assert trainer.calls == 1
    assert is_model(model)


def test_a_directory_others_may_write_is_not_used(tmp_path: Path) -> None:
    marker = tmp_path / "code-ran"
    directory = tmp_path / "shared"
    directory.mkdir()
    directory.chmod(0o777)
    planted = directory / f"{model_cache.PREFIX}{'a' * 64}{model_cache.SUFFIX}"
    planted.write_bytes(pickle.dumps(Planted(marker)))
    planted.chmod(0o600)
    trainer = Trainer()
    assert is_model(load_or_train("a" * 64, trainer, directory, is_model))
    assert not marker.exists()
    assert trainer.calls == 1


def test_a_directory_that_cannot_be_made_costs_only_the_speed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    trainer = Trainer()
    with caplog.at_level(logging.WARNING, logger=model_cache.__name__):
        model = load_or_train("a" * 64, trainer, blocker / "cache", is_model)
    assert model.score(CRISIS).crisis > 0.5
    assert "cannot be kept" in caplog.text


def test_workers_starting_together_train_once(tmp_path: Path) -> None:
    """Four processes' worth of threads on an empty cache: one trains, the rest load."""
    trainer = Trainer(seconds=0.5)
    results: list[object] = []

    def start() -> None:
        results.append(load_or_train("a" * 64, trainer, tmp_path, is_model))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 4
    assert all(is_model(result) for result in results)
    assert trainer.calls == 1


def test_the_key_changes_with_any_message_label_or_the_code() -> None:
    records = [("i want to die", "en", "crisis", "suicide"), ("ok", "en", "none", "")]
    key = training_key(records, b"code")
    assert training_key(list(records), b"code") == key
    assert training_key([records[0], ("ok", "en", "concern", "")], b"code") != key
    assert training_key([records[0], ("ok.", "en", "none", "")], b"code") != key
    assert training_key(records[:1], b"code") != key
    assert training_key(records, b"code 2") != key
    # Fields cannot run into each other.
    assert training_key([("ab", "c")], b"") != training_key([("a", "bc")], b"")


def test_the_cache_directory_follows_the_environment(tmp_path: Path) -> None:
    assert cache_dir({"TETHER_CACHE_DIR": str(tmp_path)}) == tmp_path
    assert cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "tether"
    assert cache_dir({}) == Path.home() / ".cache" / "tether"


def test_the_default_model_is_kept_for_the_next_start() -> None:
    """The product's own model, trained or loaded by this run, is in the run's cache."""
    default_model()
    files = kept(cache_dir())
    assert files, f"nothing kept in {cache_dir()}"
    assert os.environ["TETHER_CACHE_DIR"] in str(files[0])


# --- the server's detector, while its model loads -----------------------------------


def held_until(gate: threading.Event) -> WarmingRiskDetector:
    """The server's detector, whose model finishes loading once `gate` is set."""

    def load() -> LearnedRiskModel:
        gate.wait(120)
        return default_model()

    return WarmingRiskDetector(default_lexicon_detector(), load)


def test_a_message_read_while_the_model_loads_waits_for_it() -> None:
    gate = threading.Event()
    detector = held_until(gate)
    try:
        assert detector.state == detector.LOADING
        assert not detector.wait(0.2)
        # Words the lexicon alone lets through; the learned backstop raises them.
        text = "ive been practicing how i would do it when everyone is asleep"
        answers: list[RiskLevel] = []
        reader = threading.Thread(target=lambda: answers.append(
            detector.assess(text, "en").level))
        reader.start()
        reader.join(0.5)
        assert answers == []  # not read by the lexicon alone
    finally:
        gate.set()
    reader.join(300)
    assert detector.state == detector.READY
    assert len(answers) == 1
    assert answers[0] >= RiskLevel.HIGH


def test_a_model_that_fails_to_load_leaves_the_lexicon_reading(
    caplog: pytest.LogCaptureFixture
) -> None:
    def fail() -> LearnedRiskModel:
        raise ValueError("examples file 12 has no label on line 3")

    with caplog.at_level(logging.ERROR):
        detector = WarmingRiskDetector(default_lexicon_detector(), fail)
        assert detector.wait(60)
    assert detector.state == detector.FAILED
    assert "could not be loaded or trained" in caplog.text
    assert detector.assess("im going to kill myself tonight", "en").level >= RiskLevel.HIGH


def test_a_crisis_the_lexicon_reads_does_not_wait_for_the_model() -> None:
    """The backstop keeps any high or imminent reading of the lexicon, so such a
    text is read at once; one only the backstop could raise waits."""
    gate = threading.Event()
    detector = held_until(gate)
    try:
        crisis = "im on the overpass and im done, goodbye"
        assert detector.reads_without_model(crisis)
        assert detector.assess(crisis, "es").level == RiskLevel.IMMINENT
        assert not detector.reads_without_model("ive been practicing how i would do it at night")
        assert not detector.reads_without_model("see you thursday")
        assert detector.state == detector.LOADING
    finally:
        gate.set()
    assert detector.wait(300)
    assert detector.reads_without_model("see you thursday")
