"""Schemathesis hooks for scripts/fuzz-api: besides the inputs schemathesis derives from the OpenAPI description
(almost all refused: random contact ids, event names, campaigns), they draw inputs that the service accepts, so
that the fuzzing phase also goes through the paths that store something: events of the workspace about the seeded
contacts, the campaign versions that exist, their contacts' journeys, approvals of their send steps with
approval, clock moves a little ahead of the clock, and Mailgun webhooks signed with the configured key. Every
clock move stays within 30 days of the clock's start (see map_case).

scripts/fuzz-api passes what it seeded in the environment variable CAMPAIGND_FUZZ_SETUP (JSON: contacts,
contact_fields, events, versions, approvals, clock, mailgun_signing_key). Every choice is a Hypothesis draw, so
a run is reproduced by its seed.
"""

import hashlib
import hmac
import json
import os
import re
import time
import zlib
from datetime import datetime, timedelta

import schemathesis
from hypothesis import strategies as st

SETUP = json.loads(os.environ["CAMPAIGND_FUZZ_SETUP"])
CONTACTS = SETUP["contacts"]
CLOCK_START = datetime.fromisoformat(SETUP["clock"].replace("Z", "+00:00"))
CLOCK_SPAN = timedelta(days=30)

IDENTIFIERS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=16)
# Date-times of any year, with offsets up to the widest: the edges of RFC 3339 in UTC included.
INSTANTS = st.tuples(st.datetimes(), st.sampled_from(["Z", "+00:00", "+14:00", "-12:00", "+05:30", "-00:30"])).map(
    lambda chosen: chosen[0].replace(microsecond=0).isoformat() + chosen[1])


def value_of(type_name, allowed=None):
    """A JSON value of a workspace type (`string`, `int`, `[date]`...), or null."""
    if type_name.startswith("["):
        return st.lists(value_of(type_name[1:-1], allowed).filter(lambda item: item is not None), max_size=3)
    if allowed:
        return st.sampled_from(allowed)
    scalars = {
        "string": st.text(max_size=20),
        "int": st.integers(min_value=-(2 ** 40), max_value=2 ** 40),
        "decimal": st.one_of(st.integers(min_value=-(10 ** 6), max_value=10 ** 6),
                             st.floats(allow_nan=False, allow_infinity=False, width=32)),
        "bool": st.booleans(),
        "date": st.dates().map(lambda day: day.isoformat()),
        "datetime": INSTANTS,
        "duration": st.one_of(st.integers(min_value=0, max_value=10 ** 7), st.sampled_from(["30m", "2h30m", "1d", "3w"])),
    }
    return st.one_of(st.none(), scalars[type_name])


def object_of(fields):
    """A JSON object with some of `fields` ({name: type or {type, values}}), each of its type."""
    def field(spec):
        return value_of(spec["type"], spec.get("values")) if isinstance(spec, dict) else value_of(spec)
    return st.fixed_dictionaries({}, optional={name: field(spec) for name, spec in fields.items()})


def event():
    """An event of the workspace about a seeded contact, `at` absent or past (or, now and then, future)."""
    return st.sampled_from(sorted(SETUP["events"])).flatmap(lambda name: st.fixed_dictionaries(
        {"id": IDENTIFIERS, "contact": st.sampled_from(CONTACTS), "event": st.just(name)},
        optional={"payload": object_of(SETUP["events"][name]), "at": INSTANTS}))


def version_path():
    """The path parameters of a campaign version that exists, its version written `2` or `v2`."""
    return st.sampled_from(SETUP["versions"]).flatmap(lambda version: st.fixed_dictionaries({
        "campaign": st.just(version["campaign"]),
        "v": st.sampled_from([str(version["version"]), "v%d" % version["version"]])}))


def approval():
    """The path and body releasing a send step with approval, for one seeded contact or everyone."""
    return st.sampled_from(SETUP["approvals"]).flatmap(lambda step: st.fixed_dictionaries({
        "path": st.just({"campaign": step["campaign"], "v": str(step["version"])}),
        "body": st.fixed_dictionaries({"step": st.just(step["step"])}, optional={"contact": st.sampled_from(CONTACTS)})}))


def clock_move():
    """`{now}` from a minute to two weeks past the clock's start: ahead of the clock early in a run."""
    return st.integers(min_value=60, max_value=14 * 86400).map(
        lambda seconds: {"now": (CLOCK_START + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")})


def mailgun_body():
    """A Mailgun webhook body signed with the configured key, about a seeded contact's send or none."""
    key = st.one_of(st.none(), st.tuples(st.sampled_from(CONTACTS), st.sampled_from(SETUP["versions"])).map(
        lambda chosen: "%s/%s/v%d/send/1" % (chosen[0], chosen[1]["campaign"], chosen[1]["version"])))

    def signed(draw):
        event_name, event_id, campaignc_key, severity = draw
        timestamp = str(int(time.time()))
        token = hashlib.sha256(event_id.encode()).hexdigest()
        signature = hmac.new(SETUP["mailgun_signing_key"].encode(), (timestamp + token).encode(), hashlib.sha256).hexdigest()
        data = {"event": event_name, "id": event_id, "timestamp": time.time(), "severity": severity,
                "url": "https://example.com/offer"}
        if campaignc_key is not None:
            data["user-variables"] = {"campaignc_key": campaignc_key}
        return {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": data}
    return st.tuples(st.sampled_from(["delivered", "opened", "clicked", "unsubscribed", "complained", "failed", "accepted"]),
                     IDENTIFIERS, key, st.sampled_from(["permanent", "temporary"])).map(signed)


def near(now):
    """`now` when it is not after CLOCK_SPAN past the clock's start (or not a date-time at all); else an instant
    within the span, derived from the text so that the run stays reproducible. A text Python does not read
    as a date-time but that starts with a year from the clock's on is taken for a far one."""
    year = re.match(r"\s*[+-]?(\d+)", now)
    if year is None:
        return now
    try:
        instant = datetime.fromisoformat(now.replace("Z", "+00:00"))
        if instant.tzinfo is None or instant - CLOCK_START <= CLOCK_SPAN:
            return now
    except (ValueError, OverflowError):
        if int(year.group(1)) < CLOCK_START.year:
            return now
    offset = zlib.crc32(now.encode()) % int(CLOCK_SPAN.total_seconds())
    return (CLOCK_START + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%SZ")


@schemathesis.hook
def map_case(context, case):
    """Keeps every clock move within CLOCK_SPAN of the clock's start. A move runs every firing and timer due
    on the way, in order: to the year 9999, which the date-time format lets schemathesis generate, that is
    weekly schedules for millennia, hours of work for one request."""
    if case.operation.method.upper() == "POST" and case.operation.path == "/v1/clock" and isinstance(case.body, dict):
        if isinstance(case.body.get("now"), str):
            case.body = dict(case.body, now=near(case.body["now"]))
    return case


def either(generated, accepted):
    """The value schemathesis generated, or one the service accepts."""
    return st.one_of(st.just(generated), accepted)


@schemathesis.hook
def flatmap_case(context, case):
    operation = "%s %s" % (case.operation.method.upper(), case.operation.path)
    path = dict(case.path_parameters or {})
    choices = {}
    if "id" in path:
        choices["id"] = either(path["id"], st.sampled_from(CONTACTS))
    if "campaign" in path and "v" in path:
        choices["version"] = either({"campaign": path["campaign"], "v": path["v"]}, version_path())
    elif "campaign" in path:
        campaigns = sorted({version["campaign"] for version in SETUP["versions"]})
        choices["campaign"] = either(path["campaign"], st.sampled_from(campaigns))
    if operation == "POST /v1/events":
        batch = st.lists(event(), min_size=1, max_size=5).map(lambda events: {"events": events})
        choices["body"] = either(case.body, st.one_of(event(), batch))
    elif operation == "PUT /v1/contacts/{id}":
        choices["body"] = either(case.body, object_of(SETUP["contact_fields"]))
    elif operation == "PATCH /v1/contacts/{id}":
        fields = {name: spec for name, spec in SETUP["contact_fields"].items() if name != "id"}
        choices["body"] = either(case.body, object_of(fields))
    elif operation == "POST /v1/campaigns/{campaign}/fire":
        choices["body"] = either(case.body, st.fixed_dictionaries({"contact": st.sampled_from(CONTACTS)}))
    elif operation == "POST /v1/clock":
        choices["body"] = either(case.body, clock_move())
    elif operation == "POST /v1/webhooks/{provider}":
        choices["webhook"] = either(None, mailgun_body())
    elif operation == "POST /v1/campaigns/{campaign}/versions/{v}/approvals" and SETUP["approvals"]:
        choices["approval"] = either(None, approval())

    def apply(chosen):
        if "id" in chosen:
            path["id"] = chosen["id"]
        if "version" in chosen:
            path.update(chosen["version"])
        if "campaign" in chosen:
            path["campaign"] = chosen["campaign"]
        case.path_parameters = path
        if "body" in chosen and chosen["body"] is not case.body:
            case.body = chosen["body"]
            case.media_type = "application/json"
        if chosen.get("approval") is not None:
            path.update(chosen["approval"]["path"])
            case.body = chosen["approval"]["body"]
            case.media_type = "application/json"
        if chosen.get("webhook") is not None:
            path["provider"] = "mailgun"
            case.body = chosen["webhook"]
            case.media_type = "application/json"
        return case
    return st.fixed_dictionaries(choices).map(apply)
