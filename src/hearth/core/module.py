"""What a module contributes to the store node, declared in one place.

Each module has a ``module.py`` with one ``Module`` value; ``hearth.bootstrap.MODULES`` lists
them, and that list is the only place the node learns of a module. Adding a module is adding
its folder and one line there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from fastapi import APIRouter
from prometheus_client.metrics_core import Metric

from hearth.core.errors import ErrorCode
from hearth.core.journal import ProjectorRegistry
from hearth.core.node import Node
from hearth.core.subscribers import Subscriber

Route = tuple[str, str]  # (method, path template) as FastAPI reports it


@dataclass(frozen=True)
class Module:
    name: str
    # Its projectors (and the tables they own): the only writers of its tables, live and in a
    # rebuild.
    projectors: ProjectorRegistry | None = None
    # Its API and page routers.
    routers: tuple[APIRouter, ...] = ()
    # Routes that take no staff sign-in (a diner's table token, a platform's signature, a
    # kiosk key instead); the permission matrix test holds every other route to a permission.
    public_routes: frozenset[Route] = frozenset()
    # Called once when the node is built, before anything runs: put the module's parts on the
    # node, listen to the writer's commits.
    on_build: Callable[[Node], None] | None = None
    # Journal subscribers the module runs (started with the writer).
    subscribers: Callable[[Node], list[Subscriber]] | None = None
    # Called once the writer runs, before the first request; and before the writer stops.
    on_start: Callable[[Node], Awaitable[None]] | None = None
    on_stop: Callable[[Node], Awaitable[None]] | None = None
    # Its error catalogue (its ``errors.py``): every code it raises, with both titles; the
    # catalogue test holds each member to a Chinese and an English title.
    errors: type[ErrorCode] | None = None
    # How ready it is now, for ``/readyz``: "ready", "degraded" (working with something
    # missing) or "down". Quick and read-only: a load balancer asks every few seconds.
    ready: Callable[[Node], str] | None = None
    # Its gauges read at scrape time for ``/metrics`` (``hearth_`` names, base units).
    metrics: Callable[[Node], Iterable[Metric]] | None = None
