"""Tokenisation and query normalisation shared by BM25, the answerer and the checks."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import yaml
from pydantic import BaseModel

log = logging.getLogger(__name__)

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]+")


class Expansion(BaseModel):
    terms: list[str]
    patterns: list[str] = []
    add: list[str]
    source: str
    scope: bool = False  # the terms point into the source's part of the document: favour its descendants

    def matches(self, folded: str) -> bool:
        return any(fold(t) in folded for t in self.terms) or any(re.search(p, folded) for p in self.patterns)


class TermList(BaseModel):
    """A term list: vocabulary, synonyms, English glossary, words for parts, stopwords.

    The generic lexicon (corpus/lexicon.yaml) holds for every notice; a notice's pack may add its own
    (notices/<slug>/terms.yaml). ``merged`` puts the pack's entries first.
    """

    keep: list[str] = []
    expansions: list[Expansion] = []
    english: dict[str, list[str]] = {}
    roles: dict[str, str] = {}
    parts: dict[str, list[str]] = {}  # clause ID -> words users use for that whole part (大纲 for an annex)
    function_chars: str = ""  # grammar characters: a typo is not read across them (retrieval/typos.py)
    stopwords: list[str] = []
    notice_words: list[str] = []  # the notice's own name for its programme (这个试点 is the notice, not a pronoun)

    @classmethod
    def load(cls, path: Path) -> TermList:
        with open(path, encoding="utf-8") as fh:
            return cls.model_validate(yaml.safe_load(fh) or {})

    @classmethod
    def load_all(cls, paths: list[Path]) -> TermList:
        """The term lists at paths, merged in order: earlier entries first, later keys do not override."""
        merged = cls()
        for path in paths:
            merged = merged.merged(cls.load(path))
        return merged

    def merged(self, other: TermList) -> TermList:
        """This list's entries, then the other's that it does not already have."""
        return TermList(
            keep=list(dict.fromkeys(self.keep + other.keep)),
            expansions=self.expansions + [e for e in other.expansions if e not in self.expansions],
            english=_first_wins(self.english, other.english),
            roles=_first_wins(self.roles, other.roles),
            parts=_first_wins(self.parts, other.parts),
            stopwords=list(dict.fromkeys(self.stopwords + other.stopwords)),
            function_chars="".join(dict.fromkeys(self.function_chars + other.function_chars)),
            notice_words=list(dict.fromkeys(self.notice_words + other.notice_words)),
        )


def _first_wins(first: dict, second: dict) -> dict:
    """first's keys in its order, then second's new keys: a pack's entry outranks the generic one."""
    return {**first, **{k: v for k, v in second.items() if k not in first}}


def fold(text: str) -> str:
    """NFKC-fold (full-width to half-width) and lower-case."""
    return unicodedata.normalize("NFKC", text).lower()


class Tokenizer:
    """jieba words (search mode) plus optional CJK character bigrams, without stopwords."""

    def __init__(self, terms: TermList, bigrams: bool = True) -> None:
        self.terms = terms
        self.bigrams = bigrams
        self._stop = frozenset(terms.stopwords)

    @cached_property
    def _jieba(self):  # jieba ships no type hints
        import jieba

        jieba.setLogLevel(logging.WARNING)
        for word in self.terms.keep:
            jieba.add_word(word, freq=200000)
        return jieba

    def segment(self, text: str) -> list[str]:
        """jieba's plain segmentation of the folded text (every character in exactly one token)."""
        return self._jieba.lcut(fold(text), HMM=False)  # no new-word guessing: a typo stays single characters

    def tokens(self, text: str) -> list[str]:
        text = fold(text)
        words = [w for w in self._jieba.lcut_for_search(text) if _WORD.fullmatch(w) and w not in self._stop]
        if self.bigrams:
            for run in _CJK_RUN.findall(text):
                words.extend(f"#{run[i:i + 2]}" for i in range(len(run) - 1))
        return words


_LATIN_WORD = re.compile(r"[a-z]{4,}")


def stem(word: str) -> str:
    """A light English stemmer for glossary matching: organizations/organization, signed/sign, rates/rate."""
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and not word.endswith("ss") and len(word) - len(suffix) >= 3:
            word = word[: len(word) - len(suffix)] + repl
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word  # encourage / encouraged -> encourag


def stem_text(text: str) -> str:
    return _LATIN_WORD.sub(lambda m: stem(m.group(0)), text)


class QueryTerms(NamedTuple):
    added: list[str]  # the notice's own words for synonyms and English words in the query
    glossary: frozenset[str]  # stems of the query's English words that the glossary knows


NORMALISER_VERSION = 1  # bump when normalise() changes what it makes of a text: indexed questions are re-embedded


class QueryNormaliser:
    """Folds the query and appends the notice's own wording for synonyms it contains."""

    def __init__(self, terms: TermList, notice_text: str | None = None) -> None:
        self.terms = terms
        self.notice_text = notice_text  # a glossary word counts as the notice's only where the notice uses it
        # Keys and queries are matched stemmed, so one key serves its plural and past forms.
        self._english = [(re.compile(rf"\b{re.escape(stem_text(k))}\b"), k, v) for k, v in terms.english.items()]

    def analyse(self, query: str) -> QueryTerms:
        """One pass over the term list: the notice's words to add, and the glossary stems the query uses."""
        folded = fold(query)
        added: list[str] = []
        for exp in self.terms.expansions:
            if exp.matches(folded):
                added.extend(exp.add)
        stemmed = stem_text(folded)
        glossary: set[str] = set()
        for pattern, key, words in self._english:
            if pattern.search(stemmed):
                added.extend(words)
                if self.notice_text is None or any(w in self.notice_text for w in words):
                    glossary.update(stem(w) for w in key.split())
        return QueryTerms(list(dict.fromkeys(a for a in added if a not in folded)), frozenset(glossary))

    def expansions(self, query: str) -> list[str]:
        return self.analyse(query).added

    def scopes(self, query: str) -> list[str]:
        """Clause IDs whose descendants the query is about (expansions marked scope)."""
        folded = fold(query)
        return list(dict.fromkeys(e.source for e in self.terms.expansions if e.scope and e.matches(folded)))

    def normalise(self, query: str, extra: list[str] | None = None) -> str:
        """The folded query with its expansions appended (pass them when they are already known)."""
        extra = self.expansions(query) if extra is None else extra
        folded = fold(query).strip()
        return f"{folded} {' '.join(extra)}" if extra else folded
