from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    """Every test stores its files in its own temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
