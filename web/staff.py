"""The staff tab (员工工具): notice management, eligibility form, draft outline check and plan template, behind a login.

Access is enforced on the server, in every callback and API endpoint: a request needs a session
token that StaffAuth issued after a bcrypt-verified login and that has not expired or been revoked.
The UI keeps the token in a gr.State (server-side, per browser session); API clients pass it
explicitly. Hiding the tools until login is only cosmetic.
"""

from __future__ import annotations

import functools
import hmac
import logging
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bcrypt
import gradio as gr
from gradio import FileData
from gradio.utils import get_upload_folder
from pydantic import SecretStr

from assistant.library import LibraryError, NoticeLibrary, StagedNotice, as_library
from checks.engine import CheckReport
from checks.outline import OutlineChecker, OutlineReport
from checks.profile import Category, ProfileError, SubmitterType, UnitType, parse_profile, parse_profile_json
from checks.report import md_escape, verdicts_markdown
from checks.template import write_template
from checks.uploads import MB, UploadError, UploadLimits
from store.db import memory_database, open_database
from store.staff import GRANTS, StaffDirectory

log = logging.getLogger(__name__)

NOT_CONFIGURED = "员工账号未配置（需设置 STAFF_USERNAME 和 STAFF_PASSWORD_HASH），员工工具已停用。"
BAD_LOGIN = "用户名或密码错误。"
THROTTLED = "登录失败次数过多，请 {wait} 秒后再试。"
LOGIN_REQUIRED = "请先登录员工账号。"
EXPIRED = "登录已过期，请重新登录。"
NO_RULES = "通知库中没有配置资格核对规则的通知，此功能已关闭。"
NO_OUTLINE = "通知库中没有配置方案大纲的通知，此功能已关闭。"
UNSET = "未填写"
YES_NO = [UNSET, "是", "否"]


class StaffAuthError(PermissionError):
    """A staff action without a valid login; the message is for the user."""


FORBIDDEN = "当前账号（{role}）无权执行此操作，需要 {needed} 角色。"
@functools.cache
def _dummy_hash() -> bytes:
    """Checked for a name with no account, at the cost real hashes use, so a wrong user name takes as long as a
    wrong password. Made on first need, not at import (a full-cost hash takes a quarter of a second)."""
    return bcrypt.hashpw(b"no such account", bcrypt.gensalt())


class StaffAuth:
    """Named staff accounts with roles (store.staff, in the shared database), plus the bootstrap account from
    settings (STAFF_USERNAME / STAFF_PASSWORD_HASH, role editor). Sessions are rows of that database, so any
    replica accepts them and logout or expiry holds everywhere. Failed logins are counted there too: after
    free_failures per account or client address, each next try waits twice as long as the last (1 s, 2 s, 4 s …,
    at most lockout_s), and a refused try costs no bcrypt check. Logins, failures, locks and logouts are audited."""

    def __init__(self, username: str | None, password_hash: SecretStr | None, session_minutes: int = 480,
                 clock: Callable[[], float] | None = None, free_failures: int = 5, lockout_s: float = 900.0,
                 directory: StaffDirectory | None = None) -> None:
        self.username = (username or "").strip()
        self._hash = password_hash.get_secret_value().encode() if password_hash else b""
        self.ttl_s = session_minutes * 60
        self.directory = directory or StaffDirectory(memory_database())
        if clock is not None:
            self.directory.clock = clock
        self.free_failures = free_failures
        self.lockout_s = lockout_s
        self.bootstrap = bool(self.username and self._hash)
        if self.bootstrap and not self._hash.startswith((b"$2a$", b"$2b$", b"$2y$")):
            log.error("STAFF_PASSWORD_HASH is not a bcrypt hash; the bootstrap staff account is off")
            self.bootstrap = False

    @property
    def enabled(self) -> bool:
        """Some account can log in: the bootstrap one, or one added with `app.py staff add`."""
        return self.bootstrap or self.directory.has_accounts()

    @property
    def clock(self) -> Callable[[], float]:
        return self.directory.clock

    def _keys(self, username: str, client: str) -> list[str]:
        return [f"user:{(username or '').strip().lower()[:64]}", f"addr:{client or '-'}"]

    def wait_s(self, username: str, client: str = "") -> float:
        """Seconds until this account or address may try again (0: now)."""
        now = self.clock()
        waits = [last + min(2.0 ** (count - self.free_failures), self.lockout_s) - now
                 for count, last in self.directory.failures(self._keys(username, client)) if count >= self.free_failures]
        return max([0.0, *waits])

    def _account(self, username: str) -> tuple[bytes, str] | None:
        """(bcrypt hash, role) of an account, the bootstrap one first."""
        if self.bootstrap and hmac.compare_digest(username.encode(), self.username.encode()):
            return self._hash, "editor"
        return self.directory.password_hash(username)

    def login(self, username: str, password: str, client: str = "") -> str:
        if not self.enabled:
            raise StaffAuthError(NOT_CONFIGURED)
        name = (username or "").strip()[:64]
        wait = self.wait_s(name, client)
        if wait > 0:  # throttled: refused before any bcrypt work
            log.warning("staff login throttled for %r from %s", name[:40], client or "-")
            raise StaffAuthError(THROTTLED.format(wait=max(1, round(wait))))
        account = self._account(name) if name else None
        password_ok = bcrypt.checkpw((password or "").encode(), account[0] if account else _dummy_hash())
        keys = self._keys(name, client)
        if account is None or not password_ok:
            log.warning("staff login failed for %r from %s", name[:40], client or "-")
            count = self.directory.record_failure(keys)
            self.directory.audit(name, "login_failed", "", client)
            if count == self.free_failures:
                self.directory.audit(name, "locked", f"{count} failed logins", client)
            raise StaffAuthError(BAD_LOGIN)
        self.directory.clear_failures(keys)
        token = self.directory.open_session(name, account[1], self.ttl_s)
        self.directory.audit(name, "login", account[1], client)
        log.info("staff login for %s (%s)", name, account[1])
        return token

    def require(self, token: str | None, role: str = "reviewer") -> str:
        """The session's username; raises StaffAuthError unless token is a live session whose role grants role."""
        if not self.enabled:
            raise StaffAuthError(NOT_CONFIGURED)
        if not token or not isinstance(token, str):
            raise StaffAuthError(LOGIN_REQUIRED)
        session = self.directory.session(token)
        if session is None:
            raise StaffAuthError(LOGIN_REQUIRED)
        if session.expires_at <= self.clock():
            self.directory.close_session(token)
            raise StaffAuthError(EXPIRED)
        if role not in GRANTS.get(session.role, frozenset()):
            raise StaffAuthError(FORBIDDEN.format(role=session.role, needed=role))
        return session.username

    def logout(self, token: str | None, client: str = "") -> None:
        name = self.directory.close_session(token or "") if token else None
        if name:
            self.directory.audit(name, "logout", "", client)


def _uploaded(path: str | None, missing: str) -> Path:
    """A file Gradio received as an upload (never an arbitrary path a client names)."""
    if not path:
        raise UploadError(missing)
    uploads = Path(get_upload_folder()).resolve()
    if not Path(path).resolve().is_relative_to(uploads):
        raise UploadError("找不到上传的文件，请重新上传。")
    return Path(path)


class StaffTools:
    """What the staff tab and the staff API do; every method checks the session first.

    The checks use the first notice (the default one first) whose pack has eligibility rules or a plan
    outline; without one, that tool is off and says so.
    """

    def __init__(self, source: Any, auth: StaffAuth | None = None) -> None:  # NoticeLibrary or AssistantService
        self.library: NoticeLibrary = as_library(source)
        settings = self.library.settings
        self.auth = auth or StaffAuth(settings.staff_username, settings.staff_password_hash,
                                      settings.staff_session_minutes, free_failures=settings.staff_free_failures,
                                      lockout_s=settings.staff_lockout_minutes * 60,
                                      directory=StaffDirectory(open_database(settings.database)))
        self.limits = UploadLimits(max_bytes=int(settings.max_upload_mb * MB))
        candidates = [self.library.default_slug()] + [s for s in self.library.slugs() if s != self.library.default_slug()]
        services = [self.library.service(s) for s in candidates]
        self.rules_service = next((s for s in services if s.checker is not None), None)
        self.engine = self.rules_service.checker.engine if self.rules_service is not None else None
        outlined = next((s for s in services if s.pack.meta.outline is not None), None)
        self.outline_service = outlined
        self.outline = None if outlined is None else OutlineChecker(
            outlined.clauses, outlined.pack.meta.outline, outlined.checker.engine if outlined.checker else None,
            self.limits)
        self.clauses = (self.rules_service or outlined or self.library.service(None)).clauses
        self.out_dir = Path(tempfile.mkdtemp(prefix="staff-templates-"))
        self._staged: dict[str, StagedNotice] = {}
        self._staged_lock = threading.Lock()

    def check(self, token: str | None, profile: str | dict[str, Any]) -> CheckReport:
        """Profile as JSON text (as in `app.py check`) or as a dict."""
        self.auth.require(token)
        if self.engine is None:
            raise UploadError(NO_RULES)
        parsed = parse_profile_json(profile) if isinstance(profile, str) else parse_profile(profile)
        return self.engine.check(parsed)

    def outline_check(self, token: str | None, path: str | None) -> OutlineReport:
        self.auth.require(token)
        if self.outline is None:
            raise UploadError(NO_OUTLINE)
        return self.outline.check_file(_uploaded(path, "请先选择要检查的方案草稿文件（.docx、.md 或 .txt）。"))

    def template(self, token: str | None) -> str:
        self.auth.require(token)
        if self.outline_service is None:
            raise UploadError(NO_OUTLINE)
        service = self.outline_service
        name = f"{service.pack.slug}-方案模板.docx"
        return str(write_template(service.clauses, service.pack.meta.outline, self.out_dir / name))

    # -- notice management -------------------------------------------------------------------
    def stage_notice(self, token: str | None, path: str | None, slug: str | None = None) -> StagedNotice:
        """Reads and parses an uploaded notice into staging: staff check the tree, then publish it."""
        from corpus.formats import NoticeFileError

        self.auth.require(token, "editor")
        upload = _uploaded(path, "请先选择要添加的通知文件（.txt、.docx、.pdf 或网页 .html）。")
        size = upload.stat().st_size
        limit = int(self.library.settings.max_notice_mb * MB)
        if size > limit:
            raise UploadError(f"文件过大（{size / MB:.1f} MB），上限为 {limit // MB} MB。")
        try:
            staged = self.library.stage(upload.read_bytes(), upload.name, slug or None)
        except (NoticeFileError, LibraryError) as exc:
            raise UploadError(str(exc)) from None
        with self._staged_lock:
            self._staged[staged.root.name] = staged
        return staged

    def publish_notice(self, token: str | None, staged_id: str | None) -> str:
        """Builds the staged notice's index and makes it live; the old version answers until then."""
        who = self.auth.require(token, "editor")
        with self._staged_lock:
            staged = self._staged.pop(staged_id or "", None)
        if staged is None:
            raise UploadError("没有待发布的通知，请先上传并预览。")
        service = self.library.publish(staged)
        self.auth.directory.audit(who, "publish", f"{staged.slug} {service.document.source_sha256[:12]}")
        log.info("staff %s published notice %s", who, staged.slug)
        return service.pack.slug

    def discard_notice(self, token: str | None, staged_id: str | None) -> None:
        self.auth.require(token, "editor")
        with self._staged_lock:
            staged = self._staged.pop(staged_id or "", None)
        if staged is not None:
            staged.discard()


def form_profile(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """The form's fields as a profile dict: empty fields and 未填写 left out, domains merged."""
    data: dict[str, Any] = {"kind": kind}
    for key, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        if value in (None, "", UNSET, []):
            continue
        data[key] = value
    extra = data.pop("other_domains", "")
    if extra:
        data["domains"] = list(data.get("domains", [])) + [d for d in extra.replace("，", "、").replace(",", "、").split("、") if d.strip()]
    return data


def outline_markdown(report: OutlineReport, clauses: dict[str, Any]) -> str:
    found = sum(1 for m in report.sections if m.heading)
    lines = [f"草稿 `{md_escape(report.file)}`：对照附件1大纲，找到 {found}/{len(report.sections)} 个章节。", ""]
    for p in report.projects:
        missing = "，缺少 " + "、".join(p.aspects_missing) if p.aspects_missing else ""
        lines.append(f"- 重点项目“{md_escape(p.title)}”：6个方面具备 {len(p.aspects_found)} 个{md_escape(missing)}")
    lines.append("")
    if not report.findings:
        return "\n".join(lines + ["**总体结论：符合（pass）** 未发现缺失、顺序错误或多余的章节。"])
    return "\n".join(lines) + "\n" + verdicts_markdown(report.findings, report.overall, clauses)


def client_of(request: gr.Request | None) -> str:
    """The client's address, for throttling failed logins per address."""
    client = getattr(request, "client", None)
    return str(getattr(client, "host", "") or "")


def staged_markdown(staged: StagedNotice) -> str:
    """What staff check before publishing: metadata, warnings and the clause tree."""
    m = staged.meta
    lines = [f"**{md_escape(m.title)}**", "", f"- 标识：`{m.slug}`"  # a slug is [a-z0-9-]: nothing to escape in code
             + ("（将替换现有同名通知）" if staged.replaces else "")]
    for label, value in (("发文机关", m.issuer), ("发文字号", m.doc_number), ("成文日期", m.date),
                         ("主送", "；".join(m.recipients)), ("格式", m.source_format)):
        if value:
            lines.append(f"- {label}：{md_escape(value)}")
    for annex in m.annexes:
        lines.append(f"- 附件{annex.number}：{md_escape(annex.title)}" + ("" if annex.content_provided else "（原文未提供内容）"))
    for w in staged.warnings:
        lines.append(f"- ⚠ {md_escape(w)}")
    tree = [line.replace("`", "'") for line in staged.tree()]  # nothing may close the code fence
    lines += ["", f"条款（{len(staged.document.clauses)}）：", "", "```", *tree, "```"]
    return "\n".join(lines)


def staff_tab(source: Any) -> StaffTools:
    """Builds the 员工工具 tab and the staff API endpoints inside the current gr.Blocks/gr.Tabs."""
    tools = StaffTools(source)
    clauses = tools.clauses
    domains = list(tools.engine.rulebook.vocabulary.get("domains", [])) if tools.engine is not None else []

    def guarded(fn: Callable[..., str]) -> Callable[..., str]:
        """UI callbacks: a refused login or bad input becomes a message in the result box, never a trace."""
        def run(*args: Any) -> str:
            try:
                return fn(*args)
            except (StaffAuthError, ProfileError, UploadError) as exc:
                messages = exc.messages if isinstance(exc, ProfileError) else [str(exc)]
                return "\n".join(f"- {md_escape(m)}" for m in messages)
        return run

    # -- API endpoints (named; each checks the token) --------------------------------------------
    def staff_login(username: str, password: str, request: gr.Request) -> str:
        """Log in as staff; returns a session token for the other staff endpoints."""
        try:
            return tools.auth.login(username, password, client_of(request))
        except StaffAuthError as exc:
            raise gr.Error(str(exc)) from None

    def staff_logout(token: str) -> str:
        """End a staff session."""
        tools.auth.logout(token)
        return "已退出登录。"

    def staff_check(token: str, profile: str) -> dict:
        """Check a project or submission profile (JSON text, same format as `app.py check`)."""
        try:
            return tools.check(token, profile).model_dump(mode="json")
        except (StaffAuthError, UploadError) as exc:
            raise gr.Error(str(exc)) from None
        except ProfileError as exc:
            raise gr.Error("；".join(exc.messages)) from None

    def staff_outline(token: str, draft: FileData) -> dict:
        """Check an uploaded draft plan (.docx/.md/.txt) against Annex 1."""
        path = draft.get("path") if isinstance(draft, dict) else getattr(draft, "path", None)
        try:
            return tools.outline_check(token, path).model_dump(mode="json")
        except (StaffAuthError, UploadError) as exc:
            raise gr.Error(str(exc)) from None

    def staff_add_notice(token: str, notice: FileData, slug: str = "") -> str:
        """Add a notice file (.txt/.docx/.pdf/.html/.md) and publish it at once (editor role); returns its slug."""
        path = notice.get("path") if isinstance(notice, dict) else getattr(notice, "path", None)
        try:
            staged = tools.stage_notice(token, path, slug or None)
            return tools.publish_notice(token, staged.root.name)
        except (StaffAuthError, UploadError) as exc:
            raise gr.Error(str(exc)) from None

    # -- layout ---------------------------------------------------------------------------------
    with gr.Tab("员工工具", id="staff", elem_id="tab-staff"):
        token = gr.State(None)
        gr.Markdown("供工作人员使用：添加和发布通知、资格核对、方案格式检查和方案模板。需登录。", elem_id="staff-intro")
        with gr.Column(visible=True, elem_id="staff-login") as login_box:
            username = gr.Textbox(label="用户名", elem_id="staff-username")
            password = gr.Textbox(label="密码", type="password", elem_id="staff-password")
            login_btn = gr.Button("登录", variant="primary", elem_id="staff-login-btn")
        login_status = gr.Markdown("" if tools.auth.enabled else NOT_CONFIGURED, elem_id="staff-login-status")
        with gr.Column(visible=False, elem_id="staff-tools") as tools_box:
            logout_btn = gr.Button("退出登录", size="sm", elem_id="staff-logout-btn")
            with gr.Tab("通知管理"):
                staged_id = gr.State(None)
                n_file = gr.File(label=f"上传通知（.txt / .docx / .pdf / 网页 .html，不超过 "
                                       f"{tools.library.settings.max_notice_mb:g} MB）",
                                 file_types=[".txt", ".docx", ".pdf", ".html", ".htm", ".md"], type="filepath",
                                 elem_id="staff-notice-file")
                n_slug = gr.Textbox(label="标识（可选，小写字母、数字和连字符；同名则替换旧版本）", elem_id="staff-notice-slug")
                n_preview_btn = gr.Button("解析并预览", variant="primary", elem_id="staff-notice-preview")
                n_preview = gr.Markdown(elem_id="staff-notice-result")
                n_publish_btn = gr.Button("发布", variant="primary", visible=False, elem_id="staff-notice-publish")
            with gr.Tab("项目资格核对"):
                if tools.engine is None:
                    gr.Markdown(NO_RULES)
                p_fields = {
                    "project_name": gr.Textbox(label="项目名称"),
                    "unit_type": gr.Dropdown([UNSET] + [u.value for u in UnitType], value=UNSET, label="项目承担单位类型"),
                    "total_investment_wan": gr.Textbox(label="项目总投资（万元；也可写 0.5亿、五千万）"),
                    "category": gr.Dropdown([UNSET] + [c.value for c in Category], value=UNSET, label="项目类别"),
                    "domains": gr.CheckboxGroup(domains, label="应用领域（通知列出的九个领域）"),
                    "other_domains": gr.Textbox(label="其他应用领域（以顿号分隔）"),
                    "has_business_model": gr.Radio(YES_NO, value=UNSET, label="提出了商业模式和服务模式"),
                    "cross_enterprise_cross_industry": gr.Radio(YES_NO, value=UNSET, label="具备跨企业、跨行业的应用服务能力（服务类）"),
                    "signed_user_agreements": gr.Radio(YES_NO, value=UNSET, label="已与用户单位签署协议或合同（服务类）"),
                    "efficiency_gain": gr.Radio(YES_NO, value=UNSET, label="实施后有效提升生产和经营效率（集成类）"),
                    "follows_national_standards": gr.Radio(YES_NO, value=UNSET, label="参照国家物联网技术标准规范"),
                    "involves_identifier_management": gr.Radio(YES_NO, value=UNSET, label="涉及标识管理"),
                    "identifier_platform_compatible": gr.Radio(YES_NO, value=UNSET, label="与物联网标识管理公共服务平台兼容"),
                    "credit_rating": gr.Textbox(label="资信等级（如 AA）"),
                    "land_and_floor_area_controlled": gr.Radio(YES_NO, value=UNSET, label="严格控制征地和新增建筑面积"),
                }
                p_btn = gr.Button("核对项目", variant="primary", elem_id="staff-project-check")
                p_out = gr.Markdown(elem_id="staff-project-result")
            with gr.Tab("报送材料核对"):
                s_fields = {
                    "submitter": gr.Textbox(label="报送单位名称"),
                    "submitter_type": gr.Dropdown([UNSET] + [s.value for s in SubmitterType], value=UNSET, label="报送单位类型"),
                    "key_project_count": gr.Textbox(label="重点项目数量"),
                    "submitted_on": gr.Textbox(label="报送日期（如 2014-03-31）"),
                    "paper_copies": gr.Textbox(label="纸质材料份数"),
                    "includes_cd": gr.Radio(YES_NO, value=UNSET, label="附电子版光盘"),
                    "addressed_to": gr.Textbox(label="报送对象（如 国家发展改革委高技术产业司）"),
                }
                s_btn = gr.Button("核对报送材料", variant="primary", elem_id="staff-submission-check")
                s_out = gr.Markdown(elem_id="staff-submission-result")
            with gr.Tab("方案格式检查"):
                draft = gr.File(label=f"上传方案草稿（.docx / .md / .txt，不超过 {tools.limits.max_bytes // MB} MB）",
                                file_types=[".docx", ".md", ".txt"], type="filepath", elem_id="staff-draft")
                o_btn = gr.Button("检查格式", variant="primary", elem_id="staff-outline-check")
                o_out = gr.Markdown(elem_id="staff-outline-result")
                t_btn = gr.Button("生成方案模板（.docx）", elem_id="staff-template-btn")
                t_file = gr.File(label="方案模板", interactive=False, elem_id="staff-template-file")
        # Inside the tab: gr.Tabs accepts only gr.Tab children, and the endpoints' Api blocks are components.
        for endpoint in (staff_login, staff_logout, staff_check, staff_outline, staff_add_notice):
            gr.api(endpoint, api_name=endpoint.__name__)

    # -- UI callbacks (private; token from the server-side State) --------------------------------
    def on_login(user: str, pw: str, request: gr.Request) -> tuple[Any, ...]:
        try:
            new = tools.auth.login(user, pw, client_of(request))
        except StaffAuthError as exc:
            return None, md_escape(str(exc)), gr.update(visible=True), gr.update(visible=False), ""
        return new, f"已登录：{md_escape(tools.auth.username)}", gr.update(visible=False), gr.update(visible=True), ""

    def on_logout(current: str | None) -> tuple[Any, ...]:
        tools.auth.logout(current)
        return None, "已退出登录。", gr.update(visible=True), gr.update(visible=False)

    def form_check(kind: str, names: list[str]) -> Callable[..., str]:
        def run(current: str | None, *values: Any) -> str:
            report = tools.check(current, form_profile(kind, dict(zip(names, values, strict=True))))
            return verdicts_markdown(report.verdicts, report.overall, clauses)
        return guarded(run)

    def on_outline(current: str | None, path: str | None) -> str:
        return outline_markdown(tools.outline_check(current, path), tools.outline.clauses if tools.outline else clauses)

    def on_preview(current: str | None, path: str | None, slug: str, previous: str | None) -> tuple[Any, ...]:
        try:
            if previous:  # a new preview replaces one that was not published
                tools.discard_notice(current, previous)
            staged = tools.stage_notice(current, path, slug)
        except (StaffAuthError, UploadError) as exc:
            return None, f"- {md_escape(str(exc))}", gr.update(visible=False)
        return staged.root.name, staged_markdown(staged), gr.update(visible=True)

    def on_publish(current: str | None, sid: str | None) -> tuple[Any, ...]:
        try:
            slug = tools.publish_notice(current, sid)
        except (StaffAuthError, UploadError) as exc:
            return sid, f"- {md_escape(str(exc))}", gr.update(visible=sid is not None)
        except Exception:
            log.exception("publishing a notice failed")
            return None, "- 发布失败，原通知保持不变，请稍后再试。", gr.update(visible=False)
        return None, f"已发布：`{slug}`。刷新页面后可在“选择通知”中选择它。", gr.update(visible=False)

    def on_template(current: str | None) -> Any:
        try:
            return tools.template(current)
        except (StaffAuthError, UploadError) as exc:
            raise gr.Error(str(exc)) from None

    private = dict(api_visibility="private", show_progress="hidden")
    login_btn.click(on_login, [username, password], [token, login_status, login_box, tools_box, password], **private)
    password.submit(on_login, [username, password], [token, login_status, login_box, tools_box, password], **private)
    logout_btn.click(on_logout, token, [token, login_status, login_box, tools_box], **private)
    p_btn.click(form_check("project", list(p_fields)), [token, *p_fields.values()], p_out, **private)
    s_btn.click(form_check("submission", list(s_fields)), [token, *s_fields.values()], s_out, **private)
    o_btn.click(guarded(on_outline), [token, draft], o_out, **private)
    n_preview_btn.click(on_preview, [token, n_file, n_slug, staged_id], [staged_id, n_preview, n_publish_btn], **private)
    n_publish_btn.click(on_publish, [token, staged_id], [staged_id, n_preview, n_publish_btn], **private)
    t_btn.click(on_template, token, t_file, **private)
    return tools
