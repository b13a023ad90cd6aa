"""The ``PICCOLO_CONF`` module Piccolo's migration machinery looks up.

``DB`` is resolved on each access (PEP 562) to the engine activated by
:func:`survey_app.db.engine.activate`, so the engine always comes from explicit settings and
never from whatever the environment held when this module was first imported. Piccolo's own
command line (used to generate migrations) gets an engine built from the current settings.
"""

from piccolo.conf.apps import AppRegistry

APP_REGISTRY = AppRegistry(apps=["survey_app.db.piccolo_app"])


def __getattr__(name: str):
    if name == "DB":
        from survey_app.db.engine import active_engine

        return active_engine()
    raise AttributeError(name)
