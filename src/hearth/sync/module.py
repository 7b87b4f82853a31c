"""The sync module's contribution: the store's side of HQ sync (upload, catalogue, restore)."""

from hearth.core.module import Module
from hearth.sync import api, lifecycle
from hearth.sync.errors import SyncError

MODULE = Module("sync", routers=(api.router,), on_build=lifecycle.on_build,
                on_start=lifecycle.on_start, on_stop=lifecycle.on_stop, errors=SyncError)
