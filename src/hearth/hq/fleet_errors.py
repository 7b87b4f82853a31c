"""Refusals of HQ's fleet endpoints (store reports and backup copies), in English and Chinese."""

from __future__ import annotations

from hearth.core.errors import ErrorCode


class FleetError(ErrorCode):
    REPORT_INVALID = ("fleet-report-invalid", 422, "The report is not valid", "健康报告无效")
    BACKUP_NAME_INVALID = (
        "fleet-backup-name-invalid",
        422,
        "Backup names are letters, digits, dots and dashes, ending in .db",
        "备份文件名只能含字母、数字、点和横线，并以 .db 结尾",
    )
    BACKUP_PART_OUT_OF_ORDER = (
        "fleet-backup-part-out-of-order",
        409,
        "Backup parts must arrive in order",
        "备份分段必须按顺序上传",
    )
    BACKUP_PART_TOO_LARGE = (
        "fleet-backup-part-too-large",
        413,
        "A backup part is too large",
        "备份分段过大",
    )
    BACKUP_CHECKSUM = (
        "fleet-backup-checksum",
        422,
        "The backup does not match its checksum",
        "备份与校验值不符",
    )
    BACKUP_NOT_FOUND = ("fleet-backup-not-found", 404, "No such backup at HQ", "总部没有这份备份")
