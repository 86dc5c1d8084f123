"""Users, roles with data scope, password history and API tokens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import Permission
from django.db import models
from django.urls import reverse
from django.utils import timezone

from qinjian.core.fields import EncryptedCharField
from qinjian.core.models import BaseModel
from qinjian.core.scope import DataScope, ScopedQuerySet


class AdminKind(models.TextChoices):
    """The three administrators of a secured system (三员)."""

    SYSTEM = "system", "系统管理员"
    SECURITY = "security", "安全管理员"
    AUDIT = "audit", "审计管理员"


class RoleKind(models.TextChoices):
    LEADERSHIP = "leadership", "中心领导"
    CENTER = "center", "中心处室"
    UNIT = "unit", "单位管理员"
    STAFF = "staff", "干部职工"
    PROVIDER = "provider", "服务企业"
    ADMIN = "admin", "三员"


class UserManager(BaseUserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def get_by_natural_key(self, username: str) -> User:
        return self.get(username__iexact=username)

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username.strip().lower(), **extra)
        user.set_password(password)
        if user.password_changed_at is None:
            user.password_changed_at = timezone.now()
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    username = models.CharField("账户名", max_length=64, unique=True)
    full_name = models.CharField("姓名", max_length=50)
    person = models.OneToOneField("org.Person", verbose_name="对应人员", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="user")
    unit = models.ForeignKey("org.Unit", verbose_name="所属单位", on_delete=models.PROTECT, related_name="users")
    is_active = models.BooleanField("启用", default=True)
    must_change_password = models.BooleanField("下次登录须改密", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    failed_login_count = models.PositiveIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    totp_secret = EncryptedCharField("动态口令密钥", plain_max_length=64)
    totp_confirmed_at = models.DateTimeField("动态口令绑定时间", null=True, blank=True)
    totp_last_step = models.BigIntegerField("最近使用的口令时间片", default=0)
    date_joined = models.DateTimeField("创建时间", default=timezone.now)
    created_by = models.ForeignKey("self", verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name"]
    scope_unit_field = "unit"

    objects = UserManager()

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]
        permissions = [("reset_password_user", "重置用户密码"), ("unlock_user", "解锁用户")]

    def __str__(self) -> str:
        return f"{self.full_name}（{self.username}）"

    def get_absolute_url(self) -> str:
        return reverse("accounts:user_detail", args=[self.pk])

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @classmethod
    def own_records_q(cls, user: Any) -> models.Q:
        return models.Q(pk=user.pk)

    # --- roles ------------------------------------------------------------------------------
    def active_assignments(self) -> list[RoleAssignment]:
        cache = getattr(self, "_qj_assignments", None)
        if cache is None:
            cache = self.keep_assignments(self.role_assignments.select_related("role", "unit").order_by())
        return cache

    def keep_assignments(self, assignments: Iterable[RoleAssignment]) -> list[RoleAssignment]:
        """Remember the usable ones of all this user's assignments (with their role and unit): the primary one
        first, then by id — the active role is the first unless the user chose another. Sorted here, not in SQL:
        a user has a handful, and the ORDER BY over the joined columns costs more to build than this."""
        now = timezone.now()
        usable = [a for a in assignments if a.role.is_active and (a.valid_until is None or a.valid_until > now)]
        self._qj_assignments = sorted(usable, key=lambda a: (not a.is_primary, a.pk))
        return self._qj_assignments

    def get_active_assignment(self) -> RoleAssignment | None:
        assignments = self.active_assignments()
        wanted = getattr(self, "_qj_active_assignment_id", None)
        for assignment in assignments:
            if assignment.pk == wanted:
                return assignment
        return assignments[0] if assignments else None

    def set_active_assignment(self, assignment_id: int | None) -> None:
        self._qj_active_assignment_id = assignment_id
        self.__dict__.pop("_qj_perms", None)

    def admin_kinds(self) -> set[str]:
        return {a.role.admin_kind for a in self.active_assignments() if a.role.admin_kind}

    def requires_mfa(self) -> bool:
        return any(a.role.requires_mfa for a in self.active_assignments())

    # --- permissions (active role only; there is no superuser) -------------------------------
    def get_all_permissions(self, obj: Any = None) -> set[str]:
        if not self.is_active:
            return set()
        perms = self.__dict__.get("_qj_perms")
        if perms is None:
            from .permcache import role_permissions

            assignment = self.get_active_assignment()
            perms = role_permissions(assignment.role) if assignment else set()
            self.__dict__["_qj_perms"] = perms
        return perms

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions()

    def has_perms(self, perm_list: Any, obj: Any = None) -> bool:
        return all(self.has_perm(p) for p in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        return any(p.startswith(app_label + ".") for p in self.get_all_permissions())

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class Role(BaseModel):
    code = models.CharField("角色编码", max_length=64, unique=True)
    name = models.CharField("角色名称", max_length=64)
    kind = models.CharField("类别", max_length=16, choices=RoleKind.choices)
    admin_kind = models.CharField("三员类型", max_length=16, choices=AdminKind.choices, blank=True)
    description = models.CharField("说明", max_length=300, blank=True)
    default_scope = models.CharField("默认数据范围", max_length=16, choices=DataScope.choices,
                                     default=DataScope.UNIT)
    requires_mfa = models.BooleanField("须动态口令", default=False)
    permissions = models.ManyToManyField(Permission, verbose_name="权限", blank=True, related_name="+")
    is_builtin = models.BooleanField("内置", default=False)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    scope_unit_field = None

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:role_detail", args=[self.pk])

    def permission_names(self) -> set[str]:
        return {
            f"{app}.{codename}"
            for app, codename in self.permissions.values_list("content_type__app_label", "codename")
        }


class RoleAssignment(BaseModel):
    """A role given to a user with a data scope anchored at a unit."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="role_assignments")
    role = models.ForeignKey(Role, verbose_name="角色", on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey("org.Unit", verbose_name="数据范围单位", on_delete=models.PROTECT,
                             related_name="role_assignments")
    scope = models.CharField("数据范围", max_length=16, choices=DataScope.choices)
    is_primary = models.BooleanField("默认角色", default=False)
    valid_until = models.DateTimeField("有效期至", null=True, blank=True)

    scope_unit_field = "unit"

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        ordering = ["user", "-is_primary", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="accounts_assignment_unique")]

    def __str__(self) -> str:
        return f"{self.role.name} · {self.unit.name} · {self.get_scope_display()}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:assignment_list") + f"?user={self.user_id}"


class PasswordHistory(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "历史密码"
        ordering = ["-created_at", "-id"]
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """An API token; only a digest of the key is stored, the key is shown once."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="api_tokens")
    assignment = models.ForeignKey(RoleAssignment, verbose_name="使用角色", null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="+")
    name = models.CharField("名称", max_length=64)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    digest = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class UserSession(models.Model):
    """A live login session, so that disabling a user or resetting a password ends them all."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=64, unique=True)
    ip = models.CharField(max_length=64, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "登录会话"
        default_permissions = ()

    def __str__(self) -> str:
        return f"{self.user_id}:{self.session_key[:6]}"
