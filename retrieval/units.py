"""The unit a question asks a figure in (多少家, 几个月), and whether a quote states a figure in it.

A question that names its unit is answered only by a figure in that unit's family: 规模以上工业企业有多少家 is
not answered by a clause of growth rates that shares its words. The families are data (rules/units.yaml).
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

UNITS_FILE = Path(__file__).resolve().parent.parent / "rules" / "units.yaml"
# 几 after these asks no figure: 有几家 (several), 哪几个 (which), 第几个 (a position), 好几个, 某几个.
_NOT_ASKING = "有过了这那好哪第某"
_CN_DIGITS = "一二两三四五六七八九十百千半"
_CN_FIGURE = f"[{_CN_DIGITS}]+"


class UnitFamily(BaseModel):
    asked: list[str]
    stated: list[str]
    max_digits: int | None = None  # durations: 2026年 is a date, not a number of years
    one_is_article: bool = False

    @cached_property
    def stated_pattern(self) -> re.Pattern[str]:
        words = "|".join(map(re.escape, sorted(self.stated, key=len, reverse=True)))
        digits = rf"\d{{1,{self.max_digits}}}" if self.max_digits else r"\d+"
        chinese = rf"(?!一(?![{_CN_DIGITS}])){_CN_FIGURE}" if self.one_is_article else _CN_FIGURE
        figure = rf"(?<![\d.{_CN_DIGITS}])(?:{digits}(?:[.,]\d+)*|{chinese})\s*"
        return re.compile(figure + rf"(?:万|亿)?\s*个?\s*(?:{words})", re.IGNORECASE)


class UnitRules(BaseModel):
    families: dict[str, UnitFamily]
    not_figures: list[str] = []

    @cached_property
    def _asked_pattern(self) -> re.Pattern[str]:
        words = sorted({w for f in self.families.values() for w in f.asked}, key=len, reverse=True)
        stop = "|".join(map(re.escape, self.not_figures))
        alternatives = "|".join(map(re.escape, words))
        return re.compile(rf"(?:多少|(?<![{_NOT_ASKING}])几)\s*({alternatives})(?!{stop})" if stop else
                          rf"(?:多少|(?<![{_NOT_ASKING}])几)\s*({alternatives})")

    @cached_property
    def _family_of(self) -> dict[str, str]:
        return {w: name for name, f in self.families.items() for w in f.asked}

    def asked(self, question: str) -> list[str]:
        """The unit families the question asks figures in, in order of mention."""
        found = [self._family_of[m.group(1)] for m in self._asked_pattern.finditer(question.lower())]
        return list(dict.fromkeys(found))

    def stated(self, text: str, family: str) -> bool:
        """The text states a figure in the family's units (一式两份, 10家, 3个工作日)."""
        return bool(self.families[family].stated_pattern.search(text))


@lru_cache(maxsize=2)
def load_unit_rules(path: Path = UNITS_FILE) -> UnitRules:
    with open(path, encoding="utf-8") as fh:
        return UnitRules.model_validate(yaml.safe_load(fh) or {})
