"""The payments module's contribution: tenders, providers with failover, the settler, refunds,
shifts and reconciliation."""

from collections.abc import Iterator

from prometheus_client.metrics_core import Metric

from hearth.core.metrics import gauge
from hearth.core.module import Module
from hearth.core.node import Node
from hearth.payments import api, lifecycle, projections
from hearth.payments.errors import PaymentsError
from hearth.payments.provider_routing import BreakerState
from hearth.payments.runtime import PaymentsRuntime

MODULE = Module(
    "payments",
    projectors=projections.projectors,
    routers=(api.router,),
    public_routes=api.PUBLIC_ROUTES,
    on_start=lifecycle.on_start,
    on_stop=lifecycle.on_stop,
    errors=PaymentsError,
    ready=lambda node: ready(node),
    metrics=lambda node: metrics(node),
)


def _routes(node: Node) -> list[dict[str, object]]:
    runtime = node.parts.find(PaymentsRuntime)
    return runtime.routing.to_json() if runtime is not None else []


def ready(node: Node) -> str:
    """Cash always works once payments run; a provider with its breaker open degrades."""
    if node.parts.find(PaymentsRuntime) is None:
        return "down"
    routes = [r for r in _routes(node) if r["enabled"]]
    return "degraded" if any(r["state"] != BreakerState.CLOSED.value for r in routes) else "ready"


def metrics(node: Node) -> Iterator[Metric]:
    """Each provider's breaker (1 for its current state) and health score (0 to 1)."""
    routes = _routes(node)
    yield gauge(
        "hearth_payment_provider_breaker_state",
        "1 for the provider's current circuit-breaker state.",
        ["provider", "state"],
        (
            ([str(r["name"]), s.value], 1 if r["state"] == s.value else 0)
            for r in routes
            for s in BreakerState
        ),
    )
    yield gauge(
        "hearth_payment_provider_health_ratio",
        "The provider's recent success score, 1 healthy to 0 failing.",
        ["provider"],
        (([str(r["name"])], float(r["health"])) for r in routes),  # type: ignore[arg-type]
    )
