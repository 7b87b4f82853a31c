"""Every refusal the staff module gives: sign-in, PINs, lockouts, approvals, terminals."""

from hearth.core.errors import ErrorCode


class StaffError(ErrorCode):
    ACCOUNT_LOCKED = ("account-locked", 423, "Too many wrong PINs", "PIN 错误次数过多")
    ACCOUNT_LOCKED_UNTIL_UNLOCKED = (
        "account-locked",
        423,
        "Locked: a manager must unlock this account",
        "已锁定：需经理解锁此账号",
    )
    APPROVAL_INVALID = ("approval-invalid", 403, "Approval not accepted", "授权未通过")
    APPROVAL_NOT_A_MANAGER = (
        "approval-not-a-manager",
        403,
        "Approval needs a manager",
        "授权需要经理",
    )
    LAST_OWNER = ("last-owner", 409, "The store needs an owner", "门店需要一位店主")
    LOGIN_FAILED = ("login-failed", 401, "Wrong staff code or PIN", "员工编号或 PIN 错误")
    PASSWORD_LOGIN_NOT_ALLOWED = (
        "password-login-not-allowed",
        403,
        "Admin sign-in is for managers",
        "管理后台仅限经理登录",
    )
    PASSWORD_TOO_SHORT = ("password-too-short", 422, "Password too short", "密码太短")
    OWNER_ONLY_ADDS_OWNER = (
        "permission-denied",
        403,
        "Only an owner can add an owner",
        "只有店主可以添加店主",
    )
    OWNER_ONLY_CHANGES_OWNER = (
        "permission-denied",
        403,
        "Only an owner can change an owner",
        "只有店主可以修改店主",
    )
    OWNER_ONLY_RESETS_OWNER_PIN = (
        "permission-denied",
        403,
        "Only an owner can reset an owner's PIN",
        "只有店主可以重置店主的 PIN",
    )
    OWNER_ONLY_UNLOCKS_OWNER = (
        "permission-denied",
        403,
        "Only an owner can unlock an owner",
        "只有店主可以为店主解锁",
    )
    PIN_INVALID = (
        "pin-invalid",
        422,
        "PIN must be {pin_min_digits} to {pin_max_digits} digits",
        "PIN 须为 {pin_min_digits} 到 {pin_max_digits} 位数字",
    )
    PIN_TOO_SHORT = (
        "pin-too-short",
        422,
        "A {role}'s PIN needs {need} digits",
        "{role} 的 PIN 需要 {need} 位数字",
    )
    PIN_TOO_SHORT_FOR_ROLE = (
        "pin-too-short-for-role",
        409,
        "Set a {need}-digit PIN first",
        "请先设置 {need} 位 PIN",
    )
    PIN_TOO_SIMPLE = ("pin-too-simple", 422, "PIN too simple", "PIN 过于简单")
    ROLE_UNKNOWN = ("role-unknown", 422, "Unknown role", "未知角色")
    STAFF_CODE_TAKEN = ("staff-code-taken", 409, "Staff code in use", "员工编号已被使用")
    STAFF_CODE_NAME_REQUIRED = (
        "staff-invalid",
        422,
        "Code and name are required",
        "员工编号和姓名为必填项",
    )
    STAFF_NAME_REQUIRED = ("staff-invalid", 422, "Name is required", "姓名为必填项")
    STAFF_NOT_FOUND = ("staff-not-found", 404, "No such staff", "没有该员工")
    STAFF_SELF_DEACTIVATE = (
        "staff-self-edit",
        422,
        "You cannot deactivate yourself",
        "不能停用自己",
    )
    STAFF_SELF_ROLE_CHANGE = (
        "staff-self-edit",
        422,
        "You cannot change your own role",
        "不能修改自己的角色",
    )
    STAFF_SELF_UNLOCK = ("staff-self-unlock", 403, "You cannot unlock yourself", "不能为自己解锁")
    TERMINAL_IS_KIOSK = (
        "terminal-is-kiosk",
        403,
        "Staff do not sign in on a kiosk",
        "员工不能在自助点餐机上登录",
    )
    TERMINAL_KIND = ("terminal-kind", 422, "Which kind of device?", "是哪种设备？")
    TERMINAL_NAME = ("terminal-name", 422, "Name the terminal", "请为终端命名")
    TERMINAL_NOT_FOUND = ("terminal-not-found", 404, "No such terminal", "没有该终端")
    TERMINAL_NOT_REGISTERED = (
        "terminal-not-registered",
        401,
        "This device is not registered",
        "此设备尚未登记",
    )
