"""All settings in one place: ``HEARTH_*`` environment variables with defaults that run the demo."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_", extra="ignore")

    db_url: str = Field(
        default="sqlite:///var/hearth.db",
        description="SQLAlchemy URL: SQLite for a store node, PostgreSQL for HQ.",
    )
    store_id: str = "store-001"
    device_id: str = "node-1"
    timezone: str = "Asia/Shanghai"
    token_ttl_minutes: int = 12 * 60
    max_body_bytes: int = 256 * 1024
    pin_attempts_before_lockout: int = 5
    lockout_minutes: int = 5
    # argon2 work factors; tests lower them to keep the suite fast, never production.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024
    writer_max_batch: int = 256
    discount_approval_over_bp: int = 1000  # discounts above 10% need a manager's PIN

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.db_url.startswith(prefix) and self.db_url != "sqlite:///:memory:":
            return Path(self.db_url[len(prefix):])
        return None
