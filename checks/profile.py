"""The profiles the rules check: one key project, or one provincial submission (with its projects).

They are the boundary for JSON files, the staff form and the chat's extracted facts, so every
bad value becomes a ProfileError whose messages are short Chinese sentences, never a traceback.
"""

from __future__ import annotations

import json
import math
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from checks.facts import AmountError, BadDate, parse_amount_wan, parse_date


class UnitType(StrEnum):
    enterprise = "企业法人"
    public_institution = "事业单位"
    university_or_institute = "高校或科研院所"
    social_group = "社会团体"
    government = "政府部门"
    other = "其他"


class Category(StrEnum):
    service = "专业服务和增值服务"
    integration = "技术集成应用"


class SubmitterType(StrEnum):
    provincial = "省级发展改革委"
    separately_planned_city = "计划单列市发展改革委"
    xpcc = "新疆生产建设兵团发展改革委"
    prefecture = "地市级发展改革委"
    enterprise = "企业"
    other = "其他"


_YES = {"是", "有", "已", "已签署", "符合", "yes", "y", "true", "1"}
_NO = {"否", "无", "没有", "未", "未签署", "不符合", "no", "n", "false", "0"}


def _yes_no(value: Any) -> Any:
    """是/否 from the form or a hand-written JSON file; anything else goes on to pydantic's bool check."""
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("", "未填写", "不详"):
            return None
        if v in _YES:
            return True
        if v in _NO:
            return False
    return value


def _amount(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):  # bool is an int in Python; true is not an amount
        raise ValueError(f"金额“{value}”无法识别，请填写数字（单位万元），如 5000 或 “0.5亿元”。")
    try:
        return parse_amount_wan(value)
    except AmountError as exc:
        raise ValueError(str(exc)) from None


def _date(value: Any) -> Any:
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return parse_date(value)
        except BadDate as exc:
            raise ValueError(str(exc)) from None
    return value


YesNo = Annotated[bool | None, BeforeValidator(_yes_no)]
AmountWan = Annotated[float | None, BeforeValidator(_amount)]
Day = Annotated[date | None, BeforeValidator(_date)]


class ProjectProfile(BaseModel):
    """One key project (重点项目) and its lead unit."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    kind: Literal["project"] = "project"
    project_name: str | None = Field(None, title="项目名称")
    unit_name: str | None = Field(None, title="项目承担单位名称")
    unit_type: UnitType | None = Field(None, title="项目承担单位类型")
    total_investment_wan: AmountWan = Field(None, title="项目总投资（万元）")
    category: Category | None = Field(None, title="项目类别")
    domains: list[str] | None = Field(None, title="应用领域")
    has_business_model: YesNo = Field(None, title="是否提出商业模式和服务模式")
    cross_enterprise_cross_industry: YesNo = Field(None, title="是否具备跨企业、跨行业的应用服务能力")
    signed_user_agreements: YesNo = Field(None, title="是否与用户单位签署协议或合同")
    efficiency_gain: YesNo = Field(None, title="实施后是否有效提升生产和经营效率")
    follows_national_standards: YesNo = Field(None, title="是否参照国家物联网技术标准规范")
    involves_identifier_management: YesNo = Field(None, title="是否涉及标识管理")
    identifier_platform_compatible: YesNo = Field(None, title="是否与物联网标识管理公共服务平台兼容")
    credit_rating: str | None = Field(None, title="资信等级")
    land_and_floor_area_controlled: YesNo = Field(None, title="是否严格控制征地和新增建筑面积")


class SubmissionProfile(BaseModel):
    """What a provincial 发展改革委 sends: who, when, how many projects, in what form, to whom."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    kind: Literal["submission"] = "submission"
    submitter: str | None = Field(None, title="报送单位名称")
    submitter_type: SubmitterType | None = Field(None, title="报送单位类型")
    key_project_count: int | None = Field(None, ge=0, title="重点项目数量")
    submitted_on: Day = Field(None, title="报送日期")
    paper_copies: int | None = Field(None, ge=0, title="纸质材料份数")
    includes_cd: YesNo = Field(None, title="是否附电子版光盘")
    addressed_to: str | None = Field(None, title="报送对象")
    projects: list[ProjectProfile] = Field(default_factory=list, title="重点项目")

    @model_validator(mode="after")
    def _count_projects(self) -> SubmissionProfile:
        # A submission that lists its projects need not also state how many there are.
        if self.key_project_count is None and self.projects:
            self.key_project_count = len(self.projects)
        return self


Profile = ProjectProfile | SubmissionProfile
_SUBMISSION_ONLY = set(SubmissionProfile.model_fields) - set(ProjectProfile.model_fields)
_ADAPTER: TypeAdapter[Profile] = TypeAdapter(Annotated[Profile, Field(discriminator="kind")])


class ProfileError(ValueError):
    """A profile that cannot be checked; `messages` are for the user, one per problem."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("；".join(messages))
        self.messages = messages


def parse_profile(data: Any) -> Profile:
    """A ProjectProfile or SubmissionProfile from decoded JSON; `kind` may be left out."""
    if not isinstance(data, dict):
        raise ProfileError(["档案内容应为 JSON 对象（{…}），例如 {\"unit_type\": \"企业法人\", \"total_investment_wan\": 6000}。"])
    if "kind" not in data:
        data = {**data, "kind": "submission" if _SUBMISSION_ONLY & set(data) else "project"}
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise ProfileError(explain(exc)) from None


def parse_profile_json(text: str) -> Profile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError([f"JSON 格式错误（第{exc.lineno}行第{exc.colno}列）：{_JSON_HINTS.get(exc.msg, exc.msg)}。"]) from None
    return parse_profile(data)


_JSON_HINTS = {
    "Expecting value": "此处缺少值或多了逗号",
    "Expecting property name enclosed in double quotes": "字段名须用英文双引号",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Unterminated string starting at": "字符串缺少结尾引号",
    "Extra data": "JSON 之后还有多余内容",
}


def _label(loc: tuple[int | str, ...]) -> str:
    """projects[0].total_investment_wan（项目总投资（万元））: the path as written in the file, plus its title."""
    if loc and loc[0] in ("project", "submission"):
        loc = loc[1:]  # the discriminated union's tag, not part of the file
    if not loc:
        return "档案"
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    name = loc[-1]
    field = ProjectProfile.model_fields.get(str(name)) or SubmissionProfile.model_fields.get(str(name))
    return f"{path}（{field.title}）" if field is not None and field.title else path


def _choices(expected: str) -> str:
    """pydantic's "'a', 'b' or 'c'" as a Chinese list."""
    return expected.replace("'", "").replace(" or ", "、").replace(", ", "、")


def explain(exc: ValidationError) -> list[str]:
    """One short Chinese message per validation error."""
    out = []
    for err in exc.errors(include_url=False):
        kind, where, value = err["type"], _label(err["loc"]), err.get("input")
        shown = value if not isinstance(value, (dict, list)) else json.dumps(value, ensure_ascii=False)[:60]
        if kind == "enum":
            out.append(f"{where}的取值“{shown}”无效，可选：{_choices(err.get('ctx', {}).get('expected', ''))}。")
        elif kind in ("literal_error", "union_tag_invalid"):
            tag = err.get("ctx", {}).get("tag", shown)
            out.append(f"kind 的取值“{tag}”无效，可选：project（重点项目）或 submission（省级报送材料）。")
        elif kind == "extra_forbidden":
            out.append(f"未知字段 {where}，请检查拼写。")
        elif kind == "value_error":
            out.append(f"{where}：{str(err.get('ctx', {}).get('error', err['msg']))}")
        elif kind in ("greater_than_equal", "greater_than"):
            out.append(f"{where}不能为负数（收到 {shown}）。")
        elif kind.startswith(("int_", "float_")):
            out.append(f"{where}应为数字（收到“{shown}”）。")
        elif kind == "finite_number" or (isinstance(value, float) and not math.isfinite(value)):
            out.append(f"{where}应为有限的数字（收到 {shown}）。")
        elif kind.startswith("date"):
            out.append(f"{where}“{shown}”不是有效日期，请写成 2014-03-31 或 2014年3月31日。")
        elif kind.startswith("bool"):
            out.append(f"{where}应为 是/否（true/false），收到“{shown}”。")
        elif kind in ("string_type", "list_type", "model_type", "dict_type", "model_attributes_type"):
            out.append(f"{where}的类型不对（收到“{shown}”）。")
        else:
            out.append(f"{where}：{err['msg']}")
    return out
