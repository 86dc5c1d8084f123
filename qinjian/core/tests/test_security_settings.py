"""Production mode refuses to start with an insecure configuration (checked in a fresh interpreter)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

GOOD = {"QINJIAN_DEBUG": "0", "QINJIAN_SECRET_KEY": "k" * 64, "QINJIAN_ALLOWED_HOSTS": "qinjian.example.gov.cn"}
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s;"
    "print(json.dumps({'age': s.SESSION_COOKIE_AGE, 'every': s.SESSION_SAVE_EVERY_REQUEST,"
    " 'secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS,"
    " 'ssl': s.SECURE_SSL_REDIRECT, 'xfo': s.X_FRAME_OPTIONS, 'nosniff': s.SECURE_CONTENT_TYPE_NOSNIFF,"
    " 'hasher': s.PASSWORD_HASHERS[0], 'debug': s.DEBUG}))"
)


def _run(overrides: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINJIAN_")}
    env.update({"DJANGO_SETTINGS_MODULE": "qinjian.settings.production", "QINJIAN_VAR_DIR": str(tmp_path), **GOOD})
    env.update(overrides)
    return subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)


def test_a_secure_configuration_starts(tmp_path):
    import json

    result = _run({}, tmp_path)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {"age": 1800, "every": False, "secure": True, "csrf_secure": True, "hsts": 31536000,
                      "ssl": True, "xfo": "DENY", "nosniff": True,
                      "hasher": "django.contrib.auth.hashers.Argon2PasswordHasher", "debug": False}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"QINJIAN_DEBUG": "1"}, "QINJIAN_DEBUG 必须关闭"),
        ({"QINJIAN_ALLOWED_HOSTS": "*"}, "QINJIAN_ALLOWED_HOSTS"),
        ({"QINJIAN_SECRET_KEY": "short"}, "QINJIAN_SECRET_KEY"),
        ({"QINJIAN_SECRET_KEY": "django-insecure-" + "a" * 60}, "QINJIAN_SECRET_KEY"),
    ],
)
def test_insecure_configuration_is_refused(overrides, message, tmp_path):
    result = _run(overrides, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "生产模式拒绝启动" in result.stderr
    assert message in result.stderr
