"""Bodies and answers of the authentication endpoints."""

from __future__ import annotations

from rest_framework import serializers

from qinjian.core.api.serializers import InputSerializer


class TokenRequestSerializer(InputSerializer):
    username = serializers.CharField(label="账户名", max_length=150)
    password = serializers.CharField(label="密码", max_length=256, trim_whitespace=False,
                                     style={"input_type": "password"})
    otp = serializers.CharField(label="动态口令", max_length=16, required=False, allow_blank=True,
                                help_text="须动态口令的角色（三员等）填写认证器上的 6 位数字")
    name = serializers.CharField(label="令牌名称", max_length=64, required=False, allow_blank=True,
                                 help_text="便于在“我的 API 令牌”中辨认，如“资产对账脚本”")
    assignment = serializers.IntegerField(label="使用角色", required=False, allow_null=True,
                                          help_text="令牌以哪一个角色授权（/api/auth/me/ 中 roles 的 assignment_id）；默认为主角色")


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField(label="账户名")
    full_name = serializers.CharField(label="姓名")


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(label="令牌", help_text="只在此时返回一次，请妥善保存")
    token_type = serializers.CharField(label="认证方式", help_text="固定为 Token：请求头 Authorization: Token <令牌>")
    name = serializers.CharField(label="令牌名称")
    prefix = serializers.CharField(label="令牌前缀", help_text="用于辨认令牌，不能用于认证")
    expires_at = serializers.DateTimeField(label="到期时间")
    user = UserBriefSerializer()


class UnitBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(label="单位编码")
    name = serializers.CharField(label="单位名称")


class ScopeSerializer(serializers.Serializer):
    code = serializers.CharField(label="数据范围代码", help_text="all / unit_tree / unit / own")
    name = serializers.CharField(label="数据范围")
    unit = UnitBriefSerializer(label="范围所依单位")


class RoleSerializer(serializers.Serializer):
    assignment_id = serializers.IntegerField(label="角色授权编号")
    code = serializers.CharField(label="角色编码")
    name = serializers.CharField(label="角色名称")
    is_primary = serializers.BooleanField(label="默认角色")
    scope = ScopeSerializer()


class TokenInfoSerializer(serializers.Serializer):
    name = serializers.CharField(label="令牌名称")
    prefix = serializers.CharField(label="令牌前缀")
    expires_at = serializers.DateTimeField(label="到期时间")


class MeSerializer(serializers.Serializer):
    user = UserBriefSerializer()
    unit = UnitBriefSerializer(label="所属单位")
    role = RoleSerializer(label="当前角色", allow_null=True)
    roles = RoleSerializer(label="全部角色", many=True)
    permissions = serializers.ListField(child=serializers.CharField(), label="当前角色的权限",
                                        help_text="形如 org.view_person")
    token = TokenInfoSerializer(label="本次请求使用的令牌", allow_null=True)
    password_change_required = serializers.BooleanField(label="须修改密码")
