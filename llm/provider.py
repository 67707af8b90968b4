"""Settings -> a LangChain chat model, and calls to it that keep to a deadline and fail with a kind, not a trace.

The chat model libraries are optional and imported only when a provider is configured.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig

from assistant.settings import Settings

log = logging.getLogger(__name__)

PLACEHOLDER_KEY = "EMPTY"  # what vLLM and most local OpenAI-compatible servers accept when they need no key

FailureKind = Literal["unreachable", "timeout", "auth", "rate_limit", "server", "malformed", "unverified"]

# Shown above the extractive answer when the LLM could not give a validated one. Short, Chinese, no details.
FALLBACK_NOTES: dict[str, str] = {
    "unreachable": "（暂时无法连接大模型服务，以下为离线摘录模式的回答。）",
    "timeout": "（大模型服务响应超时，以下为离线摘录模式的回答。）",
    "auth": "（大模型服务拒绝访问（认证未通过），以下为离线摘录模式的回答。）",
    "rate_limit": "（大模型服务当前繁忙，以下为离线摘录模式的回答。）",
    "server": "（大模型服务出错，以下为离线摘录模式的回答。）",
    "malformed": "（大模型服务返回的内容无法识别，以下为离线摘录模式的回答。）",
    "unverified": "（大模型的回答未能核对到原文条款，以下为离线摘录模式的回答。）",
}


class LLMConfigError(ValueError):
    """The LLM settings are incomplete; the message names the setting to fix."""


class LLMFailure(Exception):
    """An LLM call that gave no usable answer. ``kind`` picks the note shown to the user."""

    def __init__(self, kind: FailureKind, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind: FailureKind = kind


class MaskedHeaders(dict[str, str]):
    """HTTP headers that hold a secret: the values never appear in a repr (ChatOllama's repr shows its kwargs)."""

    def __repr__(self) -> str:
        return repr(dict.fromkeys(self, "**********"))

    __str__ = __repr__


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None when LLM_PROVIDER=none. No network traffic happens here."""
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    match settings.llm_provider:
        case "none":
            return None
        case "openai":
            model = _require_model(settings)
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as exc:
                raise ImportError("LLM_PROVIDER=openai needs the langchain-openai package: pip install langchain-openai") from exc
            # The key is always passed explicitly: an OPENAI_API_KEY from the environment must never be sent to
            # a third-party base_url. No retries: a failure falls back to the extractive answer within the timeout.
            return ChatOpenAI(
                model=model, base_url=settings.llm_base_url, api_key=key or PLACEHOLDER_KEY,
                timeout=settings.llm_timeout_s, max_retries=0, temperature=settings.llm_temperature,
                streaming=True, stream_usage=False,
            )
        case "ollama":
            model = _require_model(settings)
            try:
                from langchain_ollama import ChatOllama
            except ImportError as exc:
                raise ImportError("LLM_PROVIDER=ollama needs the langchain-ollama package: pip install langchain-ollama") from exc
            client_kwargs: dict[str, Any] = {"timeout": settings.llm_timeout_s}
            if key:  # Ollama itself takes no key; a proxy in front of it may
                client_kwargs["headers"] = MaskedHeaders({"Authorization": f"Bearer {key}"})
            return ChatOllama(
                model=model, base_url=settings.llm_base_url, temperature=settings.llm_temperature,
                client_kwargs=client_kwargs,
            )
        case other:
            raise LLMConfigError(f"LLM_PROVIDER must be none, openai or ollama, not {other!r}")


def _require_model(settings: Settings) -> str:
    if not settings.llm_model:
        raise LLMConfigError(f"LLM_MODEL must be set when LLM_PROVIDER={settings.llm_provider}")
    return settings.llm_model


def classify(exc: BaseException) -> FailureKind:
    """The failure kind of an exception from any chat model client (openai, httpx, ollama), by duck typing."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, LLMFailure):
            return current.kind
        status = getattr(current, "status_code", None)
        if not isinstance(status, int):
            status = getattr(getattr(current, "response", None), "status_code", None)
        if isinstance(status, int):
            if status in (401, 403):
                return "auth"
            if status == 429:
                return "rate_limit"
            return "server"
        names = " ".join(cls.__name__ for cls in type(current).__mro__)
        if "Timeout" in names:
            return "timeout"
        if "Connect" in names or "Connection" in names:
            return "unreachable"
        current = current.__cause__ or current.__context__
    return "malformed"


def stream_text(
    model: BaseChatModel, messages: Sequence[BaseMessage], deadline: float, config: RunnableConfig | None = None,
) -> Iterator[str]:
    """Text chunks of ``model.stream(messages)``; raises LLMFailure once ``time.monotonic()`` passes the deadline.

    The HTTP stream is read in a daemon thread so that a server that stalls mid-stream cannot hold the caller
    past the deadline; the thread stops reading (closing the response) at its next chunk or client timeout.
    """
    chunks: queue.Queue[tuple[str, Any]] = queue.Queue()
    stop = threading.Event()

    def read() -> None:
        try:
            for chunk in model.stream(list(messages), config=config):
                if stop.is_set():
                    return
                chunks.put(("chunk", chunk.text))
            chunks.put(("end", None))
        except Exception as exc:  # noqa: BLE001 - every client error is classified by the caller
            chunks.put(("error", exc))

    threading.Thread(target=read, name="llm-stream", daemon=True).start()
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LLMFailure("timeout", "deadline passed while streaming")
            try:
                kind, value = chunks.get(timeout=remaining)
            except queue.Empty:
                raise LLMFailure("timeout", "no chunk before the deadline") from None
            if kind == "end":
                return
            if kind == "error":
                raise LLMFailure(classify(value), type(value).__name__) from value
            if value:
                yield str(value)
    finally:
        stop.set()


def call_text(
    model: BaseChatModel, messages: Sequence[BaseMessage], deadline: float, config: RunnableConfig | None = None,
) -> str:
    """The whole reply as one string, within the deadline."""
    return "".join(stream_text(model, messages, deadline, config))
