"""Each prompt data file in prompts/ renders exactly as written here: a wording change must show up in this diff."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from corpus.models import Clause
from llm.prompts import PROMPTS_DIR, format_clauses, format_facts, format_history, load_prompt
from retrieval.followup import Turn

ANSWER_SYSTEM = """你是国家发展改革委办公厅《关于组织开展2014-2016年国家物联网重大应用示范工程区域试点工作的通知》的咨询助手，像一位耐心、严谨的工作人员那样答复提问。

作答规则：
1. 只依据下面给出的编号条款作答，不使用条款以外的任何知识，不猜测，不补充原文没有的内容。
2. 每一句陈述事实的话，句末都用〔条款ID〕标注出处，例如：单个项目投资规模原则上不低于5000万元〔notice.3.4〕。一句话依据多个条款时，依次写出多个标注，例如〔notice.3.1〕〔notice.3.4〕。只能使用给出的条款ID，不得编造。
3. 给出的条款没有规定所问内容时，只回答：原文未作规定。
4. “已核定事实”是规则引擎依据原文得出的结论，必须据此作答，不得推翻或改变。
5. 用提问者使用的语言回答；条款ID保持原样，不翻译。
6. 先直接回答问题，再列出必要的细节；语言简洁，不使用Markdown标题或表格。"""

ANSWER_HUMAN = """编号条款：
[1] notice.3.4（正文 三（四）投资规模）
（四）投资规模。单个项目投资规模原则上不低于5000万元。

[2] annex2（附件2 重点项目及项目单位基本情况表）
重点项目及项目单位基本情况表（原文仅有标题，未提供具体内容）

已核定事实：
- 不符合（fail）：项目总投资3000万元，低于5000万元。

问题：投资3000万元的项目能申报吗？"""

CONDENSE_SYSTEM = """你负责改写追问。根据对话记录，把用户的最新问题改写成一个不依赖上下文、可以单独理解的完整问题。
要求：
1. 保留最新问题的语言和原意，补全省略的对象、主语或所指条款，例如“那事业单位呢？”要写明具体在问什么。
2. 最新问题本身已经完整时，原样输出。
3. 不回答问题，不解释，只输出改写后的一个问题。"""

CONDENSE_HUMAN = """对话记录：
用户：项目承担单位必须是企业法人吗？
助手：根据通知原文： 「项目承担单位原则上应为企业法人」〔正文 三（一）〕

最新问题：那事业单位呢？

改写后的问题："""


def clause(cid: str, label: str, text: str, provided: bool = True) -> Clause:
    return Clause(id=cid, level=2, label=label, marker=label, heading=label, text=text, start=0, end=len(text),
                  content_provided=provided)


def test_every_prompt_file_has_a_rendering_test() -> None:
    assert sorted(p.stem for p in PROMPTS_DIR.glob("*.yaml")) == ["answer", "condense"]


def test_answer_prompt_renders_exactly() -> None:
    clauses = [
        clause("notice.3.4", "正文 三（四）投资规模", "（四）投资规模。单个项目投资规模原则上不低于5000万元。"),
        clause("annex2", "附件2 重点项目及项目单位基本情况表", "重点项目及项目单位基本情况表", provided=False),
    ]
    messages = load_prompt("answer").format_messages(
        clauses=format_clauses(clauses), facts=format_facts(["不符合（fail）：项目总投资3000万元，低于5000万元。"]),
        question="投资3000万元的项目能申报吗？",
    )
    assert messages == [SystemMessage(content=ANSWER_SYSTEM), HumanMessage(content=ANSWER_HUMAN)]


def test_answer_prompt_without_facts_says_none() -> None:
    messages = load_prompt("answer").format_messages(clauses="[1] x", facts=format_facts([]), question="问？")
    assert messages[1].content == "编号条款：\n[1] x\n\n已核定事实：\n（无）\n\n问题：问？"


def test_condense_prompt_renders_exactly() -> None:
    history = [Turn(role="user", content="项目承担单位必须是企业法人吗？"),
               Turn(role="assistant", content="根据通知原文：\n「项目承担单位原则上应为企业法人」〔正文 三（一）〕")]
    messages = load_prompt("condense").format_messages(history=format_history(history), question="那事业单位呢？")
    assert messages == [SystemMessage(content=CONDENSE_SYSTEM), HumanMessage(content=CONDENSE_HUMAN)]


def test_history_keeps_the_last_turns_and_cuts_long_answers() -> None:
    history = [Turn(role="user" if i % 2 == 0 else "assistant", content=f"第{i}条" + "长" * 400) for i in range(10)]
    lines = format_history(history).split("\n")
    assert len(lines) == 6 and lines[0].startswith("用户：第4条")
    assert all(len(line) <= 3 + 300 + 1 for line in lines) and lines[0].endswith("…")


@pytest.mark.parametrize("name", ["answer", "condense"])
def test_prompt_variables_are_the_documented_ones(name: str) -> None:
    expected = {"answer": {"clauses", "facts", "question"}, "condense": {"history", "question"}}[name]
    assert set(load_prompt(name).input_variables) == expected
