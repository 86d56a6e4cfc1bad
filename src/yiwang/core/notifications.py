"""Notifications (消息): the in-app inbox of every user, plus SMS and email through providers.

`notify()` renders a Chinese template (a `NotificationTemplate` row if an admin defined one, else
the built-in default in `DEFAULT_TEMPLATES`), writes the in-app `Notification`, and for the SMS
and email channels writes a pending `OutboundMessage` whose sending is scheduled with
`transaction.on_commit`: a task (`core.tasks.send_outbound_message`) hands it to the provider
configured in `YIWANG_SMS_PROVIDER` / `YIWANG_EMAIL_PROVIDER`. If the transaction rolls back, no
row exists and nothing is sent."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template import Context, Template
from django.utils import timezone
from django.utils.module_loading import import_string

from yiwang.core.errors import InvalidInput
from yiwang.core.models import Notification, NotificationTemplate, OutboundMessage

if TYPE_CHECKING:
    from yiwang.identity.actor import Actor
    from yiwang.identity.models import User

logger = logging.getLogger(__name__)

IN_APP = "in_app"
SMS = OutboundMessage.Channel.SMS.value
EMAIL = OutboundMessage.Channel.EMAIL.value
CHANNELS = (IN_APP, SMS, EMAIL)


@dataclass(frozen=True)
class DefaultTemplate:
    name: str
    title: str
    body: str
    channels: tuple[str, ...] = (IN_APP,)


# Built-in Chinese templates; an admin overrides one by creating a NotificationTemplate with the code.
DEFAULT_TEMPLATES: dict[str, DefaultTemplate] = {
    "workflow.transition": DefaultTemplate(
        name="办理进度通知",
        title="您的“{{ title }}”已{{ action_name }}{% if state_name %}，当前状态：{{ state_name }}{% endif %}",
        body="您的“{{ title }}”已{{ action_name }}{% if state_name %}，当前状态：{{ state_name }}{% endif %}。"
        "{% if reason %}理由：{{ reason }}。{% endif %}"
        "{% if materials %}需补正的材料：{{ materials }}。{% endif %}"
        "{% if comment %}办理意见：{{ comment }}。{% endif %}"
        "可在“我的事项”中查看办理进度。",
    ),
    "workflow.warning": DefaultTemplate(
        name="即将超期预警",
        title="{{ title }}即将超期",
        body="您经办的{{ title }}将于{{ deadline }}到期，请尽快办理。",
    ),
    "workflow.overdue": DefaultTemplate(
        name="超期提醒",
        title="{{ title }}已超期",
        body="您经办的{{ title }}已于{{ deadline }}超过办理时限，请立即办理并说明原因。",
        channels=(IN_APP, SMS),
    ),
    "workflow.escalation": DefaultTemplate(
        name="超期督办",
        title="督办：{{ title }}",
        body="{{ title }}已超过办理时限{% if assignee %}（经办人：{{ assignee }}）{% endif %}，"
        "已按规则提请您督办。",
        channels=(IN_APP, SMS),
    ),
    "workflow.escalation_warning": DefaultTemplate(
        name="预警督办",
        title="督办：{{ title }}即将超期",
        body="{{ title }}将于{{ deadline }}到期{% if assignee %}（经办人：{{ assignee }}）{% endif %}，"
        "已按规则提请您关注督办。",
    ),
    "workflow.urge": DefaultTemplate(
        name="督办意见",
        title="督办：{{ title }}",
        body="{{ supervisor }}对{{ title }}提出督办意见：{{ comment }}。请尽快办理并反馈。",
        channels=(IN_APP, SMS),
    ),
    "account.locked": DefaultTemplate(
        name="账号锁定提醒",
        title="您的账号已被临时锁定",
        body="由于连续多次登录失败，您的账号已被锁定{% if minutes %} {{ minutes }} 分钟{% endif %}。"
        "如非本人操作，请及时修改密码。",
        channels=(IN_APP, SMS),
    ),
    "file.ready": DefaultTemplate(
        name="文件已生成",
        title="{{ name }}已生成",
        body="您申请的{{ name }}已生成，可在消息中心点击链接下载。",
    ),
}


def register_default_template(code: str, template: DefaultTemplate) -> None:
    """A domain's built-in template (registered in its AppConfig.ready); an admin may override it
    with a NotificationTemplate of the same code like any other."""
    DEFAULT_TEMPLATES[code] = template


class TemplateNotFound(InvalidInput):
    code = "notification_template_not_found"


@dataclass(frozen=True)
class RenderedMessage:
    title: str
    body: str
    channels: tuple[str, ...] = field(default=(IN_APP,))


def _render(source: str, context: dict[str, Any]) -> str:
    # Plain text: escaping happens where it is shown (templates autoescape), not in the stored text.
    return Template(source).render(Context(context, autoescape=False)).strip()


def render_template(template_code: str, context: dict[str, Any]) -> RenderedMessage:
    """Render `template_code` with `context`: the admin's NotificationTemplate, else the built-in default."""
    row = NotificationTemplate.objects.filter(code=template_code).first()
    if row is not None:
        title, body, channels = row.title, row.body, tuple(row.channels or (IN_APP,))
    elif template_code in DEFAULT_TEMPLATES:
        default = DEFAULT_TEMPLATES[template_code]
        title, body, channels = default.title, default.body, default.channels
    else:
        raise TemplateNotFound(f"消息模板“{template_code}”不存在")
    return RenderedMessage(
        title=_render(title, context)[:200], body=_render(body, context), channels=channels
    )


def _check_link(link: str) -> str:
    """Only links inside the platform: a path starting with one "/" (no javascript:, no other host)."""
    link = (link or "").strip()
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link):
        raise InvalidInput("消息链接只能指向本平台内的页面", code="notification_link_invalid")
    return link[:255]


def notify(
    *,
    recipient: User,
    template_code: str,
    context: dict[str, Any] | None = None,
    link: str = "",
    channels: Iterable[str] | None = None,
) -> Notification | None:
    """Send `recipient` a message. Call inside the caller's transaction: SMS/email go out on commit.

    `channels` defaults to the template's channels (in-app by default). Returns the in-app
    Notification (None when the in-app channel was not asked for)."""
    rendered = render_template(template_code, dict(context or {}))
    chosen = tuple(dict.fromkeys(channels if channels is not None else rendered.channels))
    unknown = [c for c in chosen if c not in CHANNELS]
    if unknown:
        raise InvalidInput(f"未知的消息渠道：{'、'.join(unknown)}", code="notification_channel_invalid")
    link = _check_link(link)
    notification = None
    with transaction.atomic():
        if IN_APP in chosen:
            notification = Notification.objects.create(
                recipient=recipient,
                template_code=template_code,
                title=rendered.title,
                body=rendered.body,
                link=link,
            )
        for channel in chosen:
            if channel == IN_APP:
                continue
            address = (recipient.phone if channel == SMS else recipient.email) or ""
            message = OutboundMessage.objects.create(
                channel=channel,
                recipient=recipient,
                address=address,
                title=rendered.title,
                body=rendered.body,
            )
            if not address:
                OutboundMessage.objects.filter(pk=message.pk).update(
                    status=OutboundMessage.Status.FAILED,
                    error="接收人未登记手机号码" if channel == SMS else "接收人未登记电子邮箱",
                )
                continue
            transaction.on_commit(partial(_enqueue_sending, message.pk))
    return notification


def notify_address(
    *, channel: str, address: str, template_code: str, context: dict[str, Any] | None = None
) -> OutboundMessage:
    """Send an SMS or email to someone without an account (a 12345 caller who phoned in). Call inside
    the caller's transaction: it goes out on commit, through the same providers as `notify`."""
    if channel not in (SMS, EMAIL):
        raise InvalidInput(f"未知的消息渠道：{channel}", code="notification_channel_invalid")
    address = (address or "").strip()
    if not address:
        raise InvalidInput("没有接收号码或地址", code="notification_address_missing")
    rendered = render_template(template_code, dict(context or {}))
    message = OutboundMessage.objects.create(
        channel=channel, recipient=None, address=address[:255], title=rendered.title, body=rendered.body
    )
    transaction.on_commit(partial(_enqueue_sending, message.pk))
    return message


def _enqueue_sending(message_id: int) -> None:
    from yiwang.core.tasks import send_outbound_message  # the task module imports this one

    send_outbound_message.enqueue(message_id)


# ---------------------------------------------------------------- providers


@runtime_checkable
class NotificationProvider(Protocol):
    """Hands one SMS or email to the outside world; raises on failure."""

    def send(self, message: OutboundMessage) -> None: ...


class DatabaseProvider:
    """Delivers nowhere: the `OutboundMessage` row, marked sent, is the record of sending.

    The default for development, tests and deployments without an SMS gateway or mail server."""

    def send(self, message: OutboundMessage) -> None:
        now = timezone.now()
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=OutboundMessage.Status.SENT, sent_at=now, provider=_provider_label(self)
        )
        message.status, message.sent_at = OutboundMessage.Status.SENT, now


class ConsoleProvider:
    """Prints the message to standard output (local development)."""

    def send(self, message: OutboundMessage) -> None:
        print(  # printing is this provider's job
            f"[{message.get_channel_display()}] → {message.address}：{message.title}\n{message.body}",
            flush=True,
        )


def _provider_label(provider: object) -> str:
    kind = type(provider)
    return f"{kind.__module__}.{kind.__qualname__}"[:100]


def provider_for(channel: str) -> NotificationProvider:
    path = settings.YIWANG_SMS_PROVIDER if channel == SMS else settings.YIWANG_EMAIL_PROVIDER
    provider = import_string(path)()
    if not isinstance(provider, NotificationProvider):
        raise TypeError(f"{path} 不是有效的消息通道（缺少 send 方法）")
    return provider


def deliver_outbound(message_id: int) -> str:
    """Send one pending OutboundMessage through its channel's provider; returns the final status.

    Idempotent: a message already sent or failed is left alone, so a retried task sends once."""
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != OutboundMessage.Status.PENDING:
            return message.status if message is not None else "missing"
        provider = provider_for(message.channel)
        try:
            provider.send(message)
        except Exception as error:
            logger.exception("发送%s失败（消息 %s）", message.get_channel_display(), message.pk)
            OutboundMessage.objects.filter(pk=message.pk).update(
                status=OutboundMessage.Status.FAILED,
                provider=_provider_label(provider),
                error=str(error)[:255] or type(error).__name__,
            )
            return OutboundMessage.Status.FAILED.value
        OutboundMessage.objects.filter(pk=message.pk, status=OutboundMessage.Status.PENDING).update(
            status=OutboundMessage.Status.SENT, sent_at=timezone.now(), provider=_provider_label(provider)
        )
    return OutboundMessage.Status.SENT.value


# ---------------------------------------------------------------- selectors


def notifications_for(actor: Actor, unread_only: bool = False) -> QuerySet[Notification]:
    """The actor's own inbox, newest first (nobody reads another person's messages)."""
    if actor.user_id is None:
        return Notification.objects.none()
    rows = Notification.objects.filter(recipient_id=actor.user_id)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows.order_by("-created_at", "-id")


def unread_count(actor: Actor) -> int:
    return notifications_for(actor, unread_only=True).count()


# ---------------------------------------------------------------- actions


def notification_mark_read(*, actor: Actor, ids: Iterable[int]) -> int:
    """Mark some of the actor's own messages read; ids of other people's messages are ignored.

    Returns how many messages changed. Reading one's own inbox is not audited (no one else's data)."""
    wanted = {int(i) for i in ids}
    if not wanted:
        return 0
    with transaction.atomic():
        return notifications_for(actor, unread_only=True).filter(pk__in=wanted).update(read_at=timezone.now())


def notification_mark_all_read(*, actor: Actor) -> int:
    with transaction.atomic():
        return notifications_for(actor, unread_only=True).update(read_at=timezone.now())
