"""The spelling of issue 4: ``qinjian classify-assets`` is ``qinjian classify_assets``."""

from qinjian.assets.management.commands.classify_assets import Command

__all__ = ["Command"]
