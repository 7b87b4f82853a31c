"""HQ's error catalogue: every refusal a store or an HQ owner can get, in English and Chinese.

The codes are the wire contract of docs/sync-protocol.md: a store's sync client matches on
them (a gap tells it where to resume, fenced tells it to stop)."""

from __future__ import annotations

from hearth.core.errors import ErrorCode


class HQError(ErrorCode):
    UNAUTHORIZED = ("sync-unauthorized", 401, "Store credential not valid", "门店凭据无效")
    REVOKED = ("sync-revoked", 401, "This store has been revoked at HQ", "该门店已被总部停用")
    WRONG_STORE = (
        "sync-wrong-store",
        403,
        "A store may only send its own data",
        "门店只能发送自己的数据",
    )
    ENROL_CODE_INVALID = ("sync-enrol-code-invalid", 401, "Enrolment code not valid", "注册码无效")
    ENROL_CODE_EXPIRED = ("sync-enrol-code-expired", 401, "Enrolment code expired", "注册码已过期")
    BAD_GZIP = ("sync-bad-gzip", 400, "The body is not valid gzip", "请求体不是有效的 gzip")
    BAD_JSON = ("sync-bad-json", 400, "The body is not valid JSON", "请求体不是有效的 JSON")
    BATCH_TOO_LARGE = ("sync-batch-too-large", 413, "Batch too large", "批次过大")
    BATCH_UNORDERED = (
        "sync-batch-unordered",
        422,
        "Batch not in contiguous seq order",
        "批次未按连续序号排列",
    )
    EVENT_INVALID = ("sync-event-invalid", 422, "An event is not valid", "事件无效")
    GAP = ("sync-gap", 409, "Events missing before this batch", "此批次之前缺少事件")
    DIVERGENCE = (
        "sync-divergence",
        409,
        "The store's journal differs from HQ's copy",
        "门店日志与总部副本不一致",
    )
    FENCED = (
        "sync-fenced",
        409,
        "This box's epoch was replaced by a restore",
        "该设备的纪元已被恢复操作取代",
    )
    EPOCH_UNKNOWN = ("sync-epoch-unknown", 422, "HQ has not issued this epoch", "总部未签发该纪元")
    RANGE_INVALID = ("sync-range-invalid", 422, "Range not valid", "范围无效")
    STORE_EXISTS = ("hq-store-exists", 409, "A store with this id exists", "该门店编号已存在")
    STORE_NOT_FOUND = ("hq-store-not-found", 404, "No such store", "没有该门店")
    STORE_ID_INVALID = ("hq-store-id-invalid", 422, "Store id not valid", "门店编号无效")
    SIGN_IN_FAILED = ("hq-sign-in-failed", 401, "Wrong code or password", "账号或密码错误")
    NOT_SIGNED_IN = ("hq-not-signed-in", 401, "Please sign in to HQ", "请先登录总部")
    CATALOGUE_EVENT_INVALID = (
        "hq-catalogue-event-invalid",
        422,
        "Catalogue event not valid",
        "菜单事件无效",
    )
    CATALOGUE_SCOPE_INVALID = (
        "hq-catalogue-scope-invalid",
        422,
        "Catalogue scope not valid",
        "菜单范围无效",
    )
    IDEMPOTENCY_KEY_MISSING = (
        "idempotency-key-missing",
        400,
        "Idempotency-Key header needed",
        "缺少 Idempotency-Key 请求头",
    )
    IDEMPOTENCY_KEY_REUSED = (
        "idempotency-key-reused",
        422,
        "Idempotency key already used",
        "该幂等键已被使用",
    )
