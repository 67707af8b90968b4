"""Questions with several parts: 材料最迟什么时候交？还有，一个项目3000万能报吗.

Real users ask two or three things in one message. Each part is retrieved and answered on its own, with
the statements around it (我们是高校。) as shared context, and each cites its own clause; a part the notice
does not answer says so while the others are answered. The words that mark a new part are data
(rules/question_parts.yaml).
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

PARTS_FILE = Path(__file__).resolve().parent.parent / "rules/question_parts.yaml"
_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+")


class PartRules(BaseModel):
    max_parts: int = 4
    min_chars: int = 4  # a part shorter than this (in CJK characters or Latin words) joins its neighbour
    connectives: list[str]  # open a new part after a comma: 还有 / 另外 / 以及 / 顺便问一下
    question_cues: list[str]  # a sentence with one of these asks something; one without is context
    respectively: list[str] = []  # 分别: the same ask of two joined topics
    joiners: list[str] = []  # 和 / 与 / 、 join the topics
    respective_values: list[str] = []  # the shared ask must ask one of these (a date, a figure) to be split

    @cached_property
    def respective_pattern(self) -> re.Pattern[str] | None:
        if not self.respectively or not self.joiners:
            return None
        each = "|".join(map(re.escape, sorted(self.respectively, key=len, reverse=True)))
        join = "|".join(map(re.escape, sorted(self.joiners, key=len, reverse=True)))
        topic = r"[^，,。？?！!；;\s和与及跟、的]{2,14}"  # the shared ask starts at 的
        return re.compile(rf"^(?P<a>{topic})(?:{join})(?P<b>{topic})(?P<ask>[^，,。？?！!；;]*?)(?:{each})(?P<rest>.*)$")


@lru_cache(maxsize=2)
def load_part_rules(path: Path = PARTS_FILE) -> PartRules:
    with open(path, encoding="utf-8") as fh:
        return PartRules.model_validate(yaml.safe_load(fh) or {})


def _size(text: str) -> int:
    return len(_CJK_OR_WORD.findall(text))


def _sentences(text: str, rules: PartRules) -> list[str]:
    """Sentences at 。？！?! (and ; between asks), then at a comma followed by a connective."""
    pieces = [p for p in re.split(r"(?<=[。？！?!；;])", text) if p.strip()]
    connective = "|".join(re.escape(c) for c in sorted(rules.connectives, key=len, reverse=True))
    out: list[str] = []
    for piece in pieces:
        out += [p for p in re.split(rf"[，,、]\s*(?=(?:{connective}))", piece) if p.strip()]
    return [p.strip() for p in out]


def _respective(sentence: str, rules: PartRules) -> list[str]:
    """网上申报和纸质材料寄送的截止时间分别是什么时候 -> 网上申报的截止时间是什么时候, 纸质材料寄送的截止时间是什么时候."""
    pattern = rules.respective_pattern
    m = pattern.match(sentence) if pattern else None
    if m is None:
        return [sentence]
    tail = m["ask"] + m["rest"]
    if not any(word in tail.lower() for word in rules.respective_values):
        return [sentence]
    return [m["a"] + tail, m["b"] + tail]


def split_parts(question: str, rules: PartRules | None = None) -> list[str]:
    """The asks in a question, each carrying the statements before it as context; [question] when it asks one thing."""
    rules = rules or load_part_rules()
    sentences = [part for s in _sentences(question, rules) for part in _respective(s, rules)]
    if len(sentences) < 2:
        return [question]
    asks: list[str] = []
    context: list[str] = []
    lead: str | None = None  # statements before the first ask: context for every part (我们是高校。能报吗？截止哪天？)
    for s in sentences:
        if not any(cue in s.lower() for cue in rules.question_cues):
            context.append(s)  # a statement is context for what follows
            continue
        if asks and _size(s) < rules.min_chars:
            asks[-1] += s  # too short to stand alone: part of the previous ask
            continue
        if lead is None:
            lead = "".join(context)
        asks.append("".join(context) + s)
        context = []
    if context and asks:  # statements after the last ask still describe the asker
        asks[-1] += "".join(context)
    if len(asks) < 2 or len(asks) > rules.max_parts:
        return [question]
    return [asks[0]] + [a if not lead or a.startswith(lead) else lead + a for a in asks[1:]]
