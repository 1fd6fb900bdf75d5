"""What the API answers, field by field: these classes render the answers and make the schema.

The verdict and the sections are the presenters' own dataclasses, serialised field by field
(`dataclass_serializer`), so a field added to them (a next step, a reply for the customer)
appears in the API and its schema without a change here. The facts are the vendor's values under
stable names: 64-bit ids as strings, times as ISO 8601 with TIME_ZONE's offset.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from datetime import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from devices import failures
from devices.models import Lookup
from devices.presenters.advice import Advice
from devices.presenters.device import Verdict
from devices.presenters.formatting import Badge, Section, to_datetime
from devices.presenters.plans import PlanState, plan_state, sim_state

ID_HELP = "A 64-bit id as a decimal string (JavaScript numbers lose digits past 2^53)."


def IdField(**kwargs) -> serializers.CharField:
    kwargs.setdefault("help_text", ID_HELP)
    return serializers.CharField(allow_null=True, **kwargs)


@extend_schema_field(OpenApiTypes.DATETIME)
class TimeField(serializers.Field):
    """A datetime, or the vendor's Unix seconds, as ISO 8601 with TIME_ZONE's offset; the
    vendor's 0 ("never", "not set") and absent values are null."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: datetime | int | None) -> str | None:
        when = value if isinstance(value, datetime) else to_datetime(value)
        return None if when is None else timezone.localtime(when).isoformat()


# The presenters' dataclasses.


@functools.cache
def dataclass_serializer(cls: type) -> type[serializers.Serializer]:
    """A serializer with one field per field of the dataclass `cls` (nested ones included)."""
    hints = typing.get_type_hints(cls)
    declared = {item.name: _field_for(hints[item.name]) for item in dataclasses.fields(cls)}
    declared["__module__"] = __name__
    return type(f"{cls.__name__}Serializer", (serializers.Serializer,), declared)


def _field_for(hint: typing.Any) -> serializers.Field:
    options = typing.get_args(hint)
    nullable = type(None) in options
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [option for option in options if option is not type(None)]
        hint = rest[0] if len(rest) == 1 else typing.Any
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return dataclass_serializer(hint)(allow_null=nullable)
    if origin in (list, tuple) and args and dataclasses.is_dataclass(args[0]):
        return dataclass_serializer(args[0])(many=True)
    if origin in (list, tuple):
        return serializers.ListField(child=_field_for(args[0] if args else typing.Any))
    if origin is dict:
        return serializers.DictField(child=_field_for(args[1] if args else typing.Any))
    simple = {
        str: serializers.CharField,
        bool: serializers.BooleanField,
        int: serializers.IntegerField,
        float: serializers.FloatField,
    }
    if hint in simple:
        return simple[hint](allow_null=nullable)
    # Anything else (a lazy text, a mapping) goes out as the JSON encoder renders it.
    return serializers.JSONField()


VerdictSerializer = dataclass_serializer(Verdict)
AdviceSerializer = dataclass_serializer(Advice)
SectionSerializer = dataclass_serializer(Section)


BadgeSerializer = dataclass_serializer(Badge)


# The vendor's facts.


class DeviceSerializer(serializers.Serializer):
    device_id = IdField()
    owner_id = IdField(help_text=ID_HELP + ' "0": bound to nobody.')
    bound = serializers.BooleanField(
        source="is_bound", allow_null=True, help_text="Null when the vendor did not say."
    )
    online = serializers.IntegerField(
        allow_null=True, help_text="1 online, 0 offline; other values as the vendor sent them."
    )
    online_since = TimeField(source="online_update_time")
    model = serializers.CharField(source="device_type", allow_null=True)
    firmware_version = serializers.CharField(allow_null=True)
    battery = serializers.IntegerField(allow_null=True, help_text="Percent.")
    power_mode = serializers.IntegerField(
        allow_null=True, help_text="0 mains, 1 battery, 2 external power with a battery."
    )
    power_charging = serializers.IntegerField(allow_null=True)
    signal = serializers.IntegerField(allow_null=True, help_text="Quality, 0-100.")
    rssi = serializers.IntegerField(allow_null=True, help_text="dBm.")
    notifications = serializers.IntegerField(source="notice_status", allow_null=True)
    bound_at = TimeField(source="bind_time")


class PlanSerializer(serializers.Serializer):
    """Common to both plans: where it stands (as the page says it) and its dates."""

    status = serializers.SerializerMethodField()
    problem = serializers.SerializerMethodField(
        help_text="Expired, or ending within a week: worth telling the customer."
    )
    service_status = serializers.IntegerField(source="srv_status", allow_null=True)
    started_at = TimeField(source="start_time")
    ends_at = TimeField(source="end_time")
    auto_renewal = serializers.BooleanField(source="sub_status", allow_null=True)
    subscribed_at = TimeField(source="sub_time")
    last_charge_at = TimeField(source="withhold_time")
    order_id = IdField()

    def state(self, plan) -> PlanState:
        return plan_state(plan, self.context["now"])

    @extend_schema_field(BadgeSerializer)
    def get_status(self, plan) -> dict:
        return BadgeSerializer(self.state(plan).badge).data

    def get_problem(self, plan) -> bool:
        return self.state(plan).problem


class CloudStorageSerializer(PlanSerializer):
    plan_type = serializers.IntegerField(
        source="pkg_type", allow_null=True, help_text="0 continuous, 1 event recording."
    )
    recordings_days = serializers.IntegerField(source="storage_days", allow_null=True)


class SimSerializer(PlanSerializer):
    """As the page says it: never "active" while the SIM was never activated or its data is used
    up (the bundle, when known, comes in the context)."""

    sim_id = IdField()
    carrier = serializers.CharField(source="card_provider", allow_null=True)

    def state(self, plan) -> PlanState:
        return sim_state(plan, self.context["now"], bundle=self.context.get("bundle"))


class DataBundleSerializer(serializers.Serializer):
    used_mb = serializers.IntegerField(source="used")
    total_mb = serializers.IntegerField(source="total")
    left_mb = serializers.SerializerMethodField()
    nearly_used_up = serializers.BooleanField()
    label = serializers.CharField()

    def get_left_mb(self, use) -> int:
        return use.total - use.used


# Around every answer.


class ProvenanceSerializer(serializers.Serializer):
    source = serializers.ChoiceField(
        choices=Lookup.Source.choices, help_text="Fresh from the vendor, cached, or shared."
    )
    fetched_at = TimeField()
    vendor_request_id = serializers.CharField(allow_null=True)
    lookup_id = IdField(help_text="The audit row of this lookup.")
    request_id = serializers.CharField(help_text="SupportDesk's id of this request.")


class LinksSerializer(serializers.Serializer):
    page = serializers.URLField(help_text="The same lookup's page, for a person.")


class DeviceLinksSerializer(serializers.Serializer):
    page = serializers.URLField(allow_null=True)
    api = serializers.URLField(allow_null=True)


class DeviceAnswerSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[Lookup.Kind.SERIAL, Lookup.Kind.DEVICE_ID])
    query = serializers.CharField(help_text="The identifier as looked up, normalised.")
    verdict = VerdictSerializer(source="page.verdict")
    advice = AdviceSerializer(
        source="page.advice",
        help_text="The next steps, in the request's language, and a reply for the customer in "
        "each language the page offers.",
    )
    device = DeviceSerializer(source="report.device")
    cloud_storage = CloudStorageSerializer(source="report.storage", allow_null=True)
    sim = SimSerializer(source="report.sim", allow_null=True)
    data_bundle = DataBundleSerializer(
        allow_null=True,
        help_text="The SIM's data this period, from the owner's device list; null when not "
        "known (no owner, no bundle, an unlimited plan, the list could not be read, or the "
        "audit policy wants a reason to read a user's list and none was given).",
    )
    sections = SectionSerializer(
        source="page.sections", many=True, help_text="The page's sections, in its words."
    )
    provenance = ProvenanceSerializer()
    links = LinksSerializer()


class PlanCellSerializer(serializers.Serializer):
    status = BadgeSerializer(source="cell.badge")
    has_plan = serializers.BooleanField(source="cell.has_plan")
    problem = serializers.BooleanField(source="cell.problem")
    ends_at = TimeField()
    auto_renewal = serializers.IntegerField(allow_null=True, help_text="1 renewing, 0 not.")


class UserDeviceSerializer(serializers.Serializer):
    device_id = IdField(source="row.dev_id")
    relation = serializers.IntegerField(
        source="entry.relation", allow_null=True, help_text="1 owner, 2 guest."
    )
    relation_label = serializers.CharField(source="row.relation.text")
    cloud_storage = PlanCellSerializer()
    sim = PlanCellSerializer()
    data_bundle = DataBundleSerializer(source="row.data", allow_null=True)
    problem = serializers.BooleanField(source="row.problem")
    links = DeviceLinksSerializer()


class UserAnswerSerializer(serializers.Serializer):
    user_id = IdField()
    summary = BadgeSerializer()
    devices = UserDeviceSerializer(many=True, help_text="Problems first.")
    provenance = ProvenanceSerializer()
    links = LinksSerializer()


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="A lookup's failure: "
        + ", ".join(code.value for code in failures.ApiCode)
        + ". Before any lookup, REST framework's own: not_authenticated, "
        "authentication_failed, permission_denied, method_not_allowed."
    )
    message = serializers.CharField()
    next_step = serializers.CharField(required=False)
    retry_after = serializers.IntegerField(
        required=False, allow_null=True, help_text="Seconds; also sent as Retry-After."
    )
    lookup_id = IdField(required=False)
    vendor_request_id = serializers.CharField(required=False, allow_null=True)


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorSerializer()
