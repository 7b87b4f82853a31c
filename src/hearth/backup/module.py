"""The backup module's contribution: hourly verified backups, the owner's button, the list."""

from hearth.backup import api, lifecycle
from hearth.backup.errors import BackupError
from hearth.core.module import Module

MODULE = Module(
    "backup",
    routers=(api.router,),
    on_build=lifecycle.on_build,
    on_start=lifecycle.on_start,
    on_stop=lifecycle.on_stop,
    errors=BackupError,
)
