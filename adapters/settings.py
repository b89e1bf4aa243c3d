"""One typed settings object, read from LEARNLOOP_* variables and command-line overrides."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///learnloop.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEARNLOOP_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    framework: Path | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"
    projection_poll_seconds: float = 1.0
    projection_batch_size: int = 1000
