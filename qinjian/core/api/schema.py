"""OpenAPI generation for Qinjian views: Chinese summaries, input serializers, documented errors."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import get_doc

from .serializers import ErrorSerializer

ERROR_RESPONSES = {
    "400": "请求数据有误：code 为 validation_error 等，fields 按字段给出中文说明",
    "401": "未认证，或令牌无效、已过期、已吊销",
    "403": "没有权限执行此操作（当前角色缺少所需权限，或须先修改密码）",
    "404": "对象不存在或不在您的数据范围内",
}

ACTION_SUMMARIES = {
    "list": "{name}列表",
    "retrieve": "{name}详情",
    "create": "新增{name}",
    "update": "修改{name}（全部字段）",
    "partial_update": "修改{name}（部分字段）",
    "destroy": "删除{name}",
}


class AutoSchema(openapi.AutoSchema):
    def _model_name(self) -> str:
        get_model = getattr(self.view, "get_model", None)
        return str(get_model()._meta.verbose_name) if get_model else ""

    def _action_doc(self) -> str:
        action = getattr(self.view, "action", None)
        handler = getattr(self.view, action, None) if action else None
        return get_doc(handler) if handler is not None else ""

    def get_tags(self) -> list[str]:
        tags = getattr(self.view, "schema_tags", None)
        return list(tags) if tags else super().get_tags()

    def get_summary(self) -> str | None:
        action = getattr(self.view, "action", None)
        if action in ACTION_SUMMARIES and self._model_name():
            return ACTION_SUMMARIES[action].format(name=self._model_name())
        doc = self._action_doc()
        return doc.splitlines()[0].strip() if doc else None

    def get_description(self) -> str:  # type: ignore[override]
        action = getattr(self.view, "action", None)
        if action in ACTION_SUMMARIES:
            return get_doc(self.view.__class__)
        doc = self._action_doc()
        return "\n".join(doc.splitlines()[1:]).strip() if doc else get_doc(self.view.__class__)

    def get_request_serializer(self) -> Any:
        action = getattr(self.view, "action", None)
        write = getattr(self.view, "write_serializer_class", None)
        update = getattr(self.view, "update_serializer_class", None) or write
        if action == "create" and write is not None:
            return write()
        if action in {"update", "partial_update"} and update is not None:
            return update()
        return super().get_request_serializer()

    def _get_response_bodies(self, direction: Any = "response") -> Any:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["401", "403"]
        if self.method in {"POST", "PUT", "PATCH"} or self._is_list_view():
            codes.insert(0, "400")
        if "{" in self.path:
            codes.append("404")
        for code in codes:
            if code not in responses:
                responses[code] = {**self._get_response_for_code(ErrorSerializer, code),
                                   "description": ERROR_RESPONSES[code]}
        return dict(sorted(responses.items()))
