"""HQ's settings: ``HEARTH_HQ_*`` environment variables, defaults that run the demo."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class HQSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_HQ_", extra="ignore")

    db_url: str = Field(
        default="sqlite:///var/hq.db", description="PostgreSQL in production; SQLite for the demo."
    )
    token_ttl_minutes: int = 12 * 60
    # argon2 work factors for HQ owners' passwords; tests lower them, never production.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024
    catalogue_keep_versions: int = 20  # per scope; older versions fold into a snapshot
    max_body_bytes: int = 1024 * 1024  # any request, before it is read (sync has its own cap)
