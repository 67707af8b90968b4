"""One Settings model for the whole app: environment variables, then an optional YAML file."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource

ROOT = Path(__file__).resolve().parent.parent


def _settings_file() -> Path:
    return Path(os.environ.get("SETTINGS_FILE", ROOT / "settings.yaml"))


class Settings(BaseSettings):
    """Every knob the app reads. Environment variable names are the field names in capitals."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    corpus_file: Path = Field(ROOT / "corpus/sources/ndrc-2013-iot-pilot.txt", description="Notice source text")
    terms_file: Path = Field(ROOT / "corpus/terms.yaml", description="Query term list from the notice's vocabulary")
    data_dir: Path = Field(ROOT / "data", description="Index, feedback DB and other run-time state (git-ignored)")
    embedder: str = Field("e5-small", description="e5-small | sentence-transformers:<name-or-path>")
    chroma_host: str | None = Field(None, description="Chroma server host; unset = embedded persistent Chroma")
    chroma_port: int = Field(8000, description="Chroma server port")
    collection: str = Field("notice_clauses", description="Chroma collection name")
    top_k: int = Field(5, ge=1, le=20, description="Clauses returned by retrieval")
    dense_weight: float = Field(1.0, ge=0, description="Weight of the dense ranking in fusion")
    lexical_weight: float = Field(1.0, ge=0, description="Weight of the BM25 ranking in fusion")
    not_found_threshold: float = Field(0.5, description="Below this confidence an answer is not_found")
    max_question_chars: int = Field(2000, description="Longer questions are refused with a message")

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
    def index_dir(self) -> Path:
        return self.data_dir / "index"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
