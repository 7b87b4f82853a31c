"""A delivery-platform emulator: the platform's side of the webhooks, over real HTTP.

- ``PlatformClient`` signs and sends orders, cancellations and retries to a store node's
  webhooks, the way Meituan or Douyin would (with the same signing code the node verifies with).
- ``CallbackServer`` is the platform's status-callback endpoint: it checks our signature,
  records each callback once by its ``event_id`` (a repeat is acknowledged, not recorded twice)
  and can be told to fail the next calls, to prove the store node retries.

Command line (the demo prints this)::

    .venv/bin/python -m hearth.demo.delivery send --platform meituan \
        --url http://127.0.0.1:8000
    .venv/bin/python -m hearth.channels.delivery.emulator serve --port 8765
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httpx

from hearth.channels.delivery.domain import Platform
from hearth.channels.delivery.platforms import douyin, meituan
from hearth.core.config import Settings

WEBHOOK = "/api/delivery/webhooks/{platform}"


@dataclass(frozen=True, slots=True)
class Credentials:
    app_id: str
    secret: str


def demo_credentials(platform: Platform, settings: Settings | None = None) -> Credentials:
    s = settings or Settings()
    if platform is Platform.MEITUAN:
        return Credentials(s.delivery_meituan_app_id, s.delivery_meituan_secret)
    return Credentials(s.delivery_douyin_app_id, s.delivery_douyin_secret)


@dataclass(frozen=True, slots=True)
class Line:
    sku: str
    quantity: int
    price: int  # fen, the platform's price
    name: str = ""


class PlatformClient:
    """Sends signed pushes to a store node. ``client`` may be any httpx.Client (a TestClient)."""

    def __init__(
        self,
        platform: Platform,
        base_url: str,
        creds: Credentials,
        client: httpx.Client | None = None,
    ) -> None:
        self.platform = platform
        self.creds = creds
        self.client = client or httpx.Client(base_url=base_url, timeout=10.0)
        self.path = WEBHOOK.format(platform=platform.value)

    # -- building pushes ----------------------------------------------------------------------
    @staticmethod
    def new_order_id() -> str:
        return uuid.uuid4().hex[:16]

    def order_push(
        self,
        order_id: str,
        lines: Sequence[Line],
        *,
        created_at_s: int | None = None,
        paid: int | None = None,
        remark: str = "",
    ) -> dict[str, Any]:
        created = int(time.time()) if created_at_s is None else created_at_s
        total = sum(ln.price * ln.quantity for ln in lines)
        if self.platform is Platform.MEITUAN:
            order = {
                "order_id": order_id,
                "ctime": created,
                "paid": total if paid is None else paid,
                "remark": remark,
                "items": [
                    {"sku_id": ln.sku, "quantity": ln.quantity, "price": ln.price, "name": ln.name}
                    for ln in lines
                ],
            }
            return {"type": "order", "order": json.dumps(order, ensure_ascii=False)}
        return {
            "event": "order.created",
            "order": {
                "order_id": order_id,
                "create_time": created,
                "pay_amount": total if paid is None else paid,
                "remark": remark,
                "skus": [
                    {"sku_id": ln.sku, "count": ln.quantity, "price": ln.price, "name": ln.name}
                    for ln in lines
                ],
            },
        }

    def cancel_push(self, order_id: str, reason: str = "customer cancelled") -> dict[str, Any]:
        if self.platform is Platform.MEITUAN:
            return {"type": "cancel", "order_id": order_id, "reason": reason}
        return {"event": "order.cancelled", "order_id": order_id, "reason": reason}

    # -- sending --------------------------------------------------------------------------------
    def send(
        self,
        push: dict[str, Any],
        *,
        sent_at_s: int | None = None,
        secret: str | None = None,
        as_json: bool = False,
    ) -> httpx.Response:
        """Sign ``push`` (with ``secret`` to forge a bad signature) and POST it."""
        stamp = str(int(time.time()) if sent_at_s is None else sent_at_s)
        key = self.creds.secret if secret is None else secret
        if self.platform is Platform.MEITUAN:
            params = meituan.signed(
                {
                    **{k: str(v) for k, v in push.items()},
                    "app_id": self.creds.app_id,
                    "timestamp": stamp,
                },
                key,
            )
            if as_json:
                return self.client.post(self.path, json=params)
            return self.client.post(self.path, data=params)
        body = json.dumps(push, ensure_ascii=False, separators=(",", ":")).encode()
        return self.client.post(
            self.path, content=body, headers=douyin.headers(self.creds.app_id, stamp, body, key)
        )

    def send_order(
        self, lines: Sequence[Line], order_id: str | None = None, **kw: Any
    ) -> httpx.Response:
        return self.send(self.order_push(order_id or self.new_order_id(), lines, **kw))

    def send_cancel(self, order_id: str, reason: str = "customer cancelled") -> httpx.Response:
        return self.send(self.cancel_push(order_id, reason))


class CallbackServer:
    """The platforms' status-callback endpoints on one loopback port:
    ``/meituan/callback`` and ``/douyin/callback``."""

    def __init__(self, creds: dict[Platform, Credentials], port: int = 0) -> None:
        self.creds = creds
        self.lock = threading.Lock()
        self.received: dict[str, dict[str, Any]] = {}  # event_id -> first callback
        self.posts: Counter[str] = Counter()  # event_id -> signed calls seen, repeats included
        self.bad_signatures = 0
        self.fail_next = 0  # answer 500 without recording (a platform outage)
        self.lose_answer_next = 0  # record, then answer 500 (our answer was lost on the way)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(min(length, 1_000_000))
                status, body = server.handle(self.path, dict(self.headers.items()), raw)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, daemon=True, name="delivery-emulator"
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, platform: Platform) -> str:
        return f"http://127.0.0.1:{self.port}/{platform.value}/callback"

    def start(self) -> CallbackServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def statuses(self, platform_order_id: str | None = None) -> list[str]:
        with self.lock:
            return [
                c["status"]
                for c in self.received.values()
                if platform_order_id is None or c["platform_order_id"] == platform_order_id
            ]

    def handle(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        platform = next((p for p in Platform if path == f"/{p.value}/callback"), None)
        if platform is None:
            return 404, {"error": "no such endpoint"}
        creds = self.creds[platform]
        payload: dict[str, Any] | None
        if platform is Platform.MEITUAN:
            params = dict(parse_qsl(raw.decode(), keep_blank_values=True))
            ok = params.get("app_id") == creds.app_id and meituan.verify(params, creds.secret)
            payload = params if ok else None
        else:
            lower = {k.lower(): v for k, v in headers.items()}
            ok = douyin.verify(
                lower.get(douyin.TIMESTAMP_HEADER.lower(), ""),
                raw,
                lower.get(douyin.SIGNATURE_HEADER.lower(), ""),
                creds.secret,
            )
            payload = json.loads(raw) if ok else None
        style = meituan if platform is Platform.MEITUAN else douyin
        if payload is None:
            with self.lock:
                self.bad_signatures += 1
            return 401, style.refusal(1001, "bad signature")
        event_id = str(payload.get("event_id", ""))
        with self.lock:
            self.posts[event_id] += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return 500, style.refusal(5000, "platform busy")
            self.received.setdefault(
                event_id,
                {
                    k: payload[k]
                    for k in ("event_id", "platform_order_id", "status", "reason")
                    if k in payload
                },
            )
            if self.lose_answer_next > 0:
                self.lose_answer_next -= 1
                return 500, style.refusal(5001, "answer lost")
        return 200, style.ok_answer()


# -- command line ---------------------------------------------------------------------------
def main(
    argv: Sequence[str] | None = None,
    default_lines: Callable[[Platform], list[Line]] | None = None,
    prog: str = "python -m hearth.channels.delivery.emulator",
) -> int:
    """The emulator's command line; ``default_lines`` are what ``send`` sends without --sku
    (the demo restaurant passes two of its dishes: ``python -m hearth.demo.delivery``)."""
    parser = argparse.ArgumentParser(
        prog=prog, description="A Meituan/Douyin-style platform emulator."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    send = sub.add_parser("send", help="send a signed order (or cancellation) to a store node")
    send.add_argument("--platform", choices=[p.value for p in Platform], default="meituan")
    send.add_argument("--url", default="http://127.0.0.1:8000", help="the store node")
    send.add_argument("--order-id", help="platform order id (default: a new one)")
    send.add_argument(
        "--sku",
        action="append",
        default=[],
        help="SKU:QTY:PRICE_FEN, repeatable"
        + (" (default: two demo dishes)" if default_lines else ""),
    )
    send.add_argument(
        "--late-minutes",
        type=int,
        default=0,
        help="pretend the customer ordered this long ago (an outage backlog)",
    )
    send.add_argument("--repeat", type=int, default=1, help="send the same push N times")
    send.add_argument("--cancel", action="store_true", help="cancel --order-id instead")
    serve = sub.add_parser("serve", help="receive status callbacks and print them")
    serve.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)

    if args.command == "serve":
        server = CallbackServer({p: demo_credentials(p) for p in Platform}, args.port).start()
        print(f"status callbacks: {server.url(Platform.MEITUAN)} {server.url(Platform.DOUYIN)}")
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                with server.lock:
                    new = list(server.received.values())[seen:]
                for c in new:
                    print(json.dumps(c, ensure_ascii=False), flush=True)
                seen += len(new)
        except KeyboardInterrupt:
            server.stop()
        return 0

    platform = Platform(args.platform)
    client = PlatformClient(platform, args.url, demo_credentials(platform))
    order_id = args.order_id or client.new_order_id()
    if args.cancel:
        if not args.order_id:
            parser.error("--cancel needs --order-id")
        push = client.cancel_push(order_id)
    else:
        lines = [
            Line(s.split(":")[0], int(s.split(":")[1]), int(s.split(":")[2])) for s in args.sku
        ] or (default_lines(platform) if default_lines else [])
        if not lines:
            parser.error("say what to order with --sku SKU:QTY:PRICE_FEN")
        created = int(time.time()) - args.late_minutes * 60
        push = client.order_push(order_id, lines, created_at_s=created)
    code = 0
    for _ in range(max(1, min(args.repeat, 100))):
        r = client.send(push)
        print(f"{platform.value} order {order_id}: HTTP {r.status_code} {r.text}")
        code = 0 if r.status_code == 200 else 1
    return code


if __name__ == "__main__":
    sys.exit(main())
