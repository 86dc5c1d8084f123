"""The cross-cutting tests under tests/ (permission matrix, browser tests) use the root conftest.py;
tests/matrix builds its own world and tests/browser has the Playwright fixtures."""
