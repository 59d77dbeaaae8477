"""Storage: SQLAlchemy models, engine and session setup, migrations.

Importing the package registers every model, so relationships between the
topic modules always resolve.
"""

from bot.store import models as models
