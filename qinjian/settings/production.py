"""Production mode: refuses to start with an insecure configuration."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, DEBUG, SECRET_KEY
from .env import env_bool, env_int

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env_bool("QINJIAN_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("QINJIAN_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

_problems = []
if DEBUG:
    _problems.append("QINJIAN_DEBUG 必须关闭")
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    _problems.append("QINJIAN_ALLOWED_HOSTS 必须列出具体域名，不能为空或 *")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure"):
    _problems.append("QINJIAN_SECRET_KEY 过短或不安全")
from .base import QINJIAN_AUDIT_KEY, QINJIAN_FIELD_KEY, QINJIAN_SECURITY  # noqa: E402

if QINJIAN_SECURITY["IDLE_TIMEOUT_SECONDS"] > 1800:
    _problems.append("QINJIAN_IDLE_TIMEOUT_SECONDS 不能超过 1800 秒（等保三级空闲超时）")
if len(QINJIAN_FIELD_KEY) < 32 or len(QINJIAN_AUDIT_KEY) < 32:
    _problems.append("QINJIAN_FIELD_KEY / QINJIAN_AUDIT_KEY 过短（至少 32 个字符）")
if _problems:
    raise ImproperlyConfigured("生产模式拒绝启动：" + "；".join(_problems))
