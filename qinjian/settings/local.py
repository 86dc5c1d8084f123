"""Local and demo mode: SQLite by default, plain HTTP on 127.0.0.1."""

from .base import *  # noqa: F403
