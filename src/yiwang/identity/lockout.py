"""Login lockout: per account and address with progressive back-off, and a per-address throttle.

django-axes does the plumbing — its backend refuses a locked login before the password is checked,
its middleware turns a lock into our lockout page (`AXES_LOCKOUT_CALLABLE`), its client-address hook
is `core.client_address`, and it stores every counted failure in `AccessFailureLog` — while this
handler (`AXES_HANDLER`) decides what is locked. Two rules, each with its own limit:

* **account at an address** (username + client address): `AXES_FAILURE_LIMIT` failures in a row
  (a pause of `YIWANG_LOCKOUT_MINUTES` starts the count again) lock that account *from that address*
  for `YIWANG_LOCKOUT_MINUTES`; each further lock within `MEMORY` lasts twice as long, up to
  `YIWANG_LOCKOUT_MAX_MINUTES`. A successful login from that address starts afresh. Strangers
  guessing an administrator's password lock only themselves: the administrator still signs in from
  the office.
* **address** (password spraying): `YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT` failures from one address,
  whatever the accounts, within `YIWANG_LOCKOUT_MINUTES` stop all logins from it until the oldest of
  them is that old.

axes' own settings cannot say this: `AXES_LOCKOUT_PARAMETERS` takes one `AXES_FAILURE_LIMIT` for
every parameter group (the address group, a superset of the pair, would lock first), and its
`AXES_COOLOFF_TIME` is also the window in which failures count and after which *every* row is
deleted, so a cool-off that grows per account would cut other accounts' locks short. The rules below
are pure functions of failure times, tested on their own.

Attempts refused while locked are not counted (`AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT =
False`): the time the page shows for a retry stays true. An administrator unlocks with
`identity.actions.account_unlock` (admin action 「解除登录锁定」, `yiwang unlock_login`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

MEMORY = timedelta(hours=24)  # how long a lock makes the next one longer
ACCOUNT = "account"
ADDRESS = "address"


@dataclass(frozen=True)
class LockState:
    """Where a login from one account and address stands."""

    locked_until: datetime | None  # None: not locked
    remaining: int  # failures left before a lock (0 while locked)
    rule: str = ""  # ACCOUNT or ADDRESS while locked

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def first_lock() -> timedelta:
    return timedelta(minutes=float(settings.YIWANG_LOCKOUT_MINUTES))


def longest_lock() -> timedelta:
    return max(timedelta(minutes=float(settings.YIWANG_LOCKOUT_MAX_MINUTES)), first_lock())


def lock_duration(lock_number: int, *, first: timedelta, longest: timedelta) -> timedelta:
    """The n-th lock within MEMORY (1, 2, …): first, 2×first, 4×first, … up to `longest`."""
    if lock_number <= 1:
        return min(first, longest)
    return min(first * 2 ** min(lock_number - 1, 30), longest)


def account_state(
    failures: Iterable[datetime], *, now: datetime, limit: int, first: timedelta, longest: timedelta
) -> LockState:
    """The account-at-an-address rule over its counted failures (any order): `limit` failures, each
    less than `first` after the one before, lock for `lock_duration(n)` from the last of them."""
    locks = 0
    run = 0
    previous: datetime | None = None
    locked_until: datetime | None = None
    for moment in sorted(failures):
        if locked_until is not None and moment < locked_until:
            continue  # refused while locked (not normally stored): does not count
        if previous is not None and moment - previous >= first:
            run = 0
        run += 1
        previous = moment
        if run >= limit:
            locks += 1
            locked_until = moment + lock_duration(locks, first=first, longest=longest)
            run = 0
    if locked_until is not None and now < locked_until:
        return LockState(locked_until, 0, ACCOUNT)
    if previous is not None and now - previous >= first:
        run = 0
    return LockState(None, max(limit - run, 1))


def address_state(failures: Iterable[datetime], *, now: datetime, limit: int, window: timedelta) -> LockState:
    """The address rule: `limit` failures within `window` stop logins until fewer than `limit`
    remain in it, i.e. until the `limit`-th most recent one is `window` old."""
    recent = sorted((m for m in failures if now - window < m <= now), reverse=True)
    if len(recent) >= limit:
        return LockState(recent[limit - 1] + window, 0, ADDRESS)
    return LockState(None, limit - len(recent))


def combined(account: LockState, address: LockState) -> LockState:
    """Locked when either rule locks (until the later end); otherwise the fewer attempts left."""
    ends = [s for s in (account, address) if s.locked_until is not None]
    if ends:
        latest = max(ends, key=lambda s: s.locked_until or datetime.min)
        return LockState(latest.locked_until, 0, latest.rule)
    return LockState(None, min(account.remaining, address.remaining))


def _address_q(address: str | None) -> Q:
    return Q(ip_address__isnull=True) if address is None else Q(ip_address=address)


def lock_state(username: str | None, address: str | None, *, now: datetime | None = None) -> LockState:
    """The state of a login as `username` from `address`, read from axes' failure log (3 queries)."""
    now = now or timezone.now()
    address = address or None
    first, longest = first_lock(), longest_lock()
    address_failures = AccessFailureLog.objects.filter(
        _address_q(address), attempt_time__gt=now - first
    ).values_list("attempt_time", flat=True)
    state_of_address = address_state(
        address_failures, now=now, limit=settings.YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT, window=first
    )
    if not username:
        return combined(LockState(None, settings.AXES_FAILURE_LIMIT), state_of_address)
    since = now - max(MEMORY, longest)
    last_success = (
        AccessLog.objects.filter(_address_q(address), username=username, attempt_time__gte=since)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    account_failures = AccessFailureLog.objects.filter(
        _address_q(address), username=username, attempt_time__gt=last_success or since
    ).values_list("attempt_time", flat=True)
    state_of_account = account_state(
        account_failures, now=now, limit=settings.AXES_FAILURE_LIMIT, first=first, longest=longest
    )
    return combined(state_of_account, state_of_address)


def request_lock_state(request: Any, credentials: dict[str, Any] | None = None) -> LockState:
    """`lock_state` for a login request (memoised on it until the next counted failure)."""
    cached: LockState | None = getattr(request, "yiwang_lock_state", None)
    if cached is None:
        username = get_client_username(request, credentials)
        cached = lock_state(username or None, getattr(request, "axes_ip_address", None))
        request.yiwang_lock_state = cached
    return cached


def forget_failures(*, username: str | None = None, address: str | None = None) -> int:
    """Delete the counted failures (and axes' attempt rows) of an account and/or an address."""
    if not username and not address:
        return 0
    q = Q()
    if username:
        q &= Q(username=username)
    if address:
        q &= Q(ip_address=address)
    attempts, _ = AccessAttempt.objects.filter(q).delete()
    failures, _ = AccessFailureLog.objects.filter(q).delete()
    return attempts + failures


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with the two rules above (see the module docstring)."""

    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        return request_lock_state(request, credentials).locked

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """In axes' terms: `AXES_FAILURE_LIMIT` when locked, else how much of it is used up."""
        state = request_lock_state(request, credentials)
        limit = int(settings.AXES_FAILURE_LIMIT)
        return limit if state.locked else max(limit - state.remaining, 0)

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is None:
            return
        username = get_client_username(request, credentials)
        request.axes_credentials = credentials
        if request.axes_locked_out:
            # Refused by the backend because a lock holds: not a password guess, not counted.
            request.yiwang_new_lock = False
            user_locked_out.send(
                "axes", request=request, username=username, ip_address=request.axes_ip_address
            )
            return
        if self.is_whitelisted(request, credentials):
            return
        failure = AccessFailureLog.objects.create(
            username=username,
            ip_address=request.axes_ip_address,
            user_agent=request.axes_user_agent,
            http_accept=request.axes_http_accept,
            path_info=request.axes_path_info,
            attempt_time=request.axes_attempt_time,
        )
        request.yiwang_lock_state = None
        state = request_lock_state(request, credentials)
        request.axes_failures_since_start = self.get_failures(request, credentials)
        if state.locked:
            AccessFailureLog.objects.filter(pk=failure.pk).update(locked_out=True)
            request.axes_locked_out = True
            request.yiwang_new_lock = True
            user_locked_out.send(
                "axes", request=request, username=username, ip_address=request.axes_ip_address
            )

    def reset_attempts(
        self, *, ip_address: str | None = None, username: str | None = None, ip_or_username: bool = False
    ) -> int:
        """axes' reset commands (`axes_reset_username`, `axes_reset_ip`, …) also clear our failures."""
        if ip_or_username:
            return forget_failures(username=username) + forget_failures(address=ip_address)
        if not ip_address and not username:
            count, _ = AccessAttempt.objects.all().delete()
            failures, _ = AccessFailureLog.objects.all().delete()
            return count + failures
        return forget_failures(username=username, address=ip_address)


def retry_label(moment: datetime, *, now: datetime | None = None) -> str:
    """When to retry, as the page says it: 「12:35」 today, 「2026年11月24日 09:05」 otherwise
    (rounded up to the minute, so that retrying at the time shown works)."""
    local = timezone.localtime(moment)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    today = timezone.localtime(now or timezone.now()).date()
    if local.date() == today:
        return f"{local:%H:%M}"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
