from qinjian.core.menu import MenuGroup, MenuItem, register

register(
    MenuGroup(
        key="jobs",
        label="后台任务",
        icon="bi-hourglass-split",
        order=850,
        items=[MenuItem("任务列表", "jobs:jobrun_list", "jobs.view_jobrun", "bi-list-task")],
    )
)
