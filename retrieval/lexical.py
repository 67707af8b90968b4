"""BM25 over jieba words and character bigrams, with the heading weighted above the body."""

from __future__ import annotations

from rank_bm25 import BM25Okapi

from corpus.models import Clause
from retrieval.text import Tokenizer, stem

HEADING_WEIGHT = 3  # a heading names what a clause is about; repeat its tokens
# Clauses are short and headings repeat their words: saturate term frequency early (k1 below the usual 1.2-2.0).
BM25_K1 = 0.8
BM25_B = 0.5


def clause_tokens(clause: Clause, by_id: dict[str, Clause], tokenizer: Tokenizer) -> list[str]:
    tokens = tokenizer.tokens(clause.heading) * HEADING_WEIGHT
    tokens += tokenizer.tokens(" ".join(clause.headings))
    tokens += tokenizer.tokens(clause.text)
    tokens += tokenizer.tokens(tokenizer.terms.roles.get(clause.id, ""))
    for child in clause.children:
        tokens += tokenizer.tokens(by_id[child].heading)
    return tokens


class BM25Index:
    """Lexical scores for every clause; built in memory from the parsed clauses."""

    def __init__(self, clauses: list[Clause], tokenizer: Tokenizer) -> None:
        by_id = {c.id: c for c in clauses}
        self.ids = [c.id for c in clauses]
        self.tokenizer = tokenizer
        self.vocabulary = set()
        docs = []
        for c in clauses:
            toks = clause_tokens(c, by_id, tokenizer)
            self.vocabulary.update(toks)
            docs.append(toks)
        self._bm25 = BM25Okapi(docs, k1=BM25_K1, b=BM25_B)

    def scores(self, query: str) -> dict[str, float]:
        tokens = self.tokenizer.tokens(query)
        if not tokens:
            return dict.fromkeys(self.ids, 0.0)
        return dict(zip(self.ids, map(float, self._bm25.get_scores(tokens)), strict=True))

    def idf(self, token: str) -> float:
        """BM25's inverse document frequency; 0 for tokens the notice never uses."""
        return max(float(self._bm25.idf.get(token, 0.0)), 0.0)

    def coverage(self, query: str, known: frozenset[str] = frozenset()) -> float:
        """Share of the query's words that occur anywhere in the notice (stopwords excluded).

        known: stems of words that count as the notice's although it never uses them (English glossary words).
        """
        words = [t for t in self.tokenizer.tokens(query) if not t.startswith("#")]
        if not words:
            return 0.0
        return sum(w in self.vocabulary or stem(w) in known for w in words) / len(words)
