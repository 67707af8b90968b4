"""The notice library: packs, adding notices in every format, atomic publishing, removal, the LRU bound, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.library import LibraryError, NoticeLibrary, UnknownNotice, slug_for
from assistant.settings import Settings
from corpus.formats import NoticeFileError
from corpus.packs import load_pack
from tests.paths import COLLECTED, FLAGSHIP, SECOND

FORMATS = Path(__file__).parent / "fixtures/formats"
CHROME = ("ICP备", "网站标识码", "返回顶部", "关闭窗口", "当前位置", "版权所有", "【打印】")
PRINCIPLES = "个人所得税纳税信用建设要坚持哪些原则？"


def collected_sources() -> list[Path]:
    return sorted(p for p in COLLECTED.glob("*/source.*"))


@pytest.fixture(scope="session")
def library(tmp_path_factory) -> NoticeLibrary:
    """The shipped notices, with indexes in a temporary data folder (the flagship's is not built here)."""
    return NoticeLibrary(Settings(data_dir=tmp_path_factory.mktemp("library")))


@pytest.fixture()
def scratch_library(tmp_path) -> NoticeLibrary:
    return NoticeLibrary(Settings(data_dir=tmp_path / "data"))


def test_the_shipped_packs_and_the_default(library):
    assert {"ndrc-2013-iot-pilot", "ndrc-2019-tax-credit"} <= set(library.slugs())
    assert library.default_slug() == "ndrc-2013-iot-pilot"  # notices/library.yaml
    assert library.pack(None).slug == "ndrc-2013-iot-pilot"
    with pytest.raises(UnknownNotice, match="可用的通知"):
        library.pack("no-such-notice")


def test_a_pack_with_only_a_source_has_its_features_off():
    flagship, second = load_pack(FLAGSHIP), load_pack(SECOND)
    assert all(flagship.features.values())
    assert not any(second.features.values())
    assert "资格核对规则" in second.missing_features() and "示例问题" in second.missing_features()


def test_the_second_notice_answers_with_a_verbatim_cited_quote(library):
    service = library.service("ndrc-2019-tax-credit")
    answer = service.ask(PRINCIPLES)
    assert answer.status == "answered" and answer.notice == "ndrc-2019-tax-credit"
    assert answer.citations and all(c.notice == "ndrc-2019-tax-credit" for c in answer.citations)
    for c in answer.citations:
        assert service.clauses[c.id].text[c.start:c.end] == c.quote
    assert "依法推进原则" in answer.answer
    assert service.checker is None  # no rules in its pack: no verdicts, no crash


def test_a_notice_without_rules_gets_no_verdicts_for_stated_facts(library):
    answer = library.service("ndrc-2019-tax-credit").ask("我们是企业法人，投资4000万元，可以申报吗？")
    assert "核对结论" not in answer.answer


@pytest.mark.parametrize("source", collected_sources(), ids=lambda p: p.parent.name)
def test_each_collected_notice_stages_to_a_sensible_tree_without_chrome(scratch_library, source):
    staged = scratch_library.stage(source.read_bytes(), str(source))
    ids = [c.id for c in staged.document.clauses]
    assert len(ids) >= 4 and len(set(ids)) == len(ids)
    body = [c for c in staged.document.clauses if c.id.startswith("notice.") and c.id.split(".")[1][:1].isdigit()]
    assert len(body) >= 2, staged.tree()  # numbered clauses were found, not one blob
    for c in staged.document.clauses:
        assert not any(mark in c.text for mark in CHROME), (c.id, c.text[:80])
    assert staged.meta.title and staged.meta.slug == source.parent.name
    assert (staged.root / staged.meta.source).read_bytes() == source.read_bytes()  # kept as published
    staged.discard()
    assert not staged.root.exists()


def test_a_regulation_is_read_by_chapter_and_article(scratch_library):
    source = COLLECTED / "samr-2022-market-entity-registration-rules/source.md"
    staged = scratch_library.stage(source.read_bytes(), str(source))
    by_id = staged.document.by_id()
    assert staged.document.structure == "regulation"
    assert by_id["notice.2.12"].marker.endswith("第十二条")
    from retrieval.structure import StructureResolver

    resolver = StructureResolver(by_id)
    assert resolver.resolve("第十二条规定了什么") == "notice.2.12" == resolver.resolve("第12条说的啥")
    assert resolver.cited("《条例》第十二条规定了什么") is None  # another document's article, not this one's
    staged.discard()


def test_the_web_page_copy_gives_its_metadata_table(scratch_library):
    page = FORMATS / "ndrc-2013-iot-pilot.html"
    staged = scratch_library.stage(page.read_bytes(), "ndrc-2013-iot-pilot.html", "iot-web-copy")
    assert staged.meta.source_format == "html" and staged.meta.date == "2013-10-31"
    assert staged.meta.issuer == "国家发展改革委办公厅"
    txt = load_pack(FLAGSHIP)
    from corpus.loader import load_notice

    expected = [(c.id, c.text) for c in load_notice(txt.text_path).clauses]
    assert [(c.id, c.text) for c in staged.document.clauses] == expected
    staged.discard()


@pytest.mark.parametrize(("name", "code"), [
    ("synthetic-empty.txt", "empty"), ("synthetic-scanned.pdf", "scanned_pdf"),
    ("synthetic-encrypted.pdf", "encrypted"), ("synthetic-encrypted.docx", "encrypted"),
    ("synthetic-not-a-notice.txt", "not_a_notice"), ("synthetic-not-a-zip.docx", "corrupt"),
])
def test_bad_files_get_a_message_and_leave_nothing(scratch_library, name, code):
    path = FORMATS / name
    with pytest.raises(NoticeFileError) as info:
        scratch_library.stage(path.read_bytes(), name)
    assert info.value.code == code and any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))
    assert not scratch_library.settings.library_dir.exists() or not any(scratch_library.settings.library_dir.rglob("*"))


def _revised(tmp_path: Path) -> tuple[Path, Path]:
    """A real short notice, and a revised version of it (synthetic: one phone number changed)."""
    original = COLLECTED / "hust-2021-basic-resources-call/source.txt"
    revised = tmp_path / "hust-2021-basic-resources-call.txt"
    revised.write_bytes(original.read_bytes().replace(b"87558315", b"87550000"))
    return original, revised


def test_publishing_is_atomic_and_a_revision_replaces_the_old_version(scratch_library, tmp_path):
    original, revised = _revised(tmp_path)
    slug = "hust-call"
    _, first = scratch_library.add(original, slug)
    question = "校内联系人电话是多少？"
    assert "87558315" in first.ask(question).answer

    seen_during_build: list[str] = []

    def progress(done: int, total: int) -> None:  # mid-build, applicants still get the old version
        seen_during_build.append(scratch_library.service(slug).ask(question).answer)

    staged = scratch_library.stage(revised.read_bytes(), revised.name, slug)
    assert staged.replaces
    second = scratch_library.publish(staged, progress)
    assert seen_during_build and all("87558315" in a for a in seen_during_build)
    assert "87550000" in second.ask(question).answer
    assert "87550000" in scratch_library.service(slug).ask(question).answer
    versions = [p.name for p in (scratch_library.settings.library_dir / slug).iterdir()]
    assert sorted(versions) == ["CURRENT", f"v-{second.pack.text_sha256[:12]}"]  # the old version is gone


def test_a_failed_build_keeps_the_old_version_and_leaves_no_staging(scratch_library, tmp_path):
    original, revised = _revised(tmp_path)
    slug = "hust-call"
    scratch_library.add(original, slug)

    def crash(done: int, total: int) -> None:
        raise KeyboardInterrupt("killed mid-build")

    staged = scratch_library.stage(revised.read_bytes(), revised.name, slug)
    with pytest.raises(KeyboardInterrupt):
        scratch_library.publish(staged, crash)
    assert "87558315" in scratch_library.service(slug).ask("校内联系人电话是多少？").answer
    assert not [p for p in (scratch_library.settings.library_dir / slug).iterdir() if p.name.startswith(".staging")]


def test_remove_takes_an_added_notice_away_and_refuses_a_shipped_one(scratch_library, tmp_path):
    original, _ = _revised(tmp_path)
    scratch_library.add(original, "hust-call")
    assert "hust-call" in scratch_library.slugs()
    scratch_library.remove("hust-call")
    assert "hust-call" not in scratch_library.slugs()
    assert not (scratch_library.settings.index_dir / "hust-call").exists()
    with pytest.raises(LibraryError, match="不能删除"):
        scratch_library.remove("ndrc-2019-tax-credit")
    with pytest.raises(UnknownNotice):
        scratch_library.remove("hust-call")


def test_at_most_max_notices_in_memory_stay_loaded(tmp_path):
    library = NoticeLibrary(Settings(data_dir=tmp_path / "data", max_notices_in_memory=1))
    library.service("ndrc-2013-iot-pilot")
    library.service("ndrc-2019-tax-credit")
    assert library.loaded() == ["ndrc-2019-tax-credit"]
    library.service("ndrc-2013-iot-pilot")
    assert library.loaded() == ["ndrc-2013-iot-pilot"]


@pytest.mark.parametrize(("filename", "slug"), [
    ("eval/notices/hust-2021-basic-resources-call/source.txt", "hust-2021-basic-resources-call"),
    ("Notice_2024 (final).PDF", "notice-2024-final"), ("关于开展试点的通知.docx", "fallback-x"),
])
def test_slugs_come_from_file_or_folder_names(filename, slug):
    assert slug_for(filename, "fallback-x") == slug


def test_cli_add_list_ask_remove(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    source = COLLECTED / "hust-2021-basic-resources-call/source.txt"
    assert main(["notices", "add", str(source), "--slug", "hust-call"]) == 0
    out = capsys.readouterr().out
    assert "notice.3  校内联系人" in out and "已发布：hust-call" in out and "未配置" in out
    assert main(["notices", "list"]) == 0
    listed = capsys.readouterr().out
    assert "hust-call" in listed and "* ndrc-2013-iot-pilot" in listed
    assert main(["ask", "--notice", "hust-call", "--json", "联系人邮箱是什么"]) == 0
    assert "zdyfjh@hust.edu.cn" in capsys.readouterr().out
    assert main(["ask", "--notice", "nope", "你好"]) == 2
    assert "找不到通知" in capsys.readouterr().err
    assert main(["notices", "remove", "hust-call"]) == 0
    assert main(["notices", "remove", "ndrc-2019-tax-credit"]) == 2
    assert "不能删除" in capsys.readouterr().err


def test_cli_refuses_a_bad_file_with_a_message(tmp_path, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    assert main(["notices", "add", str(FORMATS / "synthetic-scanned.pdf")]) == 2
    err = capsys.readouterr().err
    assert "无法添加" in err and "Traceback" not in err
    assert main(["notices", "add", str(tmp_path / "missing.txt")]) == 2
    assert not (tmp_path / "data" / "notices").exists() or not any((tmp_path / "data" / "notices").rglob("*.txt"))


def test_eval_runs_a_gold_set_against_a_notice_file(tmp_path):
    """A bare FILE is added as a temporary pack; items judged by evidence strings where IDs are unknown."""
    import json
    import subprocess
    import sys

    from assistant.settings import ROOT

    gold = tmp_path / "gold.jsonl"
    items = [
        {"id": "e1", "question": "校内联系人的邮箱是什么？", "expected_evidence": ["zdyfjh@hust.edu.cn"],
         "must_include": ["zdyfjh@hust.edu.cn"]},
        {"id": "e2", "question": "明天杭州天气怎么样？", "answerable": False},
    ]
    gold.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "eval", "--notice", str(COLLECTED / "hust-2021-basic-resources-call/source.txt"),
                           "--gold", str(gold), "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    assert metrics["evidence_hit@1"] == 1.0 and metrics["answer_accuracy"] == 1.0
