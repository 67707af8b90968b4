"""`python -m eval --llm`: the gold set through the configured LLM endpoint, with a tally of who answered."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from assistant.settings import ROOT, Settings
from eval.metrics import GoldItem
from eval.runner import AnswerFn

DEFAULT_OUT = ROOT / "eval/out"


def llm_settings_problem(settings: Settings) -> str | None:
    """Why the settings cannot run an LLM eval, or None."""
    if settings.llm_provider == "none":
        return "--llm needs LLM_PROVIDER=openai|ollama and LLM_MODEL (environment or settings.yaml); see README."
    if not settings.llm_model:
        return f"--llm needs LLM_MODEL (LLM_PROVIDER={settings.llm_provider})."
    return None


def llm_out_dir(out: Path, model: str) -> Path:
    """The default output folder gets a per-model subfolder so extractive and model reports sit side by side."""
    if out.resolve() != DEFAULT_OUT.resolve():
        return out
    return DEFAULT_OUT / ("llm-" + re.sub(r"[^A-Za-z0-9._-]+", "_", model).strip("_"))


def tallying_answer_fn(service: Any, tally: Counter[str]) -> AnswerFn:
    """Like eval.runner.service_answer_fn, counting answers by mode and fallbacks by kind."""
    from llm.chain import fallback_kind

    def answer(item: GoldItem) -> tuple[str, str, list[dict], list[str]]:
        ans = service.ask(item.question, item.history)
        kind = fallback_kind(ans.answer)
        tally[f"fallback: {kind}" if kind else f"answered by {ans.mode}"] += 1
        return ans.status, ans.answer, [c.model_dump() for c in ans.citations], [r.id for r in ans.retrieved]

    return answer
