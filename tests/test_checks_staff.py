"""The staff tab: login enforced on the server (API endpoints and UI callbacks), the form, the upload.

The app is the real build_app with staff credentials, served on a free port; the applicants'
/ask endpoint stays open without any login.
"""

from pathlib import Path

import bcrypt
import docx
import pytest
from pydantic import SecretStr

from checks.uploads import UploadError
from web.staff import (
    BAD_LOGIN,
    EXPIRED,
    LOGIN_REQUIRED,
    NOT_CONFIGURED,
    StaffAuth,
    StaffAuthError,
    StaffTools,
    form_profile,
)

pytest_plugins = ["tests.conftest_web"]

PASSWORD = "正确的密码-2014"
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()  # low cost: tests only


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- StaffAuth -------------------------------------------------------------------------------
def test_login_issues_a_session_that_expires_and_can_be_revoked():
    clock = Clock()
    auth = StaffAuth("staff", SecretStr(HASH), session_minutes=1, clock=clock)
    token = auth.login("staff", PASSWORD)
    auth.require(token)
    clock.now += 61
    with pytest.raises(StaffAuthError, match=EXPIRED):
        auth.require(token)
    token = auth.login("staff", PASSWORD)
    auth.logout(token)
    with pytest.raises(StaffAuthError, match=LOGIN_REQUIRED):
        auth.require(token)


@pytest.mark.parametrize(("user", "password"), [("staff", "wrong"), ("other", PASSWORD), ("", ""), ("staff", "")])
def test_wrong_credentials_are_refused(user, password):
    with pytest.raises(StaffAuthError, match=BAD_LOGIN):
        StaffAuth("staff", SecretStr(HASH)).login(user, password)


@pytest.mark.parametrize("token", [None, "", "forged-token", 123])
def test_requests_without_a_live_session_are_refused(token):
    with pytest.raises(StaffAuthError, match=LOGIN_REQUIRED):
        StaffAuth("staff", SecretStr(HASH)).require(token)


@pytest.mark.parametrize(("user", "hashed"), [(None, None), ("staff", None), ("staff", SecretStr(PASSWORD))])
def test_unconfigured_or_plain_text_password_keeps_the_tab_locked(user, hashed):
    auth = StaffAuth(user, hashed)
    assert not auth.enabled
    for attempt in (lambda: auth.login("staff", PASSWORD), lambda: auth.require("x")):
        with pytest.raises(StaffAuthError, match="未配置"):
            attempt()


def test_form_fields_become_a_profile():
    values = {"unit_type": "企业法人", "total_investment_wan": " 0.5亿 ", "domains": ["工业"], "other_domains": "智慧旅游、文化",
              "has_business_model": "未填写", "credit_rating": ""}
    assert form_profile("project", values) == {"kind": "project", "unit_type": "企业法人", "total_investment_wan": "0.5亿",
                                               "domains": ["工业", "智慧旅游", "文化"]}


# -- over HTTP, with the real app -----------------------------------------------------------------
@pytest.fixture(scope="module")
def staff_app(service, tmp_path_factory):
    """The full UI (chat + notice + staff tab) for a service with staff credentials, sharing the session index."""
    from assistant.service import AssistantService
    from tests.conftest_web import free_port
    from web.app import build_app
    from web.feedback import FeedbackStore

    settings = service.settings.model_copy(update={"staff_username": "staff", "staff_password_hash": SecretStr(HASH)})
    staff_service = AssistantService(settings)
    demo = build_app(staff_service, FeedbackStore(tmp_path_factory.mktemp("fb") / "feedback.db"))
    demo.queue()
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, ssr_mode=False)
    try:
        yield f"http://127.0.0.1:{port}/", staff_service
    finally:
        demo.close()


@pytest.fixture(scope="module")
def client(staff_app):
    from gradio_client import Client

    return Client(staff_app[0], verbose=False, analytics_enabled=False, download_files=False)


@pytest.fixture(scope="module")
def token(client):
    return client.predict("staff", PASSWORD, api_name="/staff_login")


@pytest.fixture(scope="module")
def draft_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("draft") / "draft.docx"
    document = docx.Document()
    for text, level in [("一、地方经济社会发展现状与战略定位", 1), ("五、配套政策措施", 1), ("六、重点项目实施方案", 1),
                        ("重点项目一：智慧物流", 2), ("（一）承担单位基本情况和财务状况", 3)]:
        document.add_heading(text, level=level)
    document.save(str(path))
    return path


STAFF_CALLS = [
    ("/staff_check", lambda tok, _: (tok, '{"total_investment_wan": 4000}')),
    ("/staff_outline", lambda tok, path: (tok, path)),
]


@pytest.mark.parametrize("bad_token", ["", "forged-token", "x" * 43])
@pytest.mark.parametrize(("endpoint", "args"), STAFF_CALLS)
def test_staff_endpoints_refuse_calls_without_a_valid_session(client, draft_path, bad_token, endpoint, args):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=LOGIN_REQUIRED):
        client.predict(*args(bad_token, handle_file(str(draft_path))), api_name=endpoint)


def test_staff_login_refuses_a_wrong_password(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=BAD_LOGIN):
        client.predict("staff", "guess", api_name="/staff_login")


def test_staff_check_with_a_session(client, token):
    report = client.predict(token, '{"total_investment_wan": "0.5亿", "unit_type": "企业法人"}', api_name="/staff_check")
    investment = next(v for v in report["verdicts"] if v["rule_id"] == "project.investment")
    assert investment["verdict"] == "pass" and investment["clause_ids"] == ["notice.3.4"]


def test_staff_check_bad_profile_gets_a_message(client, token):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="JSON 格式错误"):
        client.predict(token, "{not json", api_name="/staff_check")
    with pytest.raises(AppError, match="取值“大学”无效"):
        client.predict(token, '{"unit_type": "大学"}', api_name="/staff_check")


def test_staff_outline_upload_with_a_session(client, token, draft_path, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    report = client.predict(token, handle_file(str(draft_path)), api_name="/staff_outline")
    missing = {f["clause_ids"][0] for f in report["findings"] if f["rule_id"] == "outline.missing_section"}
    assert {"annex1.2", "annex1.3", "annex1.4"} <= missing and report["overall"] == "fail"
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    with pytest.raises(AppError, match="空的"):
        client.predict(token, handle_file(str(empty)), api_name="/staff_outline")


def test_logout_ends_the_session(client):
    from gradio_client.exceptions import AppError

    own = client.predict("staff", PASSWORD, api_name="/staff_login")
    client.predict(own, api_name="/staff_logout")
    with pytest.raises(AppError, match=LOGIN_REQUIRED):
        client.predict(own, "{}", api_name="/staff_check")


def test_applicants_chat_needs_no_login(client):
    answer = client.predict("我们公司是企业法人，投资4000万元，可以申报吗？", None, api_name="/ask")
    assert answer["citations"][0]["id"] == "notice.3.4" and "fail" in answer["answer"]


def test_ui_callbacks_check_the_session_too(staff_app, draft_path):
    """The tab's own callbacks go through StaffTools, which refuses a missing or forged token."""
    tools = StaffTools(staff_app[1])
    for call in (lambda t: tools.check(t, "{}"), lambda t: tools.outline_check(t, str(draft_path)), tools.template):
        for bad in (None, "forged"):
            with pytest.raises(StaffAuthError, match=LOGIN_REQUIRED):
                call(bad)
    token = tools.auth.login("staff", PASSWORD)
    assert Path(tools.template(token)).suffix == ".docx"
    with pytest.raises(UploadError):  # a path outside Gradio's upload folder is never read
        tools.outline_check(token, str(draft_path))


def test_staff_tab_is_locked_without_credentials(service):
    assert not StaffTools(service).auth.enabled
    with pytest.raises(StaffAuthError, match=NOT_CONFIGURED[:6]):
        StaffTools(service).check("anything", "{}")


def test_repeated_wrong_passwords_are_throttled_without_a_bcrypt_check(monkeypatch):
    """The probe: 30 wrong passwords were all answered, and the right one still worked after them."""
    import bcrypt as real_bcrypt

    now = [1000.0]
    auth = StaffAuth("staff", SecretStr(HASH), clock=lambda: now[0], free_failures=5, lockout_s=900)
    checks = []
    original = real_bcrypt.checkpw
    monkeypatch.setattr("web.staff.bcrypt.checkpw", lambda pw, h: checks.append(1) or original(pw, h))
    messages = []
    for _ in range(30):
        with pytest.raises(StaffAuthError) as info:
            auth.login("staff", "wrong", client="10.1.2.3")
        messages.append(str(info.value))
    assert len(checks) == 5  # after 5 failures, tries are refused before bcrypt runs
    assert "请" in messages[-1] and "秒后再试" in messages[-1]
    with pytest.raises(StaffAuthError, match="秒后再试"):
        auth.login("staff", PASSWORD, client="10.9.9.9")  # the right password, but the account is throttled
    assert len(checks) == 5
    now[0] += 2.0  # the 6th failure's wait (1 s) is over …
    with pytest.raises(StaffAuthError, match="用户名或密码错误"):
        auth.login("staff", "wrong", client="10.1.2.3")
    now[0] += 1.5  # … the 7th must wait 2 s
    with pytest.raises(StaffAuthError, match="秒后再试"):
        auth.login("staff", PASSWORD)
    now[0] += 1.0
    assert auth.login("staff", PASSWORD)  # waited long enough: the right password works and clears the count
    assert auth.wait_s("staff") == 0.0


def test_staff_add_a_notice_preview_then_publish(tmp_path):
    """员工工具 → 通知管理: an upload is parsed into staging (tree, warnings, metadata), then published atomically."""
    import shutil

    from gradio.utils import get_upload_folder

    from assistant.library import NoticeLibrary
    from assistant.settings import Settings
    from tests.paths import COLLECTED
    from web.staff import StaffTools, UploadError, staged_markdown

    library = NoticeLibrary(Settings(data_dir=tmp_path / "data"))
    auth = StaffAuth("staff", SecretStr(HASH))
    tools = StaffTools(library, auth)
    upload_dir = Path(get_upload_folder()) / "test-staff-notice"
    upload_dir.mkdir(parents=True, exist_ok=True)
    upload = upload_dir / "hust-2021-call.txt"
    shutil.copyfile(COLLECTED / "hust-2021-basic-resources-call/source.txt", upload)
    with pytest.raises(StaffAuthError):
        tools.stage_notice(None, str(upload))  # no session, no staging
    token = auth.login("staff", PASSWORD)
    with pytest.raises(UploadError, match="重新上传"):
        tools.stage_notice(token, str(COLLECTED / "hust-2021-basic-resources-call/source.txt"))  # not an upload
    staged = tools.stage_notice(token, str(upload), "hust-call")
    preview = staged_markdown(staged)
    assert "notice.3  校内联系人" in preview and "标识：`hust-call`" in preview
    assert "hust-call" not in library.slugs()  # staged, not live
    assert tools.publish_notice(token, staged.root.name) == "hust-call"
    assert "hust-call" in library.slugs()
    assert "zdyfjh@hust.edu.cn" in library.service("hust-call").ask("联系邮箱是什么？").answer
    with pytest.raises(UploadError, match="没有待发布"):
        tools.publish_notice(token, staged.root.name)  # published once
    shutil.rmtree(upload_dir, ignore_errors=True)
