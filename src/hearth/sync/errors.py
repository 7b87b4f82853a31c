"""Every refusal the sync module gives."""

from hearth.core.errors import ErrorCode


class SyncError(ErrorCode):
    NOT_ENROLLED = ("sync-not-enrolled", 409, "This store has not joined an HQ", "本店尚未加入总部")
    EVENTS_WAITING = (
        "sync-events-waiting",
        409,
        "Events are still waiting for HQ",
        "还有事件等待上传总部",
    )
    HQ_UNREACHABLE = ("sync-hq-unreachable", 503, "HQ cannot be reached", "无法连接总部")
    ENROL_REFUSED = ("sync-enrol-refused", 422, "HQ refused the enrolment code", "总部拒绝了加入码")
    WRONG_STORE = (
        "sync-wrong-store",
        409,
        "The code belongs to another store",
        "该加入码属于其他门店",
    )
    DATABASE_NOT_EMPTY = (
        "sync-database-not-empty",
        409,
        "The database already holds events",
        "数据库中已有事件",
    )
    RESTORE_MISMATCH = (
        "sync-restore-mismatch",
        502,
        "HQ's copy did not check out",
        "总部的数据校验不一致",
    )
