#!/usr/bin/env python3
"""A small implementation of lockstep-sut/1 in Python (standard library only).

It reads one JSON request per line on stdin and writes one JSON reply per line on
stdout (see ../../../shared/contracts/sut-protocol.md); stderr is its log. Behind
the protocol sits a minimal engine that follows ../../../shared/contracts/behaviour.md
(the rule ids in comments) and talks HTTP to igloohome at the URLs given in `init`.

    python3 examples/python-sut/sut.py [--seed N] [--mutant NAME]

`--mutant NAME` loads examples/python-sut/mutants/NAME.py, whose `Engine` subclass
carries one deliberate bug, to check that `lockstep conform` catches it.
"""
import argparse
import base64
import importlib.util
import json
import os
import random
import re
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

NAME, VERSION = "python-sut", "0.1.0"
UTC = timezone.utc
MINUTE, HOUR, DAY = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
HTTP_TIMEOUT_S = 3


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


class Refusal(Exception):
    """A request refused with a protocol error code (`ok: false`)."""

    def __init__(self, code, message=""):
        super().__init__(message or code)
        self.code, self.message = code, message or code


# --- time: instants are aware UTC datetimes, local times naive ones --------------

def parse_instant(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def fmt_instant(t):
    return None if t is None else t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_local(text):
    if not isinstance(text, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?", text):
        raise ValueError(f"{text!r} is not a local date-time YYYY-MM-DDTHH:MM")
    return datetime.fromisoformat(text)


def offset_at(zone, t):
    return t.astimezone(zone).utcoffset()


def with_offset(t, offset):
    """2026-06-01T15:00:00+02:00: the instant t written in a fixed UTC offset."""
    return t.astimezone(timezone(offset)).isoformat(timespec="seconds")


def zone_named(name):
    try:
        if not isinstance(name, str) or not name or name.startswith("/") or ".." in name:
            raise ValueError
        return ZoneInfo(name)
    except Exception:
        raise Refusal("invalid_timezone", f"unknown time zone {name!r}")


# --- igloohome over HTTP (L1, C6) -------------------------------------------------

class ApiError(Exception):
    """A failed igloohome call, classified for rule C6."""

    def __init__(self, status, error, message):
        super().__init__(f"{status} {error}: {message}")
        self.status, self.error, self.message = status, error, message

    @property
    def kind(self):
        text = f"{self.error} {self.message}".lower()
        if self.status in (401, 403):
            return "needs_reconnect"
        if self.status == 0 or self.status >= 500 or self.status in (406, 408, 429) \
                or "unable to contact bridge" in text:
            return "retryable"
        if self.status == 404:
            return "lock_missing"
        if self.status == 400 and self.error == "invalid_pin":
            return "rejected_value"
        return "invalid_request"


class Igloohome:
    def __init__(self, auth_url, api_url, clock):
        self.auth_url, self.api_url, self.clock = auth_url.rstrip("/"), api_url.rstrip("/"), clock
        self.credentials = None
        self.token = None  # (access_token, obtained_at, expires_at)
        self.tokens_issued = 0

    def _send(self, method, url, headers, body=None):
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
                raw = response.read()
                return json.loads(raw) if raw.strip() else {}
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                answer = json.loads(raw)
            except ValueError:
                answer = {}
            if not isinstance(answer, dict):
                answer = {}
            raise ApiError(e.code, str(answer.get("error", "")), str(answer.get("message", raw[:200])))
        except ApiError:
            raise
        except Exception as e:  # network error, timeout, reset, malformed JSON: retryable
            raise ApiError(0, "network", f"{type(e).__name__}: {e}")

    def fetch_token(self, client_id, secret):
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        answer = self._send("POST", self.auth_url + "/oauth2/token",
                            {"Authorization": "Basic " + basic,
                             "Content-Type": "application/x-www-form-urlencoded"},
                            b"grant_type=client_credentials")
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise ApiError(0, "network", "token answer without access_token")
        lifetime = timedelta(seconds=float(answer.get("expires_in", 86400)))
        self.token = (answer["access_token"], self.clock(), self.clock() + lifetime)
        self.tokens_issued += 1
        log(f"igloohome: token #{self.tokens_issued}, valid until {fmt_instant(self.token[2])}")
        return answer

    def connect(self, client_id, secret):
        answer = self.fetch_token(client_id, secret)
        self.credentials = (client_id, secret)
        name = answer.get("account_name") or answer.get("name") or jwt_claim(answer["access_token"], "name")
        return name or client_id

    def forget(self):
        self.credentials = self.token = None

    def bearer(self, force_new):
        if self.credentials is None:
            raise ApiError(401, "not_connected", "not connected")
        if self.token:
            _, obtained, expires = self.token
            margin = min(timedelta(minutes=5), (expires - obtained) / 2)
            if self.clock() >= expires - margin:
                force_new = True  # L1: reused until shortly before it expires
        if force_new or self.token is None:
            self.fetch_token(*self.credentials)
        return "Bearer " + self.token[0]

    def call(self, method, path, body=None):
        """One API call under L1: a 401 or 403 gets one new token and one repeat."""
        data = None if body is None else json.dumps(body).encode()
        for round_ in (0, 1):
            headers = {"Authorization": self.bearer(force_new=round_ > 0), "Accept": "application/json"}
            if data is not None:
                headers["Content-Type"] = "application/json"
            try:
                return self._send(method, self.api_url + path, headers, data)
            except ApiError as e:
                if e.status in (401, 403) and round_ == 0:
                    log(f"igloohome: {e.status}, asking for a new token once")
                    continue
                raise

    def devices(self):
        found, cursor = [], None
        for _ in range(1000):
            page = self.call("GET", "/devices" + (f"?cursor={urllib.parse.quote(cursor)}" if cursor else ""))
            found += page.get("payload") or []
            cursor = page.get("nextCursor")
            if not cursor:
                return found
        raise ApiError(0, "network", "device list never ends")

    def describe_lock(self, lock_id):
        """The lock's bridge id, or None for a bridge-less (algoPIN) lock."""
        devices = self.devices()
        if not any((d.get("deviceId") or d.get("id")) == lock_id and d.get("type") == "Lock" for d in devices):
            raise ApiError(404, "unknown_lock", f"no lock {lock_id!r} on the account")
        for d in devices:
            if d.get("type") == "Bridge" and any(l.get("deviceId") == lock_id for l in d.get("linkedDevices") or []):
                return d.get("deviceId") or d.get("id")
        return None

    def job(self, lock_id, bridge_id, job_type, data):
        path = f"/devices/{urllib.parse.quote(lock_id)}/jobs/bridges/{urllib.parse.quote(bridge_id)}"
        return str(self.call("POST", path, {"jobType": job_type, "jobData": data})["jobId"])

    def job_state(self, job_id):
        """completed, pending or failed, read as production pollers do
        (igloohome-api.md): done when `completed` is true or
        jobResponse.jobStatus is 0, failed when jobStatus is 2, else pending."""
        answer = self.call("GET", f"/jobs/{urllib.parse.quote(job_id)}")
        status = (answer.get("jobResponse") or {}).get("jobStatus")
        if answer.get("completed") is True or status == 0:
            return "completed"
        return "failed" if status == 2 else "pending"

    def algopin(self, lock_id, kind, start, start_offset, end, end_offset, variance, name):
        answer = self.call("POST", f"/devices/{urllib.parse.quote(lock_id)}/algopin/{kind}",
                           {"variance": variance, "startDate": with_offset(start, start_offset),
                            "endDate": with_offset(end, end_offset), "accessName": name})
        return str(answer["pin"])


def jwt_claim(token, claim):
    try:
        payload = token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))).get(claim)
    except Exception:
        return None


# --- the engine ---------------------------------------------------------------------

@dataclass
class Booking:
    id: str
    property_id: str
    checkin: datetime   # local, naive
    checkout: datetime
    phone: object = None
    status: str = "none"       # scheduled, retrying, active, failed, revoked, none
    code: object = None
    kind: object = None        # pin, algopin
    source: object = None      # random, guest_phone, algopin
    fallback: object = None    # C2: why the phone was not used
    lock_id: object = None     # lock holding (or to hold) the code
    bridge_id: object = None
    valid_from: object = None
    valid_until: object = None
    deadline: object = None    # T4
    due: object = None         # next generation attempt or job poll
    job: object = None         # pending create job: (job_id, pin, source, fallback, attempt start)
    variance: object = None    # C5
    preferred_pin: object = None  # B1: the PIN to keep when a code moves
    cancelled: bool = False
    kept: object = None        # B1: the code a guest in their stay keeps until the new one is on:
                               # (pin, lock_id, bridge_id, valid_from, valid_until)
    move_in_stay: bool = False  # B1: that new code is retried until its window ends
    remaking: bool = False     # B1: made again after another's delete took its PIN (reserved until back on)


@dataclass
class Deletion:
    """A bridge PIN to delete (C4, B2, L3, B1), tried hourly until `until`."""
    booking_id: str
    lock_id: str
    bridge_id: str
    pin: str
    due: datetime
    until: datetime
    valid_from: datetime
    valid_until: datetime
    job: object = None
    tried_at: object = None


SETTING_RANGES = {"days_before": (1, 14), "margin_minutes": (0, 240)}
BRANDS = ("igloohome", "nuki", "ttlock")
CODE_VARIABLE = re.compile(r"\{\{\s*(smartlock_code|nuki_code)\s*\}\}")


class Engine:
    """The reference rules, one overridable method per rule where a mutant needs one."""

    api_class = Igloohome  # the HTTP client, made at `init`

    def __init__(self, seed=None):
        self.rng = random.Random(seed)
        self.now = None
        self.api = None
        self.connected = False
        self.properties = {}   # property id -> ZoneInfo
        self.assigned = {}     # property id -> (brand, lock id)
        self.bridge_of = {}    # lock id -> bridge id or None (learnt at assignment)
        self.settings = {}     # lock id -> {days_before, margin_minutes, code_source}
        self.bookings = {}     # booking id -> Booking, in the order first seen
        self.deletions = []
        self.variances = {}    # (lock, type, start, end) -> set of variances in use

    # T1: local time -> instant; fold=0 is Temporal's `compatible` (a gap time moves
    # forward by the gap, an overlap takes the earlier instant).
    def resolve(self, zone, local):
        return local.replace(tzinfo=zone, fold=0).astimezone(UTC)

    # T2
    def window(self, checkin, checkout, margin):
        return checkin - margin, checkout + margin

    # T3: local 00:00, days_before days before the check-in day.
    def generation_time(self, zone, checkin_day, days_before):
        return self.resolve(zone, checkin_day - timedelta(days=days_before))

    # T4: the local midnight that ends the check-in day.
    def retry_deadline(self, zone, checkin_day, checkin):
        return self.resolve(zone, checkin_day + DAY)

    # T4: the next attempt after one that failed at `at`, or None when past the deadline.
    def next_retry(self, b, at):
        nxt = at + HOUR
        return nxt if nxt < b.deadline else None

    # C5: the algoPIN window igloohome is asked for; None when over 367 days. Asked
    # for after its start (`now`), it starts at the current hour: igloohome refuses
    # an earlier startDate.
    def algopin_window(self, zone, valid_from, valid_until, now=None):
        off_from, off_until = offset_at(zone, valid_from), offset_at(zone, valid_until)
        start = self.floor_hour(valid_from, off_from)
        if now is not None and now > start:
            current = self.floor_hour(now, offset_at(zone, now))
            if current > start:
                start, off_from = current, offset_at(zone, now)
        end = self.ceil_hour(valid_until, off_until)
        if end - start <= timedelta(hours=672):
            return "hourly", start, off_from, end, off_until
        start_local = start.astimezone(zone).replace(tzinfo=None)
        start_day = start_local.replace(hour=0, minute=0, second=0)
        day = max(start_day + timedelta(days=29),
                  valid_until.astimezone(zone).replace(tzinfo=None, hour=0, minute=0, second=0) - DAY)
        while True:
            local = day + (start_local - start_day)
            end = self.resolve(zone, local)
            # A time of day in a DST gap does not exist that day: the next day.
            if end.astimezone(zone).replace(tzinfo=None) == local and end >= valid_until:
                break
            day += DAY
        if (day - start_day).days > 367:
            return None
        return "daily", start, off_from, end, offset_at(zone, end)

    def floor_hour(self, t, offset):
        local = t + offset
        return local.replace(minute=0, second=0, microsecond=0) - offset

    def ceil_hour(self, t, offset):
        floor = self.floor_hour(t, offset)
        return floor if floor == t else floor + HOUR

    def plan(self, zone, checkin_local, checkout_local, days_before, margin_minutes):
        """T1-T4 for one booking: (valid_from, valid_until, generate_at, deadline, checkin)."""
        checkin, checkout = self.resolve(zone, checkin_local), self.resolve(zone, checkout_local)
        if checkout <= checkin:
            raise Refusal("invalid_booking", "check-out is not after check-in")
        valid_from, valid_until = self.window(checkin, checkout, timedelta(minutes=margin_minutes))
        checkin_day = checkin.astimezone(zone).replace(tzinfo=None, hour=0, minute=0, second=0)
        return (valid_from, valid_until, self.generation_time(zone, checkin_day, days_before),
                self.retry_deadline(zone, checkin_day, checkin), checkin)

    # C1
    @staticmethod
    def forbidden(pin):
        steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
        return len(steps) == 1 and steps <= {-1, 0, 1}

    def in_use(self, lock_id, pin, b):
        """Is pin held on lock_id by another booking whose window overlaps b's (or
        being made again there after another's delete took it: remake_sharers)?"""
        for other in self.bookings.values():
            if other is not b and other.remaking and not other.cancelled and other.lock_id == lock_id \
                    and other.preferred_pin == pin and other.valid_from < b.valid_until and b.valid_from < other.valid_until:
                return True
            if other is not b and other.lock_id == lock_id and other.kind == "pin" and other.code == pin \
                    and other.status == "active" and other.valid_from < b.valid_until and b.valid_from < other.valid_until:
                return True
            if other is not b and other.job and other.job[1] == pin and other.lock_id == lock_id:
                return True  # being created right now
            if other is not b and other.kept and other.kept[:2] == (pin, lock_id) \
                    and other.kept[3] < b.valid_until and b.valid_from < other.kept[4]:
                return True  # kept for a guest in their stay while its replacement is made
        return any(d.lock_id == lock_id and d.pin == pin and d.booking_id != b.id
                   and d.valid_from < b.valid_until and b.valid_from < d.valid_until for d in self.deletions)

    def own_entry_outlives(self, b, pin):
        """Is an entry of b's with this PIN still on its lock (kept, or its delete not
        yet done) and ending after b's new window?"""
        if b.kept and b.kept[:2] == (pin, b.lock_id) and b.kept[4] > b.valid_until:
            return True
        return any(d.booking_id == b.id and d.lock_id == b.lock_id and d.pin == pin and d.valid_until > b.valid_until
                   for d in self.deletions)

    def random_pin(self, b):
        while True:
            pin = f"{self.rng.randrange(10 ** 6):06d}"
            if not self.forbidden(pin) and not self.in_use(b.lock_id, pin, b):
                return pin

    # C2: the last 6 digits of the phone, or (None, why not).
    @staticmethod
    def phone_pin(phone):
        if not phone:
            return None, "missing"
        digits = re.sub(r"[+().\- ]", "", phone)
        if not digits.isdigit() or not digits.isascii():
            return None, "invalid_character"
        if len(digits) < 6:
            return None, "too_short"
        return digits[-6:], None

    def choose_pin(self, b):
        """(pin, source, fallback) for a new bridge code (C1, C2)."""
        if self.lock_settings(b.lock_id)["code_source"] == "guest_phone":
            pin, why = self.phone_pin(b.phone)
            if pin is not None and self.in_use(b.lock_id, pin, b):
                pin, why = None, "in_use"
            if pin is not None:
                return pin, "guest_phone", None
            log(f"{b.id}: C2 guest phone not usable ({why}), random code instead")
            return self.random_pin(b), "random", why
        return self.random_pin(b), "random", None

    # --- commands ------------------------------------------------------------------

    def lock_settings(self, lock_id):
        return self.settings.setdefault(lock_id, {"days_before": 5, "margin_minutes": 30, "code_source": "random"})

    def lock_of(self, property_id):
        brand, lock = self.assigned.get(property_id, (None, None))
        return lock if brand == "igloohome" else None

    def connect(self, client_id, secret):
        if self.connected:  # L1: to switch accounts, disconnect first
            raise Refusal("already_connected", "already connected: disconnect first")
        if not client_id or not secret:
            raise Refusal("invalid_credentials", "client_id and client_secret are required")
        try:
            name = self.api.connect(client_id, secret)
        except ApiError as e:
            if e.kind == "retryable":
                raise Refusal("provider_unavailable", str(e))
            raise Refusal("invalid_credentials", str(e))
        self.connected = True
        return name

    def disconnect(self):  # L4
        if not self.connected:
            return
        self.api.forget()
        self.connected = False
        for property_id in [p for p, (brand, _) in self.assigned.items() if brand == "igloohome"]:
            del self.assigned[property_id]
        self.deletions = []
        for b in self.bookings.values():
            b.kept = None
            if b.status in ("scheduled", "retrying"):
                b.status, b.lock_id, b.due, b.job = "none", None, None, None

    def assign_lock(self, property_id, brand, lock_id):  # L2, L3
        if property_id not in self.properties:
            raise Refusal("not_found", f"no property {property_id!r}")
        if brand not in BRANDS:
            raise Refusal("invalid_argument", f"unknown brand {brand!r}")
        current = self.assigned.get(property_id)
        if current == (brand, lock_id):
            return
        if brand == "igloohome" and not self.connected:
            raise Refusal("not_connected", "connect igloohome first")
        if current and current[0] != brand:
            raise Refusal("property_has_other_lock", f"{property_id} has a {current[0]} lock")
        if any(v == (brand, lock_id) for v in self.assigned.values()):
            raise Refusal("lock_already_assigned", f"{lock_id} serves another property")
        if brand == "igloohome":
            try:
                self.bridge_of[lock_id] = self.api.describe_lock(lock_id)
            except ApiError as e:
                if e.kind == "lock_missing":
                    raise Refusal("unknown_lock", f"no igloohome lock {lock_id!r}")
                raise Refusal("provider_unavailable", str(e))
            if self.bridge_of[lock_id] is None and self.lock_settings(lock_id)["code_source"] == "guest_phone":
                self.lock_settings(lock_id)["code_source"] = "random"  # S3
        self.assigned[property_id] = (brand, lock_id)
        self.lock_changed(property_id)

    def remove_lock(self, property_id):
        if property_id not in self.properties:
            raise Refusal("not_found", f"no property {property_id!r}")
        if self.assigned.pop(property_id, None):
            self.lock_changed(property_id)

    def lock_changed(self, property_id):
        """L3: codes of stays not started leave the old lock; the schedule follows the new one."""
        new_lock = self.lock_of(property_id)
        for b in self.bookings.values():
            if b.property_id != property_id or b.cancelled:
                continue
            if b.status == "active" and (b.lock_id == new_lock or self.now >= b.valid_from):
                continue  # same lock, or guest already in the stay: the code stays until it expires
            if b.status == "revoked" and self.now >= b.valid_until:
                continue
            self.booking_changed(b)

    def configure_lock(self, lock_id, fields):  # S1-S4
        known = any(lock == lock_id for _, lock in self.assigned.values()) or lock_id in self.settings
        for field in ("days_before", "margin_minutes"):
            if field in fields:
                low, high = SETTING_RANGES[field]
                value = fields[field]
                if type(value) is not int or not low <= value <= high:
                    raise Refusal("invalid_setting", f"{field} must be an integer from {low} to {high}")
        if "code_source" in fields:
            if fields["code_source"] not in ("random", "guest_phone"):
                raise Refusal("invalid_setting", "code_source must be random or guest_phone")
        if not known:  # a lock the account lists may be set up before it is mapped
            if not self.connected:
                raise Refusal("not_found", f"lock {lock_id!r} was never assigned")
            try:
                self.bridge_of[lock_id] = self.api.describe_lock(lock_id)
            except ApiError as e:
                if e.kind == "lock_missing":
                    raise Refusal("not_found", f"lock {lock_id!r} is not on the account")
                raise Refusal("provider_unavailable", str(e))
        if "code_source" in fields:
            if fields["code_source"] == "guest_phone" and self.bridge_of.get(lock_id, "?") is None:
                raise Refusal("code_source_unavailable", "code_source: a bridge-less lock only has algoPINs")
        settings = self.lock_settings(lock_id)
        timing = (settings["days_before"], settings["margin_minutes"])
        settings.update({k: fields[k] for k in ("days_before", "margin_minutes", "code_source") if k in fields})
        if timing == (settings["days_before"], settings["margin_minutes"]):
            return
        for b in self.bookings.values():  # a change applies to codes not generated yet
            if b.lock_id == lock_id and not b.cancelled and b.job is None and b.status in ("scheduled", "retrying"):
                retrying, due = b.status == "retrying", b.due
                preferred = (b.preferred_pin, b.source, b.fallback) if b.preferred_pin else None
                self.schedule(b, preferred=preferred)
                if retrying and b.due is not None:  # keep the retry cadence
                    b.due, b.status = max(b.due, due), "retrying"
                if b.kept is not None and b.status in ("scheduled", "retrying"):
                    # B1: still replacing a guest's kept code: retried until the window ends.
                    b.move_in_stay, b.deadline = True, b.valid_until

    def put_booking(self, f):
        if f.get("property_id") not in self.properties:
            raise Refusal("not_found", f"no property {f.get('property_id')!r}")
        try:
            checkin, checkout = parse_local(f.get("checkin")), parse_local(f.get("checkout"))
        except ValueError as e:
            raise Refusal("invalid_booking", str(e))
        zone = self.properties[f["property_id"]]
        if self.resolve(zone, checkout) <= self.resolve(zone, checkin):
            raise Refusal("invalid_booking", "check-out is not after check-in")
        b = self.bookings.get(f["booking_id"])
        if b is None:
            b = self.bookings[f["booking_id"]] = Booking(f["booking_id"], f["property_id"], checkin, checkout)
            b.phone = f.get("guest_phone")
            return self.schedule(b)
        b.phone = f.get("guest_phone")
        if (b.checkin, b.checkout, b.property_id) == (checkin, checkout, f["property_id"]) and not b.cancelled:
            return
        b.checkin, b.checkout, b.property_id = checkin, checkout, f["property_id"]
        if b.cancelled:  # put again after a cancellation: a new start
            b.cancelled = False
            return self.schedule(b)
        self.booking_changed(b)

    def booking_changed(self, b):
        """B1/L3: the booking's dates, zone or lock changed."""
        kept = b.kept
        if b.kind == "pin" and b.status == "active":  # move the code, keeping its PIN if free
            keep = (b.code, b.source, b.fallback)
            in_stay = b.valid_from <= self.now < b.valid_until
            old = (b.code, b.lock_id, b.bridge_id, b.valid_from, b.valid_until)
            same_lock = self.connected and self.lock_of(b.property_id) == b.lock_id
            if in_stay and same_lock and kept is None:
                # B1: the guest keeps the code they have until the new one is on.
                b.code = b.kind = None
                self.schedule(b, at_once=True, preferred=keep)
                if b.status == "scheduled":
                    b.kept, b.move_in_stay, b.deadline = old, True, b.valid_until
                    return
                b.kept = old
                return self.release_kept(b)
            self.drop_code(b)
            self.schedule(b, at_once=True, preferred=keep)
            if b.status == "scheduled" and b.valid_from <= self.now:
                # B1: a check-in moved earlier put the guest inside the new window:
                # retried until it ends, not only to the (past) T4 deadline.
                b.move_in_stay, b.deadline = True, b.valid_until
            if kept is not None:
                self.keep_moving(b, kept)
        elif b.kind == "algopin" and b.status == "active":  # B3: a new algoPIN; the old one keeps working
            log(f"{b.id}: B3 warning: the earlier algoPIN {b.code} keeps working until its end")
            self.schedule(b, at_once=True)
        else:
            # Moved again before its new code came: the PIN it is to keep (B1) stays.
            preferred = (b.preferred_pin, b.source, b.fallback) if b.preferred_pin else None
            self.schedule(b, at_once=kept is not None, preferred=preferred)
            if kept is not None:
                self.keep_moving(b, kept)

    def keep_moving(self, b, kept):
        """A move in the stay moved again: the kept code waits on, unless no new code will come."""
        b.kept = kept
        if b.status == "scheduled":
            b.move_in_stay, b.deadline = True, b.valid_until
        else:
            self.release_kept(b)

    def release_kept(self, b):
        """The kept code is no longer needed: deleted at once (by value, so never while b holds it again)."""
        pin, lock_id, bridge_id, valid_from, valid_until = b.kept
        b.kept = None
        if self.connected:
            self.deletions.append(Deletion(b.id, lock_id, bridge_id, pin, self.now, valid_until,
                                           valid_from, valid_until))

    def holds_again(self, d):
        """B1: does d's booking hold d's PIN on d's lock again (made, or being made)?"""
        b = self.bookings.get(d.booking_id)
        if b is None or b.lock_id != d.lock_id:
            return False
        return (b.status == "active" and b.kind == "pin" and b.code == d.pin) or bool(b.job and b.job[1] == d.pin)

    def held_by_another(self, d):
        """B1: does another booking hold d's value on d's lock (made, being made, kept,
        or itself still to delete)? igloohome deletes by value: deleting d would take
        that code off too. d is left when that lets no one in who could not enter
        anyway: its window has ended; or both stays are one guest's (the same phone
        digits) and what is left of d lies inside its own booking's current window
        on that lock, or inside the other's."""
        start = max(self.now, d.valid_from)
        own = self.bookings.get(d.booking_id)
        holders = []  # (booking, valid_from, valid_until)
        for b in self.bookings.values():
            if b.id == d.booking_id or b.lock_id != d.lock_id:
                continue
            if b.kind == "pin" and b.code == d.pin and b.status == "active" and b.valid_until > self.now:
                holders.append((b, b.valid_from, b.valid_until))
            elif b.job and b.job[1] == d.pin and b.valid_until > self.now:
                holders.append((b, b.valid_from, b.valid_until))
            elif b.kept and b.kept[:2] == (d.pin, d.lock_id) and b.kept[4] > self.now:
                holders.append((b, b.kept[3], b.kept[4]))
        for other in self.deletions:
            if other is not d and other.booking_id != d.booking_id and other.lock_id == d.lock_id \
                    and other.pin == d.pin and other.valid_until > self.now and other.booking_id in self.bookings:
                holders.append((self.bookings[other.booking_id], other.valid_from, other.valid_until))
        if not holders:
            return None
        if d.valid_until <= start:
            return holders[0][0].id
        same = [(b, f, u) for b, f, u in holders if self.same_guest(own, b)]
        if not same:
            return None
        if any(f <= start and d.valid_until <= u for _, f, u in same):
            return same[0][0].id
        if own is not None and not own.cancelled and own.lock_id == d.lock_id and own.valid_from is not None \
                and own.valid_from <= start and d.valid_until <= own.valid_until:
            return same[0][0].id
        return None

    def remake_sharers(self, d):
        """B1: igloohome deleted d's value by value, so another booking's code with it
        went too: each is made again at once, with the same PIN."""
        for b in list(self.bookings.values()):
            if b.id == d.booking_id or b.cancelled or b.lock_id != d.lock_id:
                continue
            if b.kind == "pin" and b.status == "active" and b.code == d.pin and b.valid_until > self.now:
                log(f"{b.id}: PIN {b.code} went from {d.lock_id} with {d.booking_id}'s entry: making it again")
                self.schedule(b, at_once=True, preferred=(b.code, b.source, b.fallback))
                b.remaking = b.lock_id == d.lock_id

    @staticmethod
    def same_guest(a, b):
        """Two bookings of one guest: the same phone number, digits compared."""
        if a is None or b is None or not a.phone or not b.phone:
            return False
        da = "".join(c for c in a.phone if c in "0123456789")
        return bool(da) and da == "".join(c for c in b.phone if c in "0123456789")

    def cancel_booking(self, booking_id):  # B2
        b = self.bookings.get(booking_id)
        if b is None:
            raise Refusal("not_found", f"no booking {booking_id!r}")
        if b.cancelled:
            return
        if b.kind == "algopin" and b.status == "active":
            log(f"{b.id}: B3 warning: cancelled; its algoPIN {b.code} keeps working until its end")
        elif b.status == "active":
            self.drop_code(b)
        if b.kept is not None:
            self.release_kept(b)
        b.cancelled, b.due, b.job, b.status = True, None, None, "revoked"

    def drop_code(self, b):
        """Deletes b's bridge PIN from its lock at once; failures retried hourly until its valid_until."""
        if b.kind == "pin" and b.code is not None and self.connected:
            self.deletions.append(Deletion(b.id, b.lock_id, b.bridge_id, b.code, self.now, b.valid_until,
                                           b.valid_from, b.valid_until))
        b.code = b.kind = None

    def schedule(self, b, at_once=False, preferred=None):
        """T3: plans b's generation on its property's lock (or nothing without one)."""
        b.lock_id = self.lock_of(b.property_id) if self.connected else None
        b.job, b.due, b.status = None, None, "none"
        b.code = b.kind = b.source = b.fallback = None
        b.preferred_pin = None
        b.move_in_stay = False
        zone = self.properties[b.property_id]
        settings = self.lock_settings(b.lock_id) if b.lock_id else {"days_before": 5, "margin_minutes": 30}
        b.valid_from, b.valid_until, generate_at, b.deadline, _ = self.plan(
            zone, b.checkin, b.checkout, settings["days_before"], settings["margin_minutes"])
        if b.lock_id is None:
            return
        b.bridge_id = self.bridge_of.get(b.lock_id)
        if b.bridge_id is None and self.algopin_window(zone, b.valid_from, b.valid_until) is None:
            return self.give_up(b, "stay_too_long: an algoPIN lasts at most 367 days", terminal=True)
        if self.now >= b.valid_until:  # the stay is over: no code will come (M1: code_unavailable)
            b.status = "revoked"
            return
        if preferred:
            b.preferred_pin, b.source, b.fallback = preferred
        b.due = self.now if at_once else max(generate_at, self.now)  # a late booking is served at once
        b.status = "scheduled"

    # --- time passing ----------------------------------------------------------------

    def tick(self, now):
        self.now = max(now, self.now)
        while True:
            # At one instant: deletions first (a moved PIN leaves before it comes back),
            # then expiries, then generation attempts and job polls.
            work = [(d.due, 0, i, d) for i, d in enumerate(self.deletions)]
            work += [(b.valid_until, 1, i, b) for i, b in enumerate(self.bookings.values()) if b.status == "active"]
            work += [(b.due, 2, i, b) for i, b in enumerate(self.bookings.values()) if b.due is not None]
            # The kept code goes at its own end or the new window's, whichever is first (C4).
            work += [(min(b.kept[4], b.valid_until) if b.valid_until else b.kept[4], 3, i, b)
                     for i, b in enumerate(self.bookings.values()) if b.kept is not None]
            due = [w for w in work if w[0] <= self.now]
            if not due:
                break
            _, what, _, item = min(due, key=lambda w: w[:3])
            if what == 2:
                self.poll_job(item) if item.job else self.attempt(item)
            elif what == 0:
                self.run_deletion(item)
            elif what == 3:  # B1: the kept code's own window ended before its replacement came
                pin, lock_id, bridge_id, valid_from, valid_until = item.kept
                item.kept = None
                if self.connected:
                    self.deletions.append(Deletion(item.id, lock_id, bridge_id, pin, self.now, valid_until + DAY,
                                                   valid_from, valid_until))
            else:
                self.expire(item)
        pending = [w[0] for w in work]
        return min(pending) if pending else None

    def expire(self, b):
        """C4: at valid_until the code ends; a bridge PIN is deleted (tried hourly for 24 h)."""
        b.status = "revoked"
        if b.kind == "pin" and self.connected:
            self.deletions.append(Deletion(b.id, b.lock_id, b.bridge_id, b.code, self.now, b.valid_until + DAY,
                                           b.valid_from, b.valid_until))

    def attempt(self, b):
        """One generation attempt (T3/T4), bridge PIN or algoPIN."""
        b.due = None
        started = self.now
        try:
            if b.bridge_id is None:
                return self.attempt_algopin(b)
            if b.preferred_pin and self.own_entry_outlives(b, b.preferred_pin):
                # B1 + C4: deleted by value, an earlier entry of this PIN that ends after
                # the new window could only go with the new code: a new PIN instead.
                b.preferred_pin = None
            if b.preferred_pin and not self.in_use(b.lock_id, b.preferred_pin, b):
                pin, source, fallback = b.preferred_pin, b.source, b.fallback
            else:
                pin, source, fallback = self.choose_pin(b)
            for value in range(5):  # C3: at most 5 values an attempt
                try:
                    job_id = self.create_pin(b, pin)
                    break
                except ApiError as e:
                    if e.kind != "rejected_value" or value == 4:
                        raise
                    log(f"{b.id}: C3 value {pin} refused, another one in the same attempt")
                    fallback = "rejected" if source == "guest_phone" else fallback
                    source, pin = "random", self.random_pin(b)
            b.job = (job_id, pin, source, fallback, started)
            b.code, b.source, b.fallback = None, source, fallback
            self.poll_job(b)
        except ApiError as e:
            self.attempt_failed(b, started, e)

    def create_pin(self, b, pin):
        zone = self.properties[b.property_id]
        return self.api.job(b.lock_id, b.bridge_id, 4, {
            "accessName": f"lockstep {b.id}", "pin": pin, "pinType": 4,
            "startDate": with_offset(b.valid_from, offset_at(zone, b.valid_from)),
            "endDate": with_offset(b.valid_until, offset_at(zone, b.valid_until))})

    def poll_job(self, b):
        job_id, pin, source, fallback, started = b.job
        try:
            state = self.api.job_state(job_id)
        except ApiError as e:
            # A poll that failed is not a job that failed: asked again like a pending one.
            state = "pending" if e.kind == "retryable" else "failed: " + str(e)
        if state == "pending" and self.now - started < HOUR:
            b.due = self.now + MINUTE
            return
        b.job, b.due = None, None
        if state != "completed":
            return self.attempt_failed(b, started, ApiError(0, "job_failed", f"bridge job {job_id}: {state}"))
        b.code, b.kind, b.source, b.fallback, b.status = pin, "pin", source, fallback, "active"
        b.preferred_pin = None
        b.remaking = False
        if b.kept is not None:
            self.release_kept(b)
        log(f"{b.id}: code {pin} on {b.lock_id} for [{fmt_instant(b.valid_from)}, {fmt_instant(b.valid_until)})")

    def attempt_algopin(self, b):  # C5
        zone = self.properties[b.property_id]
        kind, start, off_start, end, off_end = self.algopin_window(zone, b.valid_from, b.valid_until, self.now)
        key = (b.lock_id, kind, start, end)
        taken = self.variances.setdefault(key, set())
        free = [v for v in (1, 2, 3) if v not in taken]
        if not free:
            return self.give_up(b, "no_variance: three codes already share this window", terminal=True)
        try:
            pin = self.api.algopin(b.lock_id, kind, start, off_start, end, off_end, free[0], f"lockstep {b.id}")
        except ApiError as e:
            return self.attempt_failed(b, self.now, e)
        taken.add(free[0])
        b.variance = free[0]  # taken for good: an algoPIN cannot be deleted
        b.code, b.kind, b.source, b.status = pin, "algopin", "algopin", "active"
        log(f"{b.id}: algoPIN {pin} ({kind}, variance {free[0]}) on {b.lock_id}")

    def attempt_failed(self, b, started, error):
        """C6: retryable failures are tried again (T4); the others alert the host."""
        if error.kind in ("retryable", "rejected_value"):
            nxt = self.next_retry(b, started)
            if nxt is not None and max(nxt, self.now) < b.valid_until:
                b.due, b.status = max(nxt, self.now), "retrying"
                log(f"{b.id}: attempt at {fmt_instant(started)} failed ({error}); next at {fmt_instant(b.due)}")
                return
            return self.give_up(b, f"last attempt failed ({error})")
        self.give_up(b, f"{error.kind}: {error}", terminal=True)

    def give_up(self, b, why, terminal=False):
        b.status, b.due = "failed", None
        log(f"{b.id}: ALERT host: code {'not possible' if terminal else 'generation failed'}: {why}")

    def run_deletion(self, d):
        if not self.connected:
            return self.deletions.remove(d)
        if d.job is None and self.holds_again(d):
            log(f"{d.booking_id}: PIN {d.pin} not deleted: the booking holds it again for its new window")
            return self.deletions.remove(d)
        if d.job is None and (other := self.held_by_another(d)):
            log(f"{d.booking_id}: PIN {d.pin} not deleted: {other} holds the same value and igloohome deletes by value")
            return self.deletions.remove(d)
        try:
            if d.job is None:
                d.tried_at = self.now
                d.job = self.api.job(d.lock_id, d.bridge_id, 5, {"pin": d.pin})
            state = self.api.job_state(d.job)
            if state == "pending" and self.now - d.tried_at < HOUR:
                d.due = self.now + MINUTE
                return
            if state == "completed":
                self.deletions.remove(d)
                log(f"{d.booking_id}: PIN {d.pin} deleted from {d.lock_id}")
                return self.remake_sharers(d)
            d.job = None
        except ApiError as e:
            if d.job is not None and e.kind == "retryable" and self.now - d.tried_at < HOUR:
                d.due = self.now + MINUTE  # a poll that failed, not a delete that failed: asked again
                return
            d.job = None
            if e.kind in ("lock_missing", "needs_reconnect", "invalid_request"):
                return self.deletions.remove(d)
        nxt = max(d.tried_at + HOUR, self.now)  # C4/B2: a failed delete is tried hourly
        if nxt >= d.until:
            log(f"{d.booking_id}: ALERT host: could not delete PIN {d.pin} from {d.lock_id}")
            self.deletions.remove(d)
        else:
            d.due = nxt

    def same_instants(self, b, old_zone, new_zone):
        """B0: does b mean the same instants (and offsets) in both zones, with its lock's settings?"""
        settings = self.lock_settings(b.lock_id) if b.lock_id else {"days_before": 5, "margin_minutes": 30}
        try:
            plans = [self.plan(z, b.checkin, b.checkout, settings["days_before"], settings["margin_minutes"])
                     for z in (old_zone, new_zone)]
        except Refusal:
            return False
        offsets = [(offset_at(z, p[0]), offset_at(z, p[1])) for z, p in zip((old_zone, new_zone), plans)]
        return plans[0] == plans[1] and offsets[0] == offsets[1] and \
            self.algopin_window(old_zone, b.valid_from, b.valid_until) == \
            self.algopin_window(new_zone, b.valid_from, b.valid_until)

    # --- queries ---------------------------------------------------------------------

    def get_code(self, booking_id):
        b = self.bookings.get(booking_id)
        if b is None:
            raise Refusal("not_found", f"no booking {booking_id!r}")
        status, code, kind = self.shown(b)
        igloohome = self.lock_of(b.property_id) is not None  # the window only with an igloohome lock
        return {"status": status, "code": code, "kind": kind,
                "valid_from": fmt_instant(b.valid_from) if igloohome else None,
                "valid_until": fmt_instant(b.valid_until) if igloohome else None}

    def shown(self, b):
        """(status, code, kind) as the host and guest see them: while a moved code is made, the kept one."""
        if b.kept is not None and b.status in ("scheduled", "retrying", "failed"):
            return "active", b.kept[0], "pin"
        if b.status == "active":
            return b.status, b.code, b.kind
        return b.status, None, None

    def render(self, booking_id, template):  # M1
        b = self.bookings.get(booking_id)
        if b is None:
            raise Refusal("not_found", f"no booking {booking_id!r}")
        if not isinstance(template, str):
            raise Refusal("invalid_argument", "template must be a string")
        status, code, _ = self.shown(b)
        if CODE_VARIABLE.search(template) and status != "active":
            if status in ("failed", "revoked"):
                raise Refusal("code_unavailable", "no code will come, or it no longer opens")
            raise Refusal("code_pending", "no code yet")
        return CODE_VARIABLE.sub(lambda _: code, template)


# --- the protocol ----------------------------------------------------------------------

class Adapter:
    def __init__(self, engine, name):
        self.engine, self.name = engine, name

    def handle(self, request):
        e, kind = self.engine, request.get("type")
        if kind == "init":
            if request.get("protocol") != "lockstep-sut/1":
                raise Refusal("unsupported", f"protocol {request.get('protocol')!r}")
            e.now = parse_instant(request["now"])
            urls = request["igloohome"]
            e.api = e.api_class(urls["auth_url"], urls["api_url"], lambda: e.now)
            return {"name": self.name, "version": VERSION}
        if e.api is None and kind != "shutdown":
            raise Refusal("not_initialised", "init first")
        if kind == "connect":
            return {"account_name": e.connect(request["client_id"], request["client_secret"])}
        if kind == "disconnect":
            e.disconnect()
        elif kind == "put_property":
            zone = zone_named(request.get("timezone"))
            changed = request["property_id"] in e.properties and e.properties[request["property_id"]] != zone
            old_zone = e.properties.get(request["property_id"])
            e.properties[request["property_id"]] = zone
            for b in list(e.bookings.values()) if changed else []:
                if b.property_id == request["property_id"] and not b.cancelled \
                        and not e.same_instants(b, old_zone, zone):  # B0
                    e.booking_changed(b)
        elif kind == "assign_lock":
            e.assign_lock(request["property_id"], request["brand"], request["lock_id"])
        elif kind == "remove_lock":
            e.remove_lock(request["property_id"])
        elif kind == "configure_lock":
            e.configure_lock(request["lock_id"], {k: v for k, v in request.items() if k not in ("id", "type", "lock_id")})
        elif kind == "put_booking":
            e.put_booking(request)
        elif kind == "cancel_booking":
            e.cancel_booking(request["booking_id"])
        elif kind == "tick":
            return {"next_wakeup": fmt_instant(e.tick(parse_instant(request["now"])))}
        elif kind == "get_code":
            return e.get_code(request["booking_id"])
        elif kind == "render":
            return {"text": e.render(request["booking_id"], request.get("template"))}
        elif kind != "shutdown":
            raise Refusal("unsupported", f"request type {kind!r} is not implemented")
        return {}

    def serve(self, stdin, stdout):
        for line in stdin:
            if not line.strip():
                continue
            request_id = request = None
            try:
                request = json.loads(line)
                request_id = request.get("id")
                reply = {"id": request_id, "ok": True, **self.handle(request)}
            except Refusal as r:
                reply = {"id": request_id, "ok": False, "error": {"code": r.code, "message": r.message}}
            except Exception as ex:  # a bug here must not kill the run: say so and go on
                log(traceback.format_exc())
                reply = {"id": request_id, "ok": False, "error": {"code": "internal", "message": repr(ex)}}
            stdout.write(json.dumps(reply) + "\n")
            stdout.flush()
            if request_id is not None and isinstance(request, dict) and request.get("type") == "shutdown":
                return


def load_engine_class(mutant):
    if not mutant:
        return Engine
    if not re.fullmatch(r"[a-z0-9_]+", mutant):
        sys.exit(f"bad mutant name {mutant!r}")
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mutants", mutant + ".py")
    spec = importlib.util.spec_from_file_location(f"mutant_{mutant}", path)
    if spec is None or not os.path.exists(path):
        sys.exit(f"no mutant {mutant!r} at {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Engine


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="seed of the random codes")
    parser.add_argument("--mutant", help="run with one deliberate bug (see mutants/)")
    args = parser.parse_args()
    sys.modules.setdefault("sut", sys.modules[__name__])  # mutants import the base as `sut`
    engine_class = load_engine_class(args.mutant)
    name = NAME + (f"+{args.mutant}" if args.mutant else "")
    log(f"{name} {VERSION} ready")
    Adapter(engine_class(seed=args.seed), name).serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
