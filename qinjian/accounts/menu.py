from qinjian.core.menu import MenuGroup, MenuItem, register

register(
    MenuGroup(
        key="system",
        label="系统管理",
        icon="bi-gear",
        order=900,
        items=[
            MenuItem("用户账户", "accounts:user_list", "accounts.view_user", "bi-person-badge"),
            MenuItem("角色权限", "accounts:role_list", "accounts.view_role", "bi-shield-lock"),
            MenuItem("角色授权", "accounts:assignment_list", "accounts.view_roleassignment", "bi-diagram-3"),
        ],
    )
)
register(
    MenuGroup(
        key="audit",
        label="安全审计",
        icon="bi-journal-check",
        order=950,
        items=[
            MenuItem("变更记录", "core:change_list", "core.view_objectchange", "bi-clock-history"),
            MenuItem("安全事件", "core:security_event_list", "core.view_securityevent", "bi-shield-exclamation"),
        ],
    )
)
