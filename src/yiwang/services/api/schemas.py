"""Schema pieces shared by the services API modules."""

from ninja import Schema

from yiwang.services.models import Application

STATUS_LABELS = dict(Application.Status.choices)


class ApplicationNames(Schema):
    """Resolvers of the names an application row shows: its item (实施编码 and name), its department
    and the label of its status. A schema inherits them and declares the fields it shows (a resolver
    whose field a schema does not declare is never called); it adds no field itself."""

    # List selectors annotate the names (`item_code`, `item_name`, `organization_name`) rather
    # than load the related rows; a single application has them through its relations.

    @staticmethod
    def resolve_item_code(obj: Application) -> str:
        return str(getattr(obj, "item_code", None) or obj.item.implementation_code)

    @staticmethod
    def resolve_item_name(obj: Application) -> str:
        return str(getattr(obj, "item_name", None) or obj.item.name)

    @staticmethod
    def resolve_organization(obj: Application) -> str:
        name = getattr(obj, "organization_name", None)
        return str(name) if name is not None else obj.organization.name

    @staticmethod
    def resolve_status_label(obj: Application) -> str:
        # Not get_status_display(): it hashes the whole choices list on every call.
        return str(STATUS_LABELS.get(obj.status, obj.status))
