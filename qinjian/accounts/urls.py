from django.urls import path

from . import views_auth, views_roles, views_tokens, views_users

app_name = "accounts"

urlpatterns = [
    path("login/", views_auth.login_view, name="login"),
    path("mfa/", views_auth.mfa_view, name="mfa"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("password/", views_auth.password_change_view, name="password_change"),
    path("role/", views_auth.role_switch_view, name="role_switch"),
    # 系统管理员: accounts
    path("users/", views_users.UserListView.as_view(), name="user_list"),
    path("users/new/", views_users.UserFormView.as_view(), name="user_create"),
    path("users/<int:pk>/", views_users.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views_users.UserFormView.as_view(), name="user_edit"),
    path("users/<int:pk>/disable/", views_users.UserDisableView.as_view(), name="user_disable"),
    path("users/<int:pk>/enable/", views_users.UserEnableView.as_view(), name="user_enable"),
    path("users/<int:pk>/reset-password/", views_users.UserResetPasswordView.as_view(), name="user_reset_password"),
    path("users/<int:pk>/unlock/", views_users.UserUnlockView.as_view(), name="user_unlock"),
    path("users/<int:pk>/reset-totp/", views_users.UserResetTotpView.as_view(), name="user_reset_totp"),
    # 安全管理员: roles and assignments
    path("roles/", views_roles.RoleListView.as_view(), name="role_list"),
    path("roles/new/", views_roles.RoleFormView.as_view(), name="role_create"),
    path("roles/<int:pk>/", views_roles.RoleDetailView.as_view(), name="role_detail"),
    path("roles/<int:pk>/edit/", views_roles.RoleFormView.as_view(), name="role_edit"),
    path("assignments/", views_roles.AssignmentListView.as_view(), name="assignment_list"),
    path("assignments/new/", views_roles.AssignmentCreateView.as_view(), name="assignment_create"),
    path("assignments/<int:pk>/revoke/", views_roles.AssignmentRevokeView.as_view(), name="assignment_revoke"),
    # everyone: own API tokens
    path("tokens/", views_tokens.token_list, name="token_list"),
    path("tokens/new/", views_tokens.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", views_tokens.token_revoke, name="token_revoke"),
]
