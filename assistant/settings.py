"""One Settings model for the whole app: environment variables, then an optional YAML file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource

from retrieval.rerankers import DEFAULT_ORDER  # pydantic and corpus.models only: no heavy import at start

ROOT = Path(__file__).resolve().parent.parent


def _settings_file() -> Path:
    return Path(os.environ.get("SETTINGS_FILE", ROOT / "settings.yaml"))


class Settings(BaseSettings):
    """Every knob the app reads. Environment variable names are the field names in capitals."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    notices_dir: Path = Field(ROOT / "notices", description="Notice packs shipped with the app (read-only)")
    default_notice: str | None = Field(
        None, description="Slug of the notice that answers when a question names none; unset = notices/library.yaml's "
        "default, or the only notice")
    enrichments: bool = Field(
        True, description="Use each pack's hand-written data (term list, indexed questions, rules); false = answer every "
        "notice with the generic mechanisms only, as a notice added without such data is answered")
    question_bank: Literal["auto", "off"] = Field(
        "off", description="auto: a notice without hand-written questions (questions.yaml) gets questions generated "
        "from its own text (retrieval/question_bank.py), indexed beside its clauses; off (default): none. Off because "
        "it measured worse: the flagship without its data, tuning sets, hit@1 0.713 off vs 0.603 auto")
    typo_correction: bool = Field(True, description="Read a question's homophone typos as the notice's own words "
                                  "(申抱 -> 申报; needs pypinyin)")
    max_notices_in_memory: int = Field(8, ge=1, le=1000, description="Notices whose indexes stay loaded (LRU)")
    max_notice_mb: float = Field(20.0, gt=0, le=200, description="Largest notice file staff may add (MB)")
    data_dir: Path = Field(ROOT / "data", description="Index, feedback DB, added notices and other run-time state "
                           "(git-ignored)")
    embedder: str = Field("e5-small", description="e5-small | sentence-transformers:<name-or-path>")
    embedding_cache: Path | None = Field(
        None, description="SQLite file of passage and question vectors that index rebuilds reuse; unset = "
        "<data_dir>/embeddings.sqlite")
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded persistent Chroma")
    chroma_port: int = Field(8000, description="Chroma server port")
    collection: str = Field("notice_clauses", description="Chroma collection name")
    top_k: int = Field(5, ge=1, le=20, description="Clauses returned by retrieval")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in fusion")
    lexical_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in fusion")
    question_weight: float = Field(1.5, ge=0, description="Weight of question-to-question similarity in fusion")
    router_weight: float = Field(0.75, ge=0, description="Weight of the learned clause router (retrieval/router.py) "
                                 "in fusion; 0 = off")
    fact_weight: float = Field(0.5, ge=0, description="Fusion bonus for clauses that state the kind of fact the question "
                               "asks for (a date, a count, a phone number: rules/answer_types.yaml); 0 = off")
    rerankers: list[str] = Field(default_factory=lambda: list(DEFAULT_ORDER),
                                 description="Re-rankers after fusion, in order (retrieval/rerankers.py)")
    scope_weight: float = Field(0.5, ge=0, description="Bonus for clauses in the part of the document a question is about")
    title_only_weight: float = Field(1.0, ge=0, description="Title-only parts sink by this many times the fusion total")
    pointed_weight: float = Field(1.0, ge=0, description="Lead of the clause a positional reference (第二部分) points to")
    heading_or_part_weight: float = Field(1.0, ge=0, description="0 turns off choosing heading vs part at the top")
    document_part_weight: float = Field(1.0, ge=0, description="Lead (in fusion totals) of the signature, header or "
                                        "preamble for asks about the document itself, and the signature's drop for others")
    router_cache: Path | None = Field(None, description="Folder of cached router weights; unset = <data_dir>/router")
    not_found_threshold: float = Field(0.5, description="Below this confidence an answer is not_found")
    max_question_chars: int = Field(2000, description="Longer questions are refused with a message")
    request_budget_s: float = Field(10.0, gt=0, le=600, description="Time one offline answer may take; parts of a "
                                    "question left when it is spent are not answered (the reply says so)")
    max_history_turns: int = Field(6, ge=0, le=100, description="Earlier turns a question is read with; older ones "
                                   "are dropped, and each turn is cut to MAX_QUESTION_CHARS (the reply says so)")
    web_concurrency: int = Field(
        8, ge=1, le=64, description="Questions the web UI answers at once; the rest wait in Gradio's queue. "
        "Lower values tighten the tail latency under load, higher ones raise throughput")
    database_url: str | None = Field(None, description="Where staff accounts, sessions and the audit log live: "
                                     "unset = SQLite in DATA_DIR; postgresql+psycopg://… when several replicas share them")
    staff_username: str | None = Field(None, description="Login name for the staff tab (员工工具); unset = staff tab locked")
    staff_password_hash: SecretStr | None = Field(
        None, description="bcrypt hash of the staff password ($2b$…), never the password itself; unset = staff tab locked")
    staff_session_minutes: int = Field(480, ge=1, le=10080, description="A staff login lasts this long (server-side)")
    staff_free_failures: int = Field(5, ge=1, le=100, description="Failed staff logins (per account and per client "
                                     "address) before each next try must wait: 1 s, 2 s, 4 s …")
    staff_lockout_minutes: float = Field(15, gt=0, le=1440, description="The longest such wait (a temporary lock)")
    max_upload_mb: float = Field(5.0, gt=0, le=100, description="Largest draft plan the outline check accepts (MB)")
    llm_provider: Literal["none", "openai", "ollama"] = Field(
        "none", description="Optional LLM answers: none (offline extractive, the default) | openai (any "
        "OpenAI-compatible endpoint) | ollama")
    llm_base_url: str | None = Field(
        None, description="LLM endpoint, e.g. http://127.0.0.1:8000/v1 (openai) or http://127.0.0.1:11434 (ollama)")
    llm_model: str | None = Field(None, description="Model name the endpoint serves, e.g. qwen2.5:7b; required with an LLM")
    llm_api_key: SecretStr | None = Field(None, description="API key sent to the endpoint; never logged")
    llm_timeout_s: float = Field(30.0, gt=0, le=600, description="Total time an LLM answer may take before the "
                                 "extractive answer is given instead")
    llm_temperature: float = Field(0.1, ge=0, le=2, description="LLM sampling temperature")

    @field_validator("llm_provider", mode="before")
    @classmethod
    def _provider_lower_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        path = _settings_file()
        if path.is_file():
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=path))
        return tuple(sources)

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'app.sqlite'}"

    @property
    def reranker_weights(self) -> dict[str, float]:
        return {"fact_kind": self.fact_weight, "scope": self.scope_weight, "title_only": self.title_only_weight,
                "positional": self.pointed_weight, "heading_or_part": self.heading_or_part_weight,
                "document_part": self.document_part_weight}

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def library_dir(self) -> Path:
        """Notices staff added at run time (one folder per slug, versions inside)."""
        return self.data_dir / "notices"

    @property
    def embedding_cache_file(self) -> Path:
        return self.embedding_cache or self.data_dir / "embeddings.sqlite"

    @property
    def router_cache_dir(self) -> Path:
        return self.router_cache or self.data_dir / "router"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
