"""The menu module's contribution: the catalogue, its caches and search."""

from __future__ import annotations

import asyncio

from hearth.core.module import Module
from hearth.core.node import Node
from hearth.menu import api, projections, service
from hearth.menu.catalogue_cache import CatalogueCache
from hearth.menu.errors import MenuError
from hearth.menu.search_index import MenuSearchIndex


def on_build(node: Node) -> None:
    """The POS's search index and encoded catalogue, kept current by the writer's commits."""
    index, cache = MenuSearchIndex(), CatalogueCache(service.catalogue)
    node.parts.put(index)
    node.parts.put(cache)
    node.writer.listeners.extend((index.on_commit, cache.on_commit))


def _warm(node: Node) -> None:
    with node.engine.connect() as conn:
        node.parts.get(MenuSearchIndex).load(conn)
        node.parts.get(CatalogueCache).get(conn)


async def on_start(node: Node) -> None:
    """Build both at start-up, so the first till after a restart does not wait for them."""
    await asyncio.to_thread(_warm, node)


MODULE = Module(
    "menu",
    projectors=projections.projectors,
    routers=(api.router,),
    public_routes=api.PUBLIC_ROUTES,
    on_build=on_build,
    on_start=on_start,
    errors=MenuError,
)
