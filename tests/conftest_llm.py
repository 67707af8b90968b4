"""Fixtures for the LLM-mode tests: a scripted FakeChatModel, the fake HTTP chat server, LLM-mode services.

Loaded by the LLM test modules with ``pytest_plugins = ["tests.conftest_llm"]``. Fakes stand in for the chat
model only; retrieval, the extractive fallback and validation are the real ones (the session ``service`` index).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import PrivateAttr, SecretStr

from tests.fake_openai_server import FakeOpenAIServer

SECRET = "sk-test-DO-NOT-LOG-7f3a9c"


class ScriptedReplies:
    """The replies a FakeChatModel gives, in order; an Exception in the script is raised instead."""

    def __init__(self) -> None:
        self.queue: deque[str | AIMessage | Exception] = deque()

    def push(self, *replies: str | AIMessage | Exception) -> None:
        self.queue.extend(replies)

    def __iter__(self) -> Iterator[str | AIMessage]:
        return self

    def __next__(self) -> str | AIMessage:
        if not self.queue:
            raise AssertionError("the fake chat model got a call nobody scripted")
        reply = self.queue.popleft()
        if isinstance(reply, Exception):
            raise reply
        return reply


class FakeChatModel(GenericFakeChatModel):
    """LangChain's GenericFakeChatModel (streams word by word) that also records the prompts it was sent."""

    _prompts: list[list[BaseMessage]] = PrivateAttr(default_factory=list)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None, run_manager: Any = None,
                  **kwargs: Any) -> ChatResult:
        self._prompts.append(list(messages))
        return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    @property
    def prompts(self) -> list[list[BaseMessage]]:
        return self._prompts


def _llm_service(base: Any, model: Any = None, **settings: Any) -> Any:
    """An LLM-mode AssistantService sharing ``base``'s index and embedder; ``model`` replaces the provider's."""
    from assistant.service import AssistantService

    update = {"llm_provider": "openai", "llm_model": "fake-model", "llm_timeout_s": 5.0, **settings}
    svc = AssistantService(base.settings.model_copy(update=update))
    svc.__dict__.update(document=base.document, store=base.store, embeddings=base.embeddings)
    if model is not None:
        svc.__dict__["llm_model"] = model
    return svc


@pytest.fixture(scope="module")
def replies() -> ScriptedReplies:
    return ScriptedReplies()


@pytest.fixture(scope="module")
def fake_model(replies: ScriptedReplies) -> FakeChatModel:
    return FakeChatModel(messages=replies)


@pytest.fixture()
def fresh_fake(fake_model: FakeChatModel, replies: ScriptedReplies) -> Iterator[FakeChatModel]:
    """The module's FakeChatModel with an empty script and prompt log; fails the test if a reply went unused."""
    replies.queue.clear()
    fake_model.prompts.clear()
    yield fake_model
    assert not replies.queue, f"scripted replies left unused: {list(replies.queue)}"


@pytest.fixture(scope="module")
def fake_llm_service(service: Any, fake_model: FakeChatModel) -> Any:
    """LLM mode with the FakeChatModel (service: the session fixture of tests/conftest.py)."""
    return _llm_service(service, fake_model)


@pytest.fixture(scope="session")
def make_llm_service() -> Any:
    """make_llm_service(base, model=None, **settings): see _llm_service."""
    return _llm_service


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeOpenAIServer]:
    server = FakeOpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def server(fake_server: FakeOpenAIServer) -> FakeOpenAIServer:
    fake_server.reset()
    return fake_server


def _http_settings(server: FakeOpenAIServer, provider: str = "openai", **extra: Any) -> dict[str, Any]:
    url = server.base_url if provider == "openai" else server.ollama_url
    return {"llm_provider": provider, "llm_base_url": url, "llm_model": "fake-qwen",
            "llm_api_key": SecretStr(SECRET), "llm_timeout_s": 2.0, **extra}


@pytest.fixture(scope="session")
def http_settings() -> Any:
    """http_settings(server, provider="openai", **extra): LLM settings pointing at the fake server."""
    return _http_settings
