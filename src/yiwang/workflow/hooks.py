"""Transition hooks: how domains learn that one of their instances moved.

A plain registry (not Django signals). Register in your AppConfig.ready():

    from yiwang.workflow.hooks import on_transition

    @on_transition(definition="yiwang_tongban")
    def _notify_applicant(notice: TransitionNotice) -> None: ...

`phase="commit"` (default) callbacks run after the transaction commits (notifications, messages);
a failure there is logged and does not undo the transition. `phase="atomic"` callbacks run inside
the transition's transaction right after the event is written (keep a domain status in step, also
when `tick` runs an automatic action); raising there rolls the transition back.

One subscriber is built in: `workflow.subscribers.notify_owner` (registered in `WorkflowConfig.ready`)
sends the instance's owner an in-app message for every move made by someone else."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from django.db.models import Model

    from yiwang.workflow.models import ProcessInstance

logger = logging.getLogger(__name__)

Phase = Literal["atomic", "commit"]


@dataclass(frozen=True)
class TransitionNotice:
    instance_id: str
    definition_code: str
    action: str
    from_state: str
    to_state: str
    event_id: int
    actor_user_id: int | None
    content_type: str  # "app_label.model"
    object_id: str
    completed: bool
    owner_user_id: int | None = None  # the applicant's account, if the instance has one
    # The instance as the engine just saved it, so atomic-phase hooks need not read it again.
    instance: ProcessInstance | None = field(default=None, compare=False, repr=False)
    # The domain object as the caller of `instance_start` holds it (start only), to compare with.
    obj: Model | None = field(default=None, compare=False, repr=False)


Callback = Callable[[TransitionNotice], None]


@dataclass(frozen=True)
class _Subscription:
    callback: Callback
    definition: str | None
    phase: Phase


_registry: list[_Subscription] = []


def on_transition(
    callback: Callback | None = None, *, definition: str | None = None, phase: Phase = "commit"
) -> Callable[[Callback], Callback] | Callback:
    """Subscribe `callback` to transitions (of one definition code, or all when None)."""

    def register(func: Callback) -> Callback:
        subscription = _Subscription(func, definition, phase)
        if subscription not in _registry:
            _registry.append(subscription)
        return func

    return register(callback) if callback is not None else register


def unsubscribe(callback: Callback) -> None:
    _registry[:] = [s for s in _registry if s.callback is not callback]


def subscriptions(notice: TransitionNotice, phase: Phase) -> list[Callback]:
    return [
        s.callback
        for s in _registry
        if s.phase == phase and (s.definition is None or s.definition == notice.definition_code)
    ]


def run_atomic(notice: TransitionNotice) -> None:
    for callback in subscriptions(notice, "atomic"):
        callback(notice)


def run_after_commit(notice: TransitionNotice) -> None:
    for callback in subscriptions(notice, "commit"):
        try:
            callback(notice)
        except Exception:
            logger.exception("工作流回调 %s 执行失败（流程实例 %s）", callback, notice.instance_id)
