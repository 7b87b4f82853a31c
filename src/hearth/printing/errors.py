"""Every refusal the printing module gives: printers, backups, print jobs."""

from hearth.core.errors import ErrorCode


class PrintingError(ErrorCode):
    BACKUP_CYCLE = ("backup-cycle", 422, "Backups go round in a circle", "备用打印机形成了循环")
    BACKUP_IS_SELF = (
        "backup-is-self",
        422,
        "Backup must be another printer",
        "备用打印机须是另一台打印机",
    )
    BACKUP_UNKNOWN = ("backup-unknown", 422, "Unknown backup printer", "未知的备用打印机")
    DEDUPE_KEY_INVALID = ("dedupe-key-invalid", 422, "Dedupe key needed", "需要去重键")
    PAPER_WIDTH_INVALID = (
        "paper-width-invalid",
        422,
        "Paper is 58 or 80 mm",
        "纸宽为 58 或 80 毫米",
    )
    PRINT_DOCUMENT_INVALID = ("print-document-invalid", 422, "Cannot print this", "无法打印此内容")
    PRINT_JOB_NOT_FOUND = ("print-job-not-found", 404, "No such print job", "没有该打印任务")
    PRINT_KIND_INVALID = ("print-kind-invalid", 422, "Kitchen or receipt", "后厨单还是小票")
    PRINTER_HOST_INVALID = ("printer-host-invalid", 422, "Printer address needed", "需要打印机地址")
    PRINTER_KIND_INVALID = (
        "printer-kind-invalid",
        422,
        "Kitchen or receipt printer",
        "后厨打印机还是小票打印机",
    )
    PRINTER_NAME_INVALID = ("printer-name-invalid", 422, "Name the printer", "请为打印机命名")
    PRINTER_NAME_TAKEN = ("printer-name-taken", 409, "Printer name in use", "打印机名称已被使用")
    PRINTER_NONE = ("printer-none", 409, "No printer to print on", "没有可用的打印机")
    PRINTER_NOT_FOUND = ("printer-not-found", 404, "No such printer", "没有该打印机")
    PRINTER_PORT_INVALID = ("printer-port-invalid", 422, "Port out of range", "端口超出范围")
    PRINTER_UNKNOWN = ("printer-unknown", 422, "Unknown printer", "未知打印机")
    STATION_UNKNOWN = ("station-unknown", 422, "Unknown station", "未知工位")
    # A field given as null in a change: the code names the field, as it always has.
    PRINTER_NAME_EMPTY = ("printer-name-invalid", 422, "{name} cannot be empty", "{name} 不能为空")
    PRINTER_HOST_EMPTY = ("printer-host-invalid", 422, "{name} cannot be empty", "{name} 不能为空")
    PRINTER_PORT_EMPTY = ("printer-port-invalid", 422, "{name} cannot be empty", "{name} 不能为空")
    PRINTER_KIND_EMPTY = ("printer-kind-invalid", 422, "{name} cannot be empty", "{name} 不能为空")
    PRINTER_PAPER_WIDTH_EMPTY = (
        "printer-paper-width-invalid",
        422,
        "{name} cannot be empty",
        "{name} 不能为空",
    )
    PRINTER_ENABLED_EMPTY = (
        "printer-enabled-invalid",
        422,
        "{name} cannot be empty",
        "{name} 不能为空",
    )
