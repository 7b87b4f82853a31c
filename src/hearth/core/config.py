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
    # PIN lockouts (staff/domain.py holds them to PCI DSS 8.3.4: at most 10 tries, at least
    # 30 minutes); the third lockout in a row holds until a manager or owner unlocks it.
    pin_attempts_before_lockout: int = 5
    lockout_minutes: int = 30
    lockouts_before_manager_unlock: int = 3
    # argon2 work factors; tests lower them to keep the suite fast, never production.
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19 * 1024
    writer_max_batch: int = 256
    discount_approval_over_bp: int = 1000  # discounts above 10% need a manager's PIN
    # Kitchen: a station whose screens are all offline this long prints its new tickets.
    kitchen_fallback_after_s: float = 15.0
    livefeed_heartbeat_s: float = 10.0  # SSE comment lines keep proxies and the KDS honest
    # Delivery platforms (channels/delivery). Secrets are per platform app; the demo values
    # only work against the bundled emulator. Empty callback URL: status callbacks wait queued.
    delivery_auto_accept: bool = False
    delivery_accept_timeout_s: float = 180.0  # unanswered orders are rejected after this
    delivery_signature_window_s: int = 300  # webhook timestamps older/newer are replays
    delivery_backlog_minutes: int = 10  # orders this old on arrival are held for a manager
    delivery_window_cap: int = 30  # platform orders per 15 minutes before intake pauses
    delivery_slow_at_lines: int = 40  # open kitchen lines where quoted times start to grow
    delivery_pause_at_lines: int = 80  # open kitchen lines where intake pauses
    delivery_base_minutes: int = 25
    delivery_step_minutes: int = 5
    delivery_step_lines: int = 10
    delivery_meituan_app_id: str = "mt-hearth-demo"
    delivery_meituan_secret: str = "mt-demo-secret-change-me"
    delivery_meituan_callback_url: str = ""
    delivery_douyin_app_id: str = "dy-hearth-demo"
    delivery_douyin_secret: str = "dy-demo-secret-change-me"
    delivery_douyin_callback_url: str = ""
    delivery_tick_s: float = 1.0  # how often accept timeouts and queued callbacks are checked
    # Payments (payments/). Cash is rounded to the smallest coin in use (1 fen = no rounding,
    # 10 = one jiao) on the payment that settles a bill.
    payment_cash_rounding_unit: int = 1
    payment_auto_failover: bool = True  # switch to the backup provider without asking
    payment_call_timeout_ms: int = 1200  # one provider call; two fit in the 3 s budget
    payment_budget_ms: int = 2800  # everything one tender request may take, failover included
    payment_offline_tenders: str = "card,wallet_scan"  # taken offline when every provider is down
    payment_offline_max_payment: int = 50_000  # 500 CNY per offline payment
    payment_offline_max_outstanding: int = 300_000  # 3000 CNY waiting to be forwarded
    payment_offline_max_age_hours: int = 24  # older queued payments are declined, not sent
    payment_breaker_failures: int = 3  # consecutive timeouts/outages that open a breaker
    payment_breaker_cooldown_ms: int = 15_000  # open this long, then one trial call
    payment_settle_interval_ms: int = 2000  # background: settle unknown, forward queued
    payment_reverse_unknown_after_ms: int = 60_000  # unknown this long and unqueryable: reverse
    payment_qr_expiry_ms: int = 300_000  # an unscanned merchant QR is closed after this
    # Provider adapters (payments/providers/factory.py). With an emulator URL and blank keys,
    # the adapters fetch the emulator's test keys from it on first use.
    payment_emulator_url: str = ""  # e.g. http://127.0.0.1:8765; blank = the real gateways
    payment_providers: str = "alipay,wechat,card"  # which adapters to build, in this order
    payment_notify_url_template: str = (
        ""  # e.g. http://127.0.0.1:8000/api/payments/callbacks/{provider}
    )
    payment_alipay_app_id: str = ""
    payment_alipay_app_private_key: str = ""  # PEM; signs our requests (RSA2)
    payment_alipay_platform_public_key: str = ""  # PEM; verifies answers and notifies
    payment_wechat_mchid: str = ""
    payment_wechat_appid: str = ""
    payment_wechat_cert_serial_no: str = ""
    payment_wechat_private_key: str = ""  # PEM; signs the Authorization header
    payment_wechat_platform_public_key: str = ""  # PEM; verifies answers and callbacks
    payment_wechat_public_key_id: str = ""
    payment_wechat_apiv3_key: str = ""  # 32 chars; opens AEAD_AES_256_GCM callback resources
    payment_stripe_api_key: str = ""
    payment_stripe_webhook_secret: str = ""
    # Item pictures from the admin page (the page shrinks photos before upload); also capped
    # by max_body_bytes.
    menu_image_max_bytes: int = 240 * 1024
    # Printing (printing/worker.py): network ESC/POS printers on TCP 9100.
    printer_connect_timeout_s: float = 3.0
    printer_write_timeout_s: float = 3.0  # writing the job and the printer's status answer
    printer_retry_base_s: float = 1.0  # backoff doubles from here per failed attempt
    printer_retry_max_s: float = 30.0
    printer_reroute_after: int = 3  # failed attempts before a job goes to the backup printer
    printer_probe_interval_s: float = 15.0  # health checks (DLE EOT status query)
    printer_poll_s: float = 1.0  # the worker also wakes at once when a job is queued
    receipt_header: str = "Hearth 餐厅"
    # Operations (core/metrics.py, core/housekeeping.py, cli logging).
    log_format: str = "console"  # console | json (one JSON object a line, with request ids)
    metrics_token: str = ""  # the scraper's bearer token for /metrics; blank: 127.0.0.1 only
    # Stored idempotency answers are kept this long (at least the longest offline window, so
    # a till's retry after an outage still replays), then pruned in small batches.
    idempotency_keep_hours: int = Field(default=72, ge=24)
    idempotency_prune_every_s: float = 300.0
    idempotency_prune_batch: int = 500  # rows per writer transaction
    wal_checkpoint_every_s: float = 60.0  # PRAGMA wal_checkpoint(PASSIVE) on the writer's thread
    # Backups (backup/): online, verified, rotated (hourly for a day, daily for a month).
    backup_dir: str = ""  # blank: "backups" beside the store database (var/backups)
    backup_interval_s: float = 3600.0  # 0 turns the scheduled backup off (the button still works)
    # A store with no backup, or an overdue one, takes its first this long after start.
    backup_first_after_s: float = 30.0

    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.db_url.startswith(prefix) and self.db_url != "sqlite:///:memory:":
            return Path(self.db_url[len(prefix) :])
        return None
