from qinjian.core.menu import MenuGroup, MenuItem, register

from .selectors import todo_count

register(
    MenuGroup(
        key="workflow",
        label="审批",
        icon="bi-check2-square",
        order=50,
        items=[
            MenuItem("我的待办", "workflow:todo", "workflow.view_approvaltask", "bi-inbox", badge=todo_count),
            MenuItem("我的已办", "workflow:done", "workflow.view_approvaltask", "bi-check2-all"),
            MenuItem("我发起的", "workflow:mine", "workflow.view_approvalrequest", "bi-send"),
            MenuItem("审批流程", "workflow:flowdefinition_list", "workflow.view_flowdefinition", "bi-diagram-2"),
        ],
    )
)
