"""``python -m hearth.payments.emulator --port 8765``: the emulator as its own process."""

from __future__ import annotations

import argparse
import json
import socket

import uvicorn

from hearth.payments.emulator import asgi_app
from hearth.payments.emulator.signing import generate_keys
from hearth.payments.emulator.state import EmulatorState


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--fd", type=int, help="serve on this inherited, already bound socket")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keys-out", help="write the generated test keys (JSON) to this file")
    p.add_argument("--stripe-webhook-url")
    args = p.parse_args()
    state = EmulatorState(generate_keys())
    state.faults.reset(args.seed)
    state.stripe_webhook_url = args.stripe_webhook_url
    if args.keys_out:
        with open(args.keys_out, "w") as f:
            json.dump(state.keys.to_dict(), f)
    if args.fd is not None:  # a parent holds the port (tests); it knows where we are
        config = uvicorn.Config(asgi_app(state), log_level="warning", timeout_graceful_shutdown=1)
        uvicorn.Server(config).run(sockets=[socket.socket(fileno=args.fd)])
        return
    print(
        f"payment emulator on http://127.0.0.1:{args.port} (keys: GET /_emulator/keys)", flush=True
    )
    uvicorn.run(
        asgi_app(state),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
