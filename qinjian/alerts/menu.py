from qinjian.core.menu import MenuGroup, MenuItem, register

register(
    MenuGroup(
        key="alerts",
        label="预警中心",
        icon="bi-exclamation-triangle",
        order=700,
        items=[
            MenuItem("预警信息", "alerts:alert_list", "alerts.view_alert", "bi-bell"),
            MenuItem("预警规则", "alerts:alertrule_list", "alerts.view_alertrule", "bi-sliders"),
        ],
    )
)
