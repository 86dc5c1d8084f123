"""Everything the asset module registers with the shared machinery, called from AppConfig.ready().

Each part of the module owns one ``register()`` function in its own file; this file only calls them,
so parts can be built side by side.
"""

from __future__ import annotations

import importlib

PARTS = (
    "qinjian.assets.services.operations",  # approvals (业务单 kinds as flow variants)
    "qinjian.assets.labels",  # QR label source
    "qinjian.assets.rules",  # alert rules (闲置资产)
    "qinjian.assets.jobs",  # background jobs (depreciation run, reports)
    "qinjian.assets.tabs",  # detail tabs on other objects (e.g. the unit's assets)
    "qinjian.assets.widgets",  # home-page widgets
)


def register_all() -> None:
    for name in PARTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real import error inside the part
                raise
            continue  # the part is not built yet
        register = getattr(module, "register", None)
        if register is not None:
            register()
