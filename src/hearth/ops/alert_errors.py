"""The refusals of the alert routes."""

from hearth.core.errors import ErrorCode


class AlertError(ErrorCode):
    NOT_FOUND = ("alert-not-found", 404, "There is no such alert", "没有这条告警")
