"""Typos read as the notice's own word that sounds the same: 申抱 -> 申报, 正策 -> 政策, 几分材料 -> 几份.

Chinese typing goes through pinyin, so the common typo is a homophone. A run of two to four characters in
the question that the notice never uses, whose toneless pinyin equals that of a word the notice does use,
is read as that word: the word is added to the query like a term-list expansion. Generic: the vocabulary is
the notice's own words. A typo is not a word, so the segmenter leaves it as single characters: only runs of
single-character tokens are read this way, never a window across real words (车间里 is not 建立). Needs
pypinyin; without it the corrector is off, with a message.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Callable, Iterable
from functools import cached_property

log = logging.getLogger(__name__)

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
MIN_LEN, MAX_LEN = 2, 4


class TypoCorrector:
    """Maps the pinyin of the notice's words to the words; reads unknown question runs by their pinyin."""

    def __init__(self, notice_text: str, words: Iterable[str], segment: Callable[[str], list[str]],
                 stopwords: Iterable[str] = (), function_chars: str = "") -> None:
        self._function = frozenset(function_chars)
        self.segment = segment
        self.notice_text = notice_text
        self._stop = frozenset(stopwords)
        self._words = [w for w in set(words)
                       if MIN_LEN <= len(w) <= MAX_LEN and _CJK_RUN.fullmatch(w) and w not in self._stop]

    @cached_property
    def _by_sound(self) -> dict[str, set[str]]:
        """The notice's words by toneless pinyin. Built (and pypinyin imported, about 0.5 s) on the first question
        with a run the notice never uses, not at start: most questions have none."""
        by_sound: dict[str, set[str]] = {}
        for word in self._words:
            by_sound.setdefault(self._sound(word), set()).add(word)
        return by_sound

    @cached_property
    def _pinyin(self) -> Callable[[str], list[str]]:
        from pypinyin import lazy_pinyin

        return lazy_pinyin

    def _sound(self, text: str) -> str:
        return " ".join(self._pinyin(text))

    def corrections(self, question: str) -> list[str]:
        """Notice words the question seems to mean where it uses a run the notice never does."""
        found: list[str] = []
        for run in self._unknown_runs(question):
            for size in range(MAX_LEN, MIN_LEN - 1, -1):
                for i in range(len(run) - size + 1):
                    piece = run[i:i + size]
                    if piece in self.notice_text or piece in self._stop or self._function & set(piece):
                        continue
                    found += [w for w in sorted(self._by_sound.get(self._sound(piece), ())) if w != piece]
        return list(dict.fromkeys(found))


    def _unknown_runs(self, question: str) -> list[str]:
        """Runs of two or more single CJK characters in the question's segmentation: where a typo can hide."""
        runs, current = [], ""
        for token in self.segment(question):
            if len(token) == 1 and _CJK_RUN.fullmatch(token):
                current += token
                continue
            if len(current) >= MIN_LEN:
                runs.append(current)
            current = ""
        if len(current) >= MIN_LEN:
            runs.append(current)
        return runs


def make_corrector(notice_text: str, words: Iterable[str], segment: Callable[[str], list[str]],
                   stopwords: Iterable[str] = (), function_chars: str = "") -> TypoCorrector | None:
    if importlib.util.find_spec("pypinyin") is None:
        log.warning("pypinyin is not installed: typos are not corrected (pip install pypinyin)")
        return None
    return TypoCorrector(notice_text, words, segment, stopwords, function_chars)
