"""One typed settings object, read from LEARNLOOP_* variables and command-line overrides."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
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
    projection_rebuild_batch_size: int = 5000  # a rebuild's batches (ADR 0015)
    # Server processes sharing one PostgreSQL leave projection to one of them (ADR 0018);
    # `learnloop serve --workers N` turns it on for its workers.
    shared_projection: bool = False
    workers: int = 1
    allow_unsafe_durability: bool = False
    cipher_key: SecretStr | None = None  # base64 AES key (16, 24 or 32 bytes): events encrypted

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "learnloop@localhost"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    board_recipients: str = ""
    public_url: str = "http://127.0.0.1:8000"
    reminder_sweep_minutes: float = 15.0
    reminder_delivery_seconds: float = 60.0
    max_body_bytes: int = 1024 * 1024  # a request body over this is refused with 413
    rate_limit_per_minute: int = 600  # requests per user per minute; 0 disables
    # The HTTP edge (ADR 0030). Anonymous requests are limited per client address; failed
    # authentications per client; the server bounds what one connection may cost.
    anonymous_rate_limit_per_minute: int = 300  # per client address; 0 disables
    auth_failures_per_minute: int = 10  # unknown tokens per client address before 429
    trusted_proxies: str = "127.0.0.1,::1"  # addresses/networks whose X-Forwarded-* count
    max_request_line_bytes: int = 8 * 1024  # longer: 414
    max_header_bytes: int = 16 * 1024  # request line and headers together; more: 431
    header_timeout_seconds: float = 10.0  # a request's head not complete by then: closed
    body_timeout_seconds: float = 30.0  # a request's body not complete by then: 408
    keep_alive_seconds: float = 5.0  # an idle keep-alive connection is closed after this
    max_connections: int = 256  # per process; beyond, 503
    max_validation_errors: int = 20  # a 422 names at most this many errors
    # Reports, exports and the inspection pack take seconds each: fewer per user, few at once.
    renders_per_minute: int = 20  # per user; 0 disables; beyond, 429
    max_concurrent_renders: int = 2  # per process; beyond, 503 with Retry-After

    # Web pages (ADR 0016). Without a secret, the first process stores a random one in the
    # database and every process uses it. The assets default to the repository's node_modules.
    session_secret: SecretStr | None = None
    session_idle_minutes: int = 30
    session_max_hours: int = 8
    govuk_frontend_dir: Path | None = None  # node_modules/govuk-frontend/dist/govuk

    @property
    def board_recipient_list(self) -> list[str]:
        return [a.strip() for a in self.board_recipients.split(",") if a.strip()]
