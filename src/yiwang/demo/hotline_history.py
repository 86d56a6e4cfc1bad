"""Twelve months of 12345 tickets for 示范市: 50,000 工单 over the last year (`demo.hotline_plans`), in
every state of the loop, with their workflow instances, history events, inbox rows, handling
departments, extension requests and 并单 links.

Why a bulk writer
-----------------
The real path is `ticket_register` and then one `hotline.actions.tickets` action per step with `now=`
in the past (`replay_via_engine` below runs it). Each step locks, audits, runs the hooks and writes its
event: a ticket takes 8–12 transitions, hours for 50,000 tickets, far beyond the minutes `make demo`
may take. So `write_history` replays each ticket's steps *in memory with the engine's own functions*
(`workflow.engine.begin` / `step` / `suspend` / `settle`, which `instance_start` and `transition` call)
and inserts the rows with one `executemany` per table and batch, as `demo.services_history` does for
一网通办 (there with `bulk_create`; here Django's per-field compiler work was most of the time).

What the rows keep, as the real actions would have written them (checked against
`replay_via_engine` in `demo/tests/test_hotline_seed.py`):

* Ticket: number 12345 + yyyymmdd + 6-digit daily sequence in registration order (`TicketSequence`
  advanced past every number used), status = the instance state, the moments and on-time flags
  `keep_ticket_in_step` keeps (派单 and 签收 with its time limit, 答复, 办结, 回访), category and 主办
  department as the dispatches left them, 退单 and 重办 counts, satisfaction, the knowledge-base entry
  of a direct answer (and its use count), 并入 of a merged duplicate.
* ProcessInstance: the published `hotline_12345` definition, its clocks (natural-hour 派单 / 签收
  clocks, the overall clock from the ticket's time limit, stopped by 办结, restarted by 重办, moved by
  延期), the department and assignee the reassignments and 签收 leave (with the 签收 claim),
  `completed_at`, and `warning` / `overdue` as `tick(now)` would leave them; the 主办/协办 child
  instances of a joint handling (`hotline_joint`) and their parent's join rule; a merged duplicate
  suspended under its primary and ended with it (随主单办结).
* ProcessEvent: one row per step with the names, states, actor, comment and fields the engine
  writes, the children's replies rolled up into the parent, both sides of a 并单.
* ProcessHandler rows of the current state, so the inboxes list the open tickets.
* TicketParty, ExtensionRequest and InstanceLink rows as the actions create them.
* The timer: a ticket nobody called back within the 3 working days of 已办结待回访 is archived by
  `tick` (`auto_archive`, with its Escalation row) at its first run after that limit (`TICK_SECONDS`).
  Other escalations `tick` would have fired are not recorded: the next real `tick` fires those still
  due, exactly once (the showcase stage runs one).
* TicketTally: rebuilt from the tickets at the end (the inserts bypass the manager that keeps it).
* No audit row per ticket and no messages: one `demo.seed` audit row records the stage.

Accounts: the centre's agents and dispatchers besides 吴丽 and 郑凯, and a 承办人员 for every
department of the 派单目录 (市城管局's is the persona 陈刚 for three tickets in five), all with the demo
password. Tickets are keyed by their idempotency key `demo-hotline-NNNNNN`: a second run adds nothing."""

from __future__ import annotations

import random
import time as clock
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Exists, F, Max
from django.utils import timezone

from yiwang.core.calendar import get_calendar
from yiwang.core.models import Organization, Person, Region
from yiwang.demo import hotline_catalog
from yiwang.demo import subjects as demo_subjects
from yiwang.demo.accounts import DEMO_PASSWORD
from yiwang.demo.hotline_plans import HISTORY_SIZE, KEY_PREFIX, Plan, Step, plans
from yiwang.hotline import tallies
from yiwang.identity.actor import Actor
from yiwang.identity.models import Membership, Role, User

DEFINITION = "hotline_12345"
JOINT_DEFINITION = "hotline_joint"
CENTER = "city-12345"
TICK_SECONDS = 300  # `yiwang worker` runs the workflow timer every 5 minutes (YIWANG_TICK_SECONDS)
CHUNK = 2_000  # tickets replayed and inserted at a time (bounded memory)
INSERT_BATCH = 2_000

__all__ = ["HISTORY_SIZE", "KEY_PREFIX", "Cast", "HistorySeedResult", "plans", "replay_via_engine",
           "seed_accounts", "seed_hotline_history", "write_history"]  # fmt: skip


# -- accounts ----------------------------------------------------------------------------------------

AGENTS = 5  # besides 吴丽 (`agent`)
DISPATCHERS = 2  # besides 郑凯 (`dispatcher`)
# 市城管局's officers: the persona 陈刚 takes three tickets in five.
PERSONA_OFFICERS = {
    "city-urban": ("handler", "handler", "handler", "city-urban-handler", "city-urban-handler")
}


@dataclass
class Cast:
    """Who takes the calls and who handles them."""

    center: Organization
    agents: list[User]
    dispatchers: list[User]
    officers: dict[str, list[User]]  # organisation code → handling officers (a name twice: more work)
    organizations: dict[str, Organization]
    created: int = 0
    users: dict[int, User] = field(default_factory=dict)  # by pk: everyone above

    def __post_init__(self) -> None:
        everyone = [*self.agents, *self.dispatchers, *(u for users in self.officers.values() for u in users)]
        self.users.update({user.pk: user for user in everyone})

    def pick(self, by: str, plan: Plan, organization: str) -> User:
        """The colleague who performs a step: the plan's registrar, a callback agent, its dispatcher or an
        officer of the department."""
        if by == "registrar":
            return self.agents[plan.staff % len(self.agents)]
        if by == "agent":
            return self.agents[(plan.staff // 7) % len(self.agents)]
        if by == "dispatcher":
            return self.dispatchers[(plan.staff // 11) % len(self.dispatchers)]
        officers = self.officers[by.removeprefix("org:") if by.startswith("org:") else organization]
        return officers[(plan.staff // 13) % len(officers)]


def handling_departments() -> list[str]:
    """The departments of the 派单目录 (主办 and 协办)."""
    codes = set()
    for rule in hotline_catalog.ASSIGNMENTS:
        codes.add(rule.lead)
        codes.update(rule.assists)
    return sorted(codes)


def seed_accounts(organizations: dict[str, Organization], *, seed: int = demo_subjects.DEFAULT_SEED) -> Cast:
    """The centre's agents and dispatchers and one 承办人员 per handling department (besides the
    personas), created in bulk like `services_history.seed_accounts` (idempotent by username)."""
    rng = random.Random(seed * 7919 + 61)
    password = make_password(DEMO_PASSWORD)
    wanted: dict[str, tuple[str, str, str]] = {}  # username → (organisation, role, title)
    for n in range(1, AGENTS + 1):
        wanted[f"{CENTER}-agent{n}"] = (CENTER, "hotline_agent", "话务员")
    for n in range(1, DISPATCHERS + 1):
        wanted[f"{CENTER}-dispatcher{n}"] = (CENTER, "hotline_dispatcher", "派单员")
    departments = [code for code in handling_departments() if code in organizations]
    for code in departments:
        wanted[f"{code}-handler"] = (code, "handling_officer", "12345工单承办员")
    existing = set(User.objects.filter(username__in=list(wanted)).values_list("username", flat=True))
    new = []
    for username in wanted:
        gender = rng.choice((Person.Gender.MALE, Person.Gender.FEMALE))
        display = demo_subjects.person_name(rng, gender)  # drawn for every name: stable whatever exists
        if username not in existing:
            new.append(
                User(
                    username=username,
                    display_name=display,
                    kind=User.Kind.STAFF,
                    phone=None,
                    password=password,
                )
            )
    User.objects.bulk_create(new, batch_size=500)
    personas = ("agent", "dispatcher", "handler")
    users = {u.username: u for u in User.objects.filter(username__in=[*wanted, *personas])}
    roles = {r.code: r for r in Role.objects.filter(code__in={role for _o, role, _t in wanted.values()})}
    have = set(
        Membership.objects.filter(user__in=[users[name] for name in wanted]).values_list(
            "user_id", "organization_id"
        )
    )
    memberships = []
    for username, (code, role, title) in wanted.items():
        user, organization = users[username], organizations[code]
        if (user.pk, organization.pk) not in have:
            memberships.append((Membership(user=user, organization=organization, title=title), roles[role]))
    Membership.objects.bulk_create([m for m, _ in memberships], batch_size=500)
    through = Membership.roles.through
    through.objects.bulk_create(
        [through(membership_id=m.pk, role_id=role.pk) for m, role in memberships], ignore_conflicts=True
    )
    officers = {
        code: [users[name] for name in PERSONA_OFFICERS.get(code, (f"{code}-handler",))]
        for code in departments
    }
    return Cast(
        center=organizations[CENTER],
        agents=[users["agent"], *(users[f"{CENTER}-agent{n}"] for n in range(1, AGENTS + 1))],
        dispatchers=[
            users["dispatcher"],
            *(users[f"{CENTER}-dispatcher{n}"] for n in range(1, DISPATCHERS + 1)),
        ],
        officers=officers,
        organizations=organizations,
        created=len(new),
    )


# -- rows ------------------------------------------------------------------------------------------------


class _Row:
    """A row being replayed: plain attributes named after the model's columns (`attname`), so the
    engine's own `ProcessInstance.place` can fill one, at a fraction of a model instance's cost."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:  # only for names not set: a typo, not a default
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value


def _insert(model: type[models.Model], rows: Sequence[_Row | dict[str, Any]], *, now: datetime) -> None:
    """INSERT the rows with one `executemany` per batch. Columns a row lacks take the field's default
    (auto-timestamps: `now`); an auto primary key the rows lack is left to the database."""
    if not rows:
        return
    first = rows[0] if isinstance(rows[0], dict) else rows[0].__dict__
    fields = [
        f for f in model._meta.concrete_fields
        if not f.generated and not (f.primary_key and isinstance(f, models.AutoField) and f.attname not in first)
    ]  # fmt: skip
    defaults: dict[str, Any] = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        else:
            defaults[f.attname] = None
    database = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a lookup per value
    quote = database.ops.quote_name
    # Names from the model's own metadata, values as parameters.
    columns = ", ".join(quote(f.column) for f in fields)
    slots = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({slots})"  # noqa: S608
    prepare = [(f.attname, _converter(f, database), defaults[f.attname]) for f in fields]
    with database.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH):
            params = []
            for row in rows[start : start + INSERT_BATCH]:
                values = row if isinstance(row, dict) else row.__dict__
                params.append(
                    [
                        value if convert is None or value is None else convert(value)
                        for name, convert, default in prepare
                        for value in (values.get(name, default),)
                    ]
                )
            cursor.executemany(sql, params)


# Column types whose Python values the database driver takes as they are.
PLAIN_TYPES = frozenset({
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "FloatField", "IntegerField",
    "PositiveIntegerField", "PositiveSmallIntegerField", "SlugField", "SmallIntegerField", "TextField",
})  # fmt: skip


def _converter(field: Any, database: Any) -> Any:
    """How a value of `field` goes to the database: as it is (None), the backend's adaptation of a
    moment or an id, else the field's own `get_db_prep_save` (JSON …). The short cuts skip only the
    checks of values the replay builds itself (aware datetimes, UUIDs, numbers, strings)."""
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if kind in PLAIN_TYPES:
        return None
    if kind == "DateTimeField":
        return database.ops.adapt_datetimefield_value
    if kind == "UUIDField":
        return lambda value: target.get_db_prep_value(value, database, prepared=True)
    return lambda value: field.get_db_prep_save(value, database)


# -- the in-memory engine replay ------------------------------------------------------------------------

SATISFIED = frozenset({"very_satisfied", "satisfied", "basically_satisfied"})
SATISFACTION_LABELS = {"very_satisfied": "非常满意", "satisfied": "满意", "basically_satisfied": "基本满意",
                       "dissatisfied": "不满意"}  # fmt: skip
# The ticket's moments `keep_ticket_in_step` stamps on entering a state.
STAMPS = {
    "dispatched": "dispatched_at",
    "handling": "signed_at",
    "replied": "replied_at",
    "closed": "closed_at",
}
SYSTEM_LABEL = "系统"  # Actor.system().label
KIND_LABELS = {"consult": "咨询", "help": "求助", "complaint": "投诉", "report": "举报", "suggestion": "建议",
               "praise": "表扬"}  # fmt: skip


class _Engine:
    """The definitions, the calendar and what the replays ask again and again (read once)."""

    def __init__(self, cast: Cast) -> None:
        from yiwang.hotline.actions.tickets import service_level
        from yiwang.hotline.models import DispatchCatalog, KnowledgeEntry, Ticket, TicketCategory
        from yiwang.workflow.engine import CHILD_ROLES
        from yiwang.workflow.models import ProcessDefinition

        published = ProcessDefinition.Status.PUBLISHED
        self.grids: dict[int, int | None] = {}  # plan index → grid (`_grids`)
        self.calendar = get_calendar()
        self.definition = ProcessDefinition.objects.get(code=DEFINITION, status=published)
        self.joint = ProcessDefinition.objects.get(code=JOINT_DEFINITION, status=published)
        self.parsed, self.joint_parsed = self.definition.parsed, self.joint.parsed
        self.content_type = ContentType.objects.get_for_model(Ticket)
        self.categories = {c.code: c for c in TicketCategory.objects.all()}  # scope: the public catalogue
        self.regions = {r.code: r for r in Region.objects.filter(code__startswith="3299")}
        self.entries = {e.code: e for e in KnowledgeEntry.objects.filter(code__startswith="kb-")}
        self.organizations = {o.pk: o for o in cast.organizations.values()}
        self.code_of = {organization.pk: code for code, organization in cast.organizations.items()}
        self.roles = CHILD_ROLES
        self.cast = cast
        self._service_level = service_level
        self._catalog: dict[int, list[Any]] = defaultdict(list)
        for row in DispatchCatalog.objects.select_related("organization").order_by(
            "id"
        ):  # scope: the catalogue
            self._catalog[row.category_id].append(row)
        self._levels: dict[tuple[int | None, str], dict[str, Any]] = {}
        self._plans: dict[tuple[int, int], tuple[Organization | None, list[Organization]]] = {}
        self._codes: dict[tuple[int, int, str, bool], str] = {}
        self._held: dict[int, set[str]] = {}

    def service_level(self, category: Any, urgency: str) -> dict[str, Any]:
        key = (category.pk if category is not None else None, urgency)
        if key not in self._levels:
            self._levels[key] = self._service_level(category, urgency)
        return dict(self._levels[key])

    def dispatch_plan(self, category: Any, region: Region) -> tuple[Organization | None, list[Organization]]:
        """`hotline.actions.tickets.dispatch_plan` over the catalogue read once (the same ranking: the
        category's nearest rules, of the nearest region at or above the ticket's)."""
        key = (category.pk, region.pk)
        if key not in self._plans:
            regions = [int(pk) for pk in region.path.strip("/").split("/") if pk]
            categories = [int(pk) for pk in category.path.strip("/").split("/") if pk]
            rows = sorted(
                (row for pk in categories for row in self._catalog.get(pk, ()) if row.region_id is None or row.region_id in regions),
                key=lambda row: row.pk,
            )  # fmt: skip
            depth_of_region = {pk: depth for depth, pk in enumerate(regions)}
            depth_of_category = {pk: depth for depth, pk in enumerate(categories)}

            def rank(row: Any) -> tuple[int, int]:
                return (depth_of_category[row.category_id], depth_of_region.get(row.region_id or -1, -1))

            if not rows:
                self._plans[key] = (None, [])
            else:
                best = max(rank(row) for row in rows)
                chosen = [row for row in rows if rank(row) == best]
                lead = next((row.organization for row in chosen if row.role == "lead"), None)
                self._plans[key] = (lead, [row.organization for row in chosen if row.role == "assist"])
        return self._plans[key]

    def claimed_codes(self, user: User, parsed: Any, state: str, suspended: bool) -> str:
        """The handler codes a 签收 reserves for `user`, as stored (`workflow.actions._work_codes`, for an
        actor of the instance's department); "" when none."""
        key = (user.pk, id(parsed), state, suspended)
        if key not in self._codes:
            if user.pk not in self._held:
                held: set[str] = set()
                for grant in Actor.for_user(user).grants:
                    held |= {f"perm:{p}" for p in grant.permissions}
                    held.add(f"role:{grant.role_code}")
                self._held[user.pk] = held
            codes: set[str] = set()
            for action in parsed.actions_from(state, suspended=suspended):
                if not action.optional and not action.system_only:
                    codes |= action.handler_codes() & self._held[user.pk]
            codes.discard("applicant")
            self._codes[key] = f" {' '.join(sorted(codes))} " if codes else ""
        return self._codes[key]


def _event(
    instance: _Row,
    action: str,
    name: str,
    from_state: str,
    to_state: str,
    user: User | None,
    moment: datetime,
    *,
    comment: str = "",
    fields: dict[str, Any] | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    return {
        "instance_id": instance.id, "action": action, "action_name": name, "from_state": from_state,
        "to_state": to_state, "actor_id": user.pk if user is not None else None,
        "actor_label": label if label is not None else (str(user) if user is not None else SYSTEM_LABEL),
        "comment": comment, "fields": fields or {}, "created_at": moment,
    }  # fmt: skip


class _Run:
    """One instance moved in memory as `instance_start` and `transition` move it."""

    def __init__(self, e: _Engine, parsed: Any, instance: _Row) -> None:
        self.e, self.parsed, self.instance = e, parsed, instance
        self.events: list[dict[str, Any]] = []
        self.position: Any = None
        self.placed_at: datetime | None = None
        self.merged = False

    def start(self, moment: datetime, user: User | None, sla: dict[str, Any] | None) -> None:
        from yiwang.workflow import engine

        self.position = engine.begin(self.e.calendar, self.parsed, moment, sla=sla)
        self.placed_at = moment
        self.events.append(_event(self.instance, "start", "发起", "", self.position.state, user, moment))

    def move(
        self,
        code: str,
        moment: datetime,
        user: User | None,
        *,
        comment: str = "",
        fields: dict[str, Any] | None = None,
        organization: Organization | None = None,
        sla: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """`transition` past its checks: the step function, the claim and reassignment, the event."""
        from yiwang.workflow import engine

        act = self.parsed.actions[code]
        fields = dict(fields or {})
        from_state = self.position.state
        to_state = act.target_from(from_state)
        days = int(fields["days"]) if act.extend else None
        self.position = engine.step(
            self.e.calendar, self.parsed, self.position, act, moment, days=days, sla=sla
        )
        self.placed_at = moment
        instance = self.instance
        if to_state != from_state or act.release:
            instance.claimed_by_id, instance.claimed_at, instance.claimed_codes = None, None, ""
        if act.claim and user is not None:
            instance.assignee_id = user.pk
            codes = self.e.claimed_codes(user, self.parsed, to_state, self.position.suspended_at is not None)
            if codes:
                instance.claimed_by_id, instance.claimed_at, instance.claimed_codes = user.pk, moment, codes
        if act.reassign:
            chooses = act.reassign in ("choose", "may_choose")  # as the engine's transition
            target = organization.pk if chooses and organization else None
            if not chooses:
                target = instance.origin_organization_id
            if target is not None and target != instance.organization_id:
                instance.organization_id, instance.assignee_id = target, None
        event = _event(instance, act.code, act.name, from_state, to_state, user, moment, comment=comment,
                       fields=fields)  # fmt: skip
        self.events.append(event)
        return event

    def note(
        self, code: str, name: str, moment: datetime, user: User | None, comment: str, fields: dict[str, Any]
    ) -> None:
        """A history row that does not move the instance (`workflow.actions._note`)."""
        state = self.position.state
        self.events.append(
            _event(self.instance, code, name, state, state, user, moment, comment=comment, fields=fields)
        )

    def suspend_for_merge(self, moment: datetime) -> None:
        """`instance_merge` on the secondary: both clocks stop, the claim and the inbox rows go."""
        from yiwang.workflow import engine

        self.position = engine.suspend(self.e.calendar, self.position, moment)
        self.placed_at = moment
        self.instance.claimed_by_id, self.instance.claimed_at, self.instance.claimed_codes = None, None, ""
        self.merged = True

    def follow(self, primary: _Run, event: dict[str, Any], moment: datetime) -> None:
        """`_end_followers`: the merged instance ends with its primary, in the same terminal state (the
        primary's last comment stays its own: it may be another caller's words)."""
        from yiwang.workflow import engine

        final = primary.position.state
        if final not in self.parsed.states or not self.parsed.states[final].is_terminal:
            final = next(code for code, state in self.parsed.states.items() if state.is_terminal)
        position = engine.Position(**{**self.position.__dict__})
        position.state, position.state_entered_at, position.completed_at = final, moment, moment
        position.suspended_at = position.suspended_remaining = position.suspended_state_remaining = None
        position.state_clock = engine.Clock()
        self.position, self.placed_at = position, moment
        fields = {"primary": str(primary.instance.id), "primary_title": primary.instance.title}
        actor = self.e.cast.users.get(event["actor_id"]) if event["actor_id"] is not None else None
        self.events.append(
            _event(self.instance, "follow", "随主单办结", final, final, actor, moment, comment="",
                   fields=fields, label=event["actor_label"])
        )  # fmt: skip

    @property
    def completed(self) -> bool:
        return self.position.completed_at is not None

    def finish(self, now: datetime) -> list[str]:
        """Place the last position (as the last `transition` did) and flag it as `tick(now)` would;
        returns the handler codes of the inbox."""
        from yiwang.workflow import engine
        from yiwang.workflow.models import ProcessInstance

        instance = self.instance
        assert self.placed_at is not None
        schedule = engine.settle(self.e.calendar, self.parsed, self.position, self.placed_at)
        ProcessInstance.place(instance, self.position, schedule)  # type: ignore[arg-type]
        if instance.completed_at is None and instance.suspended_at is None:
            if instance.warning_at is not None and instance.warning_at <= now:
                instance.warning = True
            if instance.due_at is not None and instance.due_at < now:
                instance.overdue = instance.warning = True
        if instance.completed_at is not None or self.merged:
            return []
        return sorted(self.parsed.handler_codes(instance.state, suspended=instance.suspended_at is not None))


def _instance(e: _Engine, definition: Any, instance_id: uuid.UUID, title: str, organization: int, region: int,
              moment: datetime, **extra: Any) -> _Row:  # fmt: skip
    values: dict[str, Any] = dict(
        id=instance_id, definition_id=definition.pk, content_type_id=e.content_type.pk, object_id="",
        title=title[:200], organization_id=organization, origin_organization_id=organization, region_id=region,
        owner_id=None, assignee_id=None, parent_id=None, child_role="", children_join="", claimed_by_id=None,
        claimed_at=None, claimed_codes="", started_at=moment, escalated_at=None,
    )  # fmt: skip
    return _Row(**{**values, **extra})


class _TicketRun:
    """One ticket: its row, its instance, its 协办 children, parties and extension requests."""

    def __init__(self, e: _Engine, plan: Plan, pk: int, ticket_no: str, bits: Sequence[int]) -> None:
        self.e, self.plan = e, plan
        cast = e.cast
        self.region = e.regions[plan.region]
        category = e.categories.get(plan.category_at_registration) if plan.category_at_registration else None
        suggested = e.categories.get(plan.suggested) if plan.suggested else None
        registrar = cast.pick("registrar", plan, "")
        instance_id = uuid.UUID(int=bits[0], version=4)
        self.ticket = _Row(
            id=pk, uid=uuid.UUID(int=bits[1], version=4), ticket_no=ticket_no, kind=plan.kind,
            urgency=plan.urgency, channel=plan.channel, title=plan.title, content=plan.content,
            caller_name=plan.caller_name, caller_phone=plan.caller_phone, confidential=plan.confidential,
            caller_user_id=None, person_id=None, address=plan.address,
            longitude=plan.point[0] if plan.point else None, latitude=plan.point[1] if plan.point else None,
            region_id=self.region.pk, grid_id=e.grids.get(plan.index), category_id=category.pk if category else None,
            suggested_category_id=suggested.pk if suggested else None,
            suggested_confidence=plan.confidence if suggested is not None else None,
            organization_id=cast.center.pk, status="registered", process_instance_id=instance_id,
            registered_by_id=registrar.pk, knowledge_entry_id=None, merged_into_id=None,
            idempotency_key=plan.key, registered_at=plan.registered_at, due_at=None, dispatched_at=None,
            sign_due_at=None, signed_at=None, signed_on_time=None, replied_at=None, closed_at=None,
            closed_on_time=None, callback_at=None, satisfaction=None, resolved=None, returned_count=0,
            reopened_count=0, created_at=plan.registered_at, updated_at=plan.registered_at,
        )  # fmt: skip
        self.category = category
        instance = _instance(
            e, e.definition, instance_id, f"{KIND_LABELS[plan.kind]}：{plan.title}", cast.center.pk,
            self.region.pk, plan.registered_at, object_id=str(pk),
        )  # fmt: skip
        self.main = _Run(e, e.parsed, instance)
        self.main.start(plan.registered_at, registrar, e.service_level(category or suggested, plan.urgency))
        self._hook("start", "", self.main.position.state)
        self.children: dict[int, _Run] = {}  # organisation pk → child run
        self.child_bits = iter(bits[2:])
        self.parties: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.escalations: list[dict[str, Any]] = []
        self.followers: list[_TicketRun] = []

    # `keep_ticket_in_step` (and `follow_start`) on the in-memory ticket
    def _hook(self, action: str, from_state: str, to_state: str) -> None:
        ticket, position = self.ticket, self.main.position
        deadline = position.overall.deadline
        if action == "start":
            ticket.status, ticket.due_at = position.state, deadline
            return
        moment = position.state_entered_at
        updates: dict[str, Any] = {"status": to_state, "due_at": deadline or ticket.due_at}
        if from_state == "dispatched" and to_state == "handling":
            updates["signed_on_time"] = ticket.sign_due_at is None or moment <= ticket.sign_due_at
        if to_state == "dispatched":
            updates["sign_due_at"] = position.state_clock.deadline
        stamp = STAMPS.get(to_state)
        if stamp and to_state != from_state:
            updates[stamp] = moment
        if to_state == "closed":
            updates["closed_on_time"] = ticket.due_at is None or moment <= ticket.due_at
            updates["due_at"] = ticket.due_at
        if action in ("reopen", "recheck"):
            updates.update(closed_at=None, closed_on_time=None, replied_at=None)
        ticket.__dict__.update(updates)

    def _move(self, code: str, moment: datetime, user: User | None, **extra: Any) -> dict[str, Any]:
        from_state = self.main.position.state
        event = self.main.move(code, moment, user, **extra)
        self._hook(code, from_state, event["to_state"])
        self.ticket.updated_at = moment
        return event

    def archive_due(self) -> datetime | None:
        """When `tick` archives the ticket nobody called back (its 已办结 time limit passed), if it waits there."""
        position = self.main.position
        if position.state != "closed" or position.state_clock.deadline is None:
            return None
        return position.state_clock.deadline + timedelta(seconds=TICK_SECONDS)

    def auto_archive(self, moment: datetime) -> dict[str, Any]:
        """What `tick` does at `moment`: the escalation row of the 已办结 rule and its automatic action."""
        rule = self.e.parsed.states["closed"].escalations[0]
        self.escalations.append(
            {"instance_id": self.main.instance.id, "state": "closed", "rule": rule.key("state:closed"),
             "clock_started_at": self.main.position.state_entered_at, "kind": rule.after, "action": rule.action,
             "notified_count": 0, "error": "", "fired_at": moment}
        )  # fmt: skip
        event = self._move(rule.action, moment, None, comment=rule.comment, fields=dict(rule.fields))
        self.main.instance.escalated_at = moment
        return event

    def apply(self, step: Step) -> dict[str, Any] | None:
        """One step, as the `hotline.actions.tickets` action of the same name does it. Returns the main
        instance's event when it ended the ticket."""
        e, plan, ticket, at = self.e, self.plan, self.ticket, step.at
        user = e.cast.pick(step.by, plan, e.code_of.get(ticket.organization_id, ""))
        if step.action == "dispatch":
            category = e.categories[step.category]
            lead, planned = e.dispatch_plan(category, self.region)
            assert lead is not None, step.category
            helpers = [org for org in (planned if step.joint else []) if org.pk != lead.pk]
            comment = step.comment.strip() or f"请{lead.short_name or lead.name}办理"
            ids: dict[int, uuid.UUID] = {}
            if helpers:
                self._move("joint_dispatch", at, user, comment=comment)
                for org, role in [(lead, "lead"), *((org, "assist") for org in helpers)]:
                    ids[org.pk] = self._open_child(org, role, at, user)
                self.main.instance.children_join = "lead"
            else:
                action = "dispatch" if ticket.status == "registered" else "redispatch"
                self._move(action, at, user, comment=comment, organization=lead)
            for org, role in [(lead, "lead"), *((org, "assist") for org in helpers)]:
                self.parties.append(
                    {"ticket_id": ticket.id, "organization_id": org.pk, "role": role, "created_at": at,
                     "instance_id": ids.get(org.pk), "returned": False}
                )  # fmt: skip
            self.category = category
            ticket.category_id, ticket.organization_id = category.pk, lead.pk
        elif step.action == "return":
            self._move("return_ticket", at, user, fields={"reason": step.reason})
            for party in self.parties:
                if party["organization_id"] == ticket.organization_id and not party["returned"]:
                    party["returned"] = True
            ticket.returned_count += 1
            ticket.organization_id = self.main.instance.organization_id
        elif step.action == "refuse_return":
            _number, party = max(
                ((n, p) for n, p in enumerate(self.parties) if p["role"] == "lead" and p["returned"]),
                key=lambda row: (row[1]["created_at"], row[0]),
            )
            organization = e.organizations[party["organization_id"]]
            self._move("refuse_return", at, user, fields={"reason": step.reason}, organization=organization)
            party["returned"] = False
            ticket.organization_id = organization.pk
        elif step.action == "sign_for":
            self._move("sign_for", at, user)
        elif step.action == "child_sign_for":
            self._child(step.organization).move("sign_for", at, user)
        elif step.action == "child_reply":
            child = self._child(step.organization)
            event = child.move("reply", at, user, comment=step.comment)
            self.main.note(
                "child_reply", f"{e.roles[child.instance.child_role]}单位答复", at, user, event["comment"],
                {"child": str(child.instance.id), "organization": e.organizations[child.instance.organization_id].name,
                 "role": child.instance.child_role, "result": child.parsed.state_name(child.position.state)},
            )  # fmt: skip
        elif step.action == "consolidate":
            self._move("consolidate", at, user, comment=step.comment)
        elif step.action == "request_extension":
            self.requests.append(
                {"ticket_id": ticket.id, "days": step.days, "reason": step.reason, "status": "pending",
                 "requested_by_id": user.pk, "requested_at": at, "decided_by_id": None, "decided_at": None,
                 "decision_comment": ""}
            )  # fmt: skip
        elif step.action == "decide_extension":
            request = next(r for r in self.requests if r["status"] == "pending")
            if step.approve:
                self._move("extend", at, user, comment=step.comment.strip()[:500],
                           fields={"days": request["days"], "reason": request["reason"]})  # fmt: skip
            request.update(status="approved" if step.approve else "rejected", decided_by_id=user.pk, decided_at=at,
                           decision_comment=step.comment.strip()[:500])  # fmt: skip
        elif step.action == "reply":
            self._move("reply", at, user, comment=step.comment)
        elif step.action == "reject_reply":
            self._move("reject_reply", at, user, fields={"reason": step.reason})
        elif step.action == "close":
            self._move("close", at, user, comment=step.comment.strip()[:500])
        elif step.action == "answer":
            self._move("answer_directly", at, user, comment=step.comment)
            entry = e.entries.get(plan.entry)
            ticket.knowledge_entry_id = entry.pk if entry is not None else None
        elif step.action == "callback":
            fields = {"satisfaction": step.satisfaction, "resolved": step.resolved, "contacted": True}
            completed = None
            if step.satisfaction in SATISFIED and step.resolved:
                completed = self._move("callback", at, user, fields=fields)
            else:
                label = SATISFACTION_LABELS[step.satisfaction]
                reason = f"回访{label}，问题{'已' if step.resolved else '未'}解决"
                sla = e.service_level(self.category, ticket.urgency)
                self._move("reopen", at, user, fields={"reason": reason}, sla=sla)
                ticket.reopened_count += 1
            ticket.satisfaction, ticket.resolved, ticket.callback_at = step.satisfaction, step.resolved, at
            return completed
        else:  # "merge" is the group's (see `_replay_group`)
            raise ValueError(f"unknown step {step.action!r}")
        ticket.updated_at = at
        return None

    def _open_child(self, organization: Organization, role: str, moment: datetime, user: User) -> uuid.UUID:
        parent = self.main.instance
        instance = _instance(
            self.e, self.e.joint, uuid.UUID(int=next(self.child_bits), version=4),
            f"{parent.title}（{self.e.roles[role]}）", organization.pk, parent.region_id, moment,
            object_id=parent.object_id, parent_id=parent.id, child_role=role,
        )  # fmt: skip
        run = _Run(self.e, self.e.joint_parsed, instance)
        run.start(moment, user, None)
        self.children[organization.pk] = run
        return instance.id

    def _child(self, code: str) -> _Run:
        return self.children[self.e.cast.organizations[code].pk]

    def runs(self) -> list[_Run]:
        return [self.main, *self.children.values()]


# -- replaying a ticket (and the duplicates merged into it) ------------------------------------------------


def _timeline(group: Sequence[Plan]) -> list[tuple[datetime, int, int, Plan, Step | None]]:
    """Every registration (step None) and step of the group's tickets, in time order."""
    rows: list[tuple[datetime, int, int, Plan, Step | None]] = []
    for order, plan in enumerate(group):
        rows.append((plan.registered_at, order, -1, plan, None))
        rows += [(step.at, order, number, plan, step) for number, step in enumerate(plan.steps)]
    rows.sort(key=lambda row: row[:3])
    return rows


def _replay_group(
    e: _Engine, group: Sequence[Plan], pks: dict[int, int], numbers: dict[int, str], bits: dict[int, list[int]],
    now: datetime,
) -> list[_TicketRun]:  # fmt: skip
    """A ticket and its merged duplicates, step by step in time order, with the timer's 自动归档 where it
    would have come first; steps at or after `now` have not happened yet."""
    runs: dict[int, _TicketRun] = {}
    stopped: set[int] = set()

    def archive_before(moment: datetime) -> None:
        for index, run in runs.items():
            due = run.archive_due()
            if due is not None and due < moment and due < now:
                _complete(run, run.auto_archive(due), due)
                stopped.add(index)

    for at, _order, _number, plan, step in _timeline(group):
        if plan.index in stopped:
            continue
        if at >= now:
            stopped.add(plan.index)
            continue
        archive_before(at)
        if plan.index in stopped:
            continue
        if step is None:
            runs[plan.index] = _TicketRun(e, plan, pks[plan.index], numbers[plan.index], bits[plan.index])
            continue
        run = runs[plan.index]
        if step.action != "merge":
            completed = run.apply(step)
            if completed is not None:
                _complete(run, completed, at)
            continue
        primary = runs[plan.primary] if plan.primary is not None and plan.primary in runs else None
        if primary is None or primary.main.completed:
            continue
        user = e.cast.pick(step.by, plan, "")
        main, merged = primary.main.instance, run.main.instance
        run.links.append(
            {"kind": "merge", "primary_id": main.id, "secondary_id": merged.id, "actor_id": user.pk,
             "comment": step.comment[:500], "created_at": at}
        )  # fmt: skip
        run.main.suspend_for_merge(at)
        primary.main.note("merge", "并入关联工单", at, user, step.comment,
                          {"linked": str(merged.id), "linked_title": merged.title})  # fmt: skip
        run.main.note("merge", "并单（随主单办理）", at, user, step.comment,
                      {"linked": str(main.id), "linked_title": main.title})  # fmt: skip
        state = run.main.position.state
        run._hook("merge", state, state)
        run.ticket.merged_into_id = primary.ticket.id
        primary.followers.append(run)
    archive_before(now)
    return list(runs.values())


def _complete(run: _TicketRun, event: dict[str, Any], moment: datetime) -> None:
    """The ticket ended (archived): the duplicates merged into it end with it (`_end_followers`)."""
    for follower in run.followers:
        if not follower.main.completed:
            follower.main.follow(run.main, event, moment)
            final = follower.main.position.state
            follower._hook("follow", final, final)
            follower.ticket.updated_at = moment


# -- the writer ------------------------------------------------------------------------------------------


def _numbers(todo: Sequence[Plan]) -> tuple[dict[int, str], dict[date, int]]:
    """12345 + yyyymmdd + daily sequence in registration order, after the numbers already used."""
    from yiwang.hotline.models import TicketSequence

    ordered = sorted(todo, key=lambda p: (p.registered_at, p.index))
    days = {timezone.localdate(p.registered_at) for p in ordered}
    counters = dict(TicketSequence.objects.filter(day__in=days).values_list("day", "last_number"))
    numbers = {}
    for plan in ordered:
        day = timezone.localdate(plan.registered_at)
        counters[day] = counters.get(day, 0) + 1
        numbers[plan.index] = f"12345{day:%Y%m%d}{counters[day]:06d}"
    return numbers, counters


def _groups(todo: Sequence[Plan]) -> list[list[Plan]]:
    """Each ticket with the duplicates merged into it (they are replayed together), in time order."""
    followers: dict[int, list[Plan]] = defaultdict(list)
    wanted = {p.index for p in todo}
    for plan in todo:
        if plan.primary is not None and plan.primary in wanted:
            followers[plan.primary].append(plan)
    grouped = {p.index for group in followers.values() for p in group}
    return [[plan, *followers.get(plan.index, ())] for plan in todo if plan.index not in grouped]


def write_history(
    plans_: Sequence[Plan], cast: Cast, *, now: datetime, seed: int = demo_subjects.DEFAULT_SEED
) -> int:
    """Insert the planned tickets not stored yet (see the module docstring); returns how many."""
    from yiwang.hotline.models import KnowledgeEntry, Ticket, TicketSequence

    done: set[str] = set()
    for prefix in {plan.key[:-6] for plan in plans_}:
        done |= set(
            Ticket.objects.filter(idempotency_key__startswith=prefix).values_list(
                "idempotency_key", flat=True
            )
        )
    todo = [plan for plan in plans_ if plan.key not in done]
    if not todo:
        return 0
    bits = {}
    for plan in todo:  # ids of the ticket and its instances, from the seed and its key alone
        rng = random.Random(f"{seed}:{plan.key}")
        bits[plan.index] = [rng.getrandbits(128) for _ in range(6)]
    e = _Engine(cast)
    e.grids = _grids(todo, e.regions)
    numbers, counters = _numbers(todo)
    # Primary keys given here (the rows that hang off a ticket name it); the sequence is reset after.
    first = (Ticket.objects.aggregate(last=Max("pk"))["last"] or 0) + 1
    pks = {plan.index: first + n for n, plan in enumerate(todo)}
    uses: Counter[int] = Counter()
    chunk: list[_TicketRun] = []
    for group in _groups(todo):
        chunk += _replay_group(e, group, pks, numbers, bits, now)
        if len(chunk) >= CHUNK:
            _flush(chunk, now, uses)
            chunk = []
    _flush(chunk, now, uses)
    _mark_repeats(list(pks.values()))
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), [Ticket]):
            cursor.execute(statement)
    for pk, n in uses.items():
        KnowledgeEntry.objects.filter(pk=pk).update(uses=F("uses") + n)
    stored = dict(TicketSequence.objects.filter(day__in=list(counters)).values_list("day", "last_number"))
    TicketSequence.objects.bulk_create(
        [TicketSequence(day=day, last_number=last) for day, last in counters.items() if day not in stored],
        batch_size=1000,
    )
    for day, last in counters.items():
        if day in stored and stored[day] < last:
            TicketSequence.objects.filter(day=day).update(last_number=last)
    tallies.rebuild()  # the rows went in beside the manager: the monthly counts from them
    return len(todo)


def _grids(todo: Sequence[Plan], regions: dict[str, Region]) -> dict[int, int | None]:
    """The grid of each planned point, as `ticket_register` resolves it (`_place`): the grid the point
    lies in when it is within the ticket's region — from one read of the map, not a query per point."""
    from yiwang.core import geography
    from yiwang.core.models import Grid

    located = [plan for plan in todo if plan.point]
    found = geography.grids_at(plan.point for plan in located if plan.point)
    communities = dict(Grid.objects.values_list("pk", "community__path"))
    return {
        plan.index: grid
        for plan, grid in zip(located, found, strict=True)
        if grid is not None and communities.get(grid, "").startswith(regions[plan.region].path)
    }


def _mark_repeats(pks: Sequence[int]) -> None:
    """重复来电, as `mark_repeat` leaves it after 受理 and the last 派单 (the same `earlier_call`), one
    UPDATE per batch (the rows are all in)."""
    from yiwang.hotline.actions.tickets import earlier_call
    from yiwang.hotline.models import Ticket

    for start in range(0, len(pks), 500):
        Ticket.objects.filter(pk__in=pks[start : start + 500], category__isnull=False).exclude(
            caller_phone=""
        ).update(is_repeat=Exists(earlier_call()))


def _flush(runs: Sequence[_TicketRun], now: datetime, uses: Counter[int]) -> None:
    """Insert the replayed tickets and everything that hangs off them."""
    from yiwang.hotline.models import ExtensionRequest, Ticket, TicketParty
    from yiwang.workflow.models import Escalation, InstanceLink, ProcessEvent, ProcessHandler, ProcessInstance

    if not runs:
        return
    instances: list[_Row] = []
    events: list[dict[str, Any]] = []
    handlers: list[dict[str, Any]] = []
    parties: list[dict[str, Any]] = []
    requests: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    escalations: list[dict[str, Any]] = []
    for run in runs:
        for replay in run.runs():
            codes = replay.finish(now)
            handlers += [{"instance_id": replay.instance.id, "code": code} for code in codes]
            instances.append(replay.instance)
            events += replay.events
        parties += run.parties
        requests += run.requests
        links += run.links
        escalations += run.escalations
        if run.ticket.knowledge_entry_id is not None:
            uses[run.ticket.knowledge_entry_id] += 1
    _insert(Ticket, [run.ticket for run in runs], now=now)
    _insert(ProcessInstance, instances, now=now)
    _insert(ProcessEvent, events, now=now)
    _insert(ProcessHandler, handlers, now=now)
    _insert(TicketParty, parties, now=now)
    _insert(ExtensionRequest, requests, now=now)
    _insert(InstanceLink, links, now=now)
    _insert(Escalation, escalations, now=now)


# -- the stage --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistorySeedResult:
    created: int
    total: int
    accounts_created: int
    seconds: float


def seed_hotline_history(
    organizations: dict[str, Organization],
    *,
    seed: int = demo_subjects.DEFAULT_SEED,
    size: int = HISTORY_SIZE,
    now: datetime | None = None,
) -> HistorySeedResult:
    """Accounts, then the bulk history (nothing to plan when it is all stored)."""
    from yiwang.hotline.models import Ticket

    started = clock.monotonic()
    cast = seed_accounts(organizations, seed=seed)
    stored = Ticket.objects.filter(idempotency_key__startswith=KEY_PREFIX)
    created = 0
    if stored.count() < size:
        now = (now or timezone.now()).replace(microsecond=0)
        created = write_history(plans(size=size, seed=seed, now=now), cast, now=now, seed=seed)
    return HistorySeedResult(created, stored.count(), cast.created, clock.monotonic() - started)


# -- the real path (for the equivalence test and for measuring) -----------------------------------------------


def replay_via_engine(group: Sequence[Plan], cast: Cast, *, now: datetime) -> dict[int, Any]:
    """Register and handle the group's tickets through the real actions (`ticket_register`, then one
    `hotline.actions.tickets` action per step with `now=`, and `tick` for the timer's 自动归档), in time
    order. Returns the tickets by plan index."""
    from yiwang.hotline.actions import tickets as actions
    from yiwang.hotline.models import ExtensionRequest, Ticket
    from yiwang.workflow.actions import tick
    from yiwang.workflow.models import ProcessInstance

    e = _Engine(cast)
    tickets: dict[int, Ticket] = {}
    stopped: set[int] = set()

    def archive_before(moment: datetime) -> None:
        for index, ticket in tickets.items():
            instance = ProcessInstance.objects.get(pk=ticket.process_instance_id)
            if instance.state == "closed" and instance.state_deadline is not None:
                due = instance.state_deadline + timedelta(seconds=TICK_SECONDS)
                if due < moment and due < now:
                    tick(now=due)
                    stopped.add(index)

    for at, _order, _number, plan, step in _timeline(group):
        if plan.index in stopped:
            continue
        if at >= now:
            stopped.add(plan.index)
            continue
        archive_before(at)
        if plan.index in stopped:
            continue
        if step is None:
            suggested = e.categories.get(plan.suggested) if plan.suggested else None
            tickets[plan.index] = actions.ticket_register(
                actor=Actor.for_user(cast.pick("registrar", plan, "")), kind=plan.kind, content=plan.content,
                title=plan.title, urgency=plan.urgency, channel=plan.channel, caller_name=plan.caller_name,
                caller_phone=plan.caller_phone, confidential=plan.confidential, address=plan.address,
                region=e.regions[plan.region], longitude=plan.point[0] if plan.point else None,
                latitude=plan.point[1] if plan.point else None,
                category=e.categories.get(plan.category_at_registration) if plan.category_at_registration else None,
                suggestion=(suggested, plan.confidence or 0.0) if suggested is not None else None,
                idempotency_key=plan.key, now=at,
            )  # fmt: skip
            continue
        ticket = Ticket.objects.select_related("organization").get(pk=tickets[plan.index].pk)
        actor = Actor.for_user(cast.pick(step.by, plan, e.code_of.get(ticket.organization_id, "")))
        kind = step.action
        if kind == "dispatch":
            actions.ticket_dispatch(actor=actor, ticket=ticket, category=e.categories[step.category],
                                    assists=None if step.joint else [], comment=step.comment, now=at)  # fmt: skip
        elif kind == "return":
            actions.ticket_return(actor=actor, ticket=ticket, reason=step.reason, now=at)
        elif kind == "refuse_return":
            actions.ticket_refuse_return(actor=actor, ticket=ticket, reason=step.reason, now=at)
        elif kind in ("sign_for", "child_sign_for"):
            actions.ticket_sign_for(actor=actor, ticket=ticket, now=at)
        elif kind in ("reply", "child_reply"):
            actions.ticket_reply(actor=actor, ticket=ticket, comment=step.comment, now=at)
        elif kind == "consolidate":
            actions.ticket_consolidate(actor=actor, ticket=ticket, comment=step.comment, now=at)
        elif kind == "request_extension":
            actions.ticket_request_extension(
                actor=actor, ticket=ticket, days=step.days, reason=step.reason, now=at
            )
        elif kind == "decide_extension":
            request = ExtensionRequest.objects.get(ticket=ticket, status=ExtensionRequest.Status.PENDING)
            actions.ticket_decide_extension(actor=actor, request=request, approve=step.approve,
                                            comment=step.comment, now=at)  # fmt: skip
        elif kind == "reject_reply":
            actions.ticket_reject_reply(actor=actor, ticket=ticket, reason=step.reason, now=at)
        elif kind == "close":
            actions.ticket_close(actor=actor, ticket=ticket, comment=step.comment, now=at)
        elif kind == "answer":
            actions.ticket_answer(actor=actor, ticket=ticket, comment=step.comment, entry=e.entries.get(plan.entry),
                                  now=at)  # fmt: skip
        elif kind == "callback":
            actions.ticket_callback(actor=actor, ticket=ticket, satisfaction=step.satisfaction,
                                    resolved=step.resolved, now=at)  # fmt: skip
        elif kind == "merge":
            assert plan.primary is not None
            actions.ticket_merge(actor=actor, primary=tickets[plan.primary], duplicate=ticket, comment=step.comment,
                                 now=at)  # fmt: skip
        else:
            raise ValueError(f"unknown step {kind!r}")
    archive_before(now)
    return {index: Ticket.objects.get(pk=ticket.pk) for index, ticket in tickets.items()}
