"""Every refusal the backup module gives."""

from hearth.core.errors import ErrorCode


class BackupError(ErrorCode):
    NOT_SQLITE = (
        "backup-not-sqlite",
        409,
        "Only a SQLite store database can be backed up here",
        "只能备份 SQLite 门店数据库",
    )
    NO_GOOD_BACKUP = (
        "backup-none-good",
        404,
        "There is no good backup to restore",
        "没有可用于恢复的完好备份",
    )
    IN_USE = (
        "backup-database-in-use",
        409,
        "The store database is in use: stop the node first",
        "门店数据库正在使用中，请先停止门店服务",
    )
    WOULD_LOSE = (
        "backup-would-lose-events",
        409,
        "Restoring would lose events that HQ does not hold",
        "恢复将丢失总部未保存的事件",
    )
    FAILED = ("backup-failed", 503, "The backup could not be taken", "备份失败")
    HQ_SHORT = (
        "backup-hq-short",
        502,
        "HQ did not give back every event it holds",
        "总部未能返回其保存的全部事件",
    )
