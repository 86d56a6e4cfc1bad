"""Codes the 12345 app relies on: its process definition, the states and actions it runs by code
(registered as the definition's contract in `HotlineConfig.ready`), and its settings."""

from __future__ import annotations

from django.conf import settings

DEFINITION = "hotline_12345"
JOINT_DEFINITION = "hotline_joint"
TICKET_MODEL_LABEL = "hotline.ticket"
TICKET_CONTENT_TYPE = TICKET_MODEL_LABEL

STATES = ("registered", "dispatched", "returned", "handling", "joint", "replied", "closed", "archived")
CONTRACT_ACTIONS = (
    "dispatch",
    "joint_dispatch",
    "consolidate",
    "answer_directly",
    "sign_for",
    "return_ticket",
    "redispatch",
    "refuse_return",
    "extend",
    "reply",
    "close",
    "reject_reply",
    "callback",
    "reopen",
)

# The time limits when no rule is configured (`ServiceLevel`): 紧急 24 hours around the clock,
# 一般 5 working days, 复杂 15 working days (the SLAs of the 12345 issue).
DEFAULT_SERVICE_LEVELS = {
    ("general", "normal"): {"working_days": 5},
    ("complex", "normal"): {"working_days": 15},
    ("general", "urgent"): {"natural_hours": 24},
    ("complex", "urgent"): {"natural_hours": 24},
}

# Duplicate detection at intake (并单 suggestions): open tickets of the last days in the same
# community (or district) whose text is this similar.
DUPLICATE_WINDOW_DAYS = 7
DUPLICATE_MIN_SIMILARITY = 0.3
DUPLICATE_LIMIT = 5

MAX_CONTENT_LENGTH = 4000
MAX_ATTACHMENTS = 9


def center_code() -> str:
    """The organisation code of the hotline centre: new tickets belong to it until dispatched."""
    return str(getattr(settings, "HOTLINE_CENTER", "city-12345"))


def auto_dispatch_confidence() -> float:
    """At or above this confidence the dispatcher confirms the suggestion with one key; below it the
    ticket waits for a human choice among the top three (`YIWANG_HOTLINE_CONFIDENCE`)."""
    return float(getattr(settings, "HOTLINE_CONFIDENCE", 0.6))
