"""The risk model's training process: `python -m bot.escalation.train` fits the
learned backstop and writes it, pickled, to stdout. `learned.default_model` runs
it, so that scikit-learn, SciPy and the training's memory stay out of the app's
processes; a failure here makes `default_model` train in its own process instead.
"""

from __future__ import annotations

import pickle
import sys

from bot.escalation.learned import train_default_model


def main() -> None:
    sys.stdout.buffer.write(pickle.dumps(train_default_model()))


if __name__ == "__main__":
    main()
