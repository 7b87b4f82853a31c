"""Build the store's provider adapters from settings: the one place that knows which SDK
talks to which host with which keys.

With ``payment_emulator_url`` set, every adapter points at the emulator (Alipay's
``/gateway.do``, WeChat's ``/v3/...``, the card acquirer's ``/v1/...`` all live there) and any
key left blank is fetched from the emulator on first use.
"""

from __future__ import annotations

from hearth.core.config import Settings
from hearth.payments.providers import alipay, card, wechat
from hearth.payments.providers.base import Provider


def notify_url(settings: Settings, provider: str) -> str | None:
    template = settings.payment_notify_url_template
    return template.format(provider=provider) if template else None


KEY_FIELDS = {
    "alipay": ("app_id", "app_private_key", "platform_public_key"),
    "wechat": (
        "mchid",
        "appid",
        "cert_serial_no",
        "private_key",
        "platform_public_key",
        "public_key_id",
        "apiv3_key",
    ),
    "card": ("api_key", "webhook_secret"),
}


def configured(settings: Settings, name: str) -> bool:
    prefix = "payment_stripe_" if name == "card" else f"payment_{name}_"
    return all(getattr(settings, prefix + f, "") for f in KEY_FIELDS.get(name, ()))


def build_providers(settings: Settings) -> list[Provider]:
    """The adapters named in ``payment_providers``, in that order (the router's default
    priority). Unknown names are an error: a typo must not silently drop a tender."""
    emu = settings.payment_emulator_url.rstrip("/")
    # Each call gets a socket timeout a little above the caller's own deadline, so the
    # caller's deadline decides and a worker thread never outlives it for long.
    timeout_s = max(0.5, settings.payment_call_timeout_ms / 1000 + 0.5)
    out: list[Provider] = []
    for name in [n.strip() for n in settings.payment_providers.split(",") if n.strip()]:
        if not emu and not configured(settings, name):
            continue  # no keys and no emulator: an adapter that could only fail
        if name == "alipay":
            out.append(
                alipay.AlipayProvider(
                    gateway=f"{emu}/gateway.do" if emu else alipay.REAL_GATEWAY,
                    app_id=settings.payment_alipay_app_id,
                    app_private_key=settings.payment_alipay_app_private_key,
                    platform_public_key=settings.payment_alipay_platform_public_key,
                    notify_url=notify_url(settings, "alipay"),
                    timeout_s=timeout_s,
                    emulator_url=emu,
                )
            )
        elif name == "wechat":
            out.append(
                wechat.WechatProvider(
                    gateway=emu or wechat.REAL_GATEWAY,
                    notify_url=notify_url(settings, "wechat"),
                    timeout_s=timeout_s,
                    emulator_url=emu,
                    wechat_mchid=settings.payment_wechat_mchid,
                    wechat_appid=settings.payment_wechat_appid,
                    wechat_cert_serial_no=settings.payment_wechat_cert_serial_no,
                    wechat_private_key=settings.payment_wechat_private_key,
                    wechat_platform_public_key=settings.payment_wechat_platform_public_key,
                    wechat_public_key_id=settings.payment_wechat_public_key_id,
                    wechat_apiv3_key=settings.payment_wechat_apiv3_key,
                )
            )
        elif name == "card":
            out.append(
                card.CardProvider(
                    api_base=emu or "https://api.stripe.com",
                    api_key=settings.payment_stripe_api_key,
                    webhook_secret=settings.payment_stripe_webhook_secret,
                    timeout_s=timeout_s,
                    emulator_url=emu,
                )
            )
        else:
            raise ValueError(f"unknown payment provider {name!r} in payment_providers")
    return out
