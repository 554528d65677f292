#!/usr/bin/env python3
"""A client of the igloohome API written from the contract's facts alone.

This is what a real integration is: it knows ../shared/contracts/igloohome-api.md,
not the mock. It decodes every answer strictly, the way the public Python client
does (dataclasses with exact types: `nextCursor: str`, `jobType: str`, an integer
`jobStatus`), reads job success and failure as production pollers do
(`completed is True or jobResponse.jobStatus == 0` done, `jobStatus == 2` failed,
anything else pending), checks the JWT's `exp` against its own wall clock, and
answers a 401 with one new token and one repeat.

It starts `lockstep mock` on a free loopback port and runs the whole path: a token
with every scope, device pages, device details, each job type, job polling to done
and to failed, algoPIN hourly and daily, activity, and a token refresh on a 401
after virtual time passes. Only /__admin/ (the test's own steering: clock,
faults, keypad) is mock-specific.

Usage: igloohome_compat.py --lockstep PATH/TO/lockstep      (exit 0 = compatible)
Python 3 standard library only.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import typing
import unittest
import urllib.error
import urllib.parse
import urllib.request

# Every scope the contract lists, with its prefix.
SCOPES = [
    "igloohomeapi/" + s
    for s in (
        "get-devices", "get-job-status", "get-properties", "algopin-hourly", "algopin-daily",
        "algopin-onetime", "algopin-permanent", "create-pin-bridge-proxied-job",
        "delete-pin-bridge-proxied-job", "lock-bridge-proxied-job", "unlock-bridge-proxied-job",
        "get-device-status-bridge-proxied-job", "get-battery-level-bridge-proxied-job",
        "get-activity-logs-bridge-proxied-job", "get-device-activity", "store-device-activity",
    )
]
CLIENT_ID, CLIENT_SECRET = "demo-client", "demo-secret"
OFFSET_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


# --- strict decoding, as the public client's dataclasses do -------------------

class DecodeError(Exception):
    pass


def strict(cls, data):
    """Builds dataclass `cls` from `data`, refusing a missing field or a wrong type."""
    if not isinstance(data, dict):
        raise DecodeError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        if field.name not in data:
            if field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING:
                continue
            raise DecodeError(f"{cls.__name__}.{field.name}: missing")
        values[field.name] = check(hints[field.name], data[field.name], f"{cls.__name__}.{field.name}")
    return cls(**values)


def check(hint, value, where):
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union:
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return check(inner[0], value, where)
    if origin is list:
        if not isinstance(value, list):
            raise DecodeError(f"{where}: expected a list, got {type(value).__name__}")
        return [check(args[0], v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise DecodeError(f"{where}: expected an object")
        return value
    if dataclasses.is_dataclass(hint):
        return strict(hint, value)
    if hint is typing.Any:
        return value
    # bool is an int in Python; a strict client tells them apart.
    if hint is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise DecodeError(f"{where}: expected int, got {type(value).__name__} {value!r}")
    if hint is not int and not isinstance(value, hint):
        raise DecodeError(f"{where}: expected {hint.__name__}, got {type(value).__name__} {value!r}")
    return value


@dataclasses.dataclass
class TokenResponse:
    access_token: str
    expires_in: int
    token_type: str


@dataclasses.dataclass
class LinkedDevice:
    type: str
    deviceId: str


@dataclasses.dataclass
class Device:
    id: str
    type: str
    deviceId: str
    deviceName: str
    pairedAt: str
    homeId: list
    linkedDevices: typing.List[LinkedDevice]
    batteryLevel: typing.Optional[int]


@dataclasses.dataclass
class DevicePage:
    nextCursor: str
    payload: typing.List[Device]


@dataclasses.dataclass
class JobCreated:
    jobId: str


@dataclasses.dataclass
class JobResponse:
    jobStatus: int


@dataclasses.dataclass
class Job:
    jobId: str
    expiryDate: str
    completed: bool
    jobType: str
    jobResponse: typing.Dict[str, typing.Any]


@dataclasses.dataclass
class AlgoPin:
    pin: str
    pinId: str


@dataclasses.dataclass
class ActivityEntry:
    time: str


@dataclasses.dataclass
class ActivityPage:
    nextCursor: str
    payload: typing.List[typing.Dict[str, typing.Any]]


# --- the client -----------------------------------------------------------------

class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


def http(method, url, body=None, headers=None):
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.status, res.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def decode_jwt_claims(token):
    payload = token.split(".")[1]
    payload += "=" * (-len(payload) % 4)
    return json.loads(base64.urlsafe_b64decode(payload))


class Igloohome:
    """A production-style client: two base URLs, a cached token, one retry on 401."""

    def __init__(self, auth_base, api_base, scopes):
        self.auth_base = auth_base
        self.api_base = api_base
        self.scopes = scopes
        self.token = None
        self.tokens_fetched = 0
        self.unauthorized_seen = 0

    def fetch_token(self):
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": " ".join(self.scopes)})
        status, text = http("POST", self.auth_base + "/oauth2/token", form, {
            "Authorization": "Basic " + basic,
            "Content-Type": "application/x-www-form-urlencoded",
        })
        if status != 200:
            raise HttpError(status, text)
        token = strict(TokenResponse, json.loads(text))
        self.tokens_fetched += 1
        self.token = token
        return token

    def token_valid_on_my_clock(self):
        # What real clients do: decode exp and compare it with their own clock.
        if self.token is None:
            return False
        return decode_jwt_claims(self.token.access_token)["exp"] > time.time() + 60

    def call(self, method, path, body=None):
        for attempt in range(2):
            if not self.token_valid_on_my_clock():
                self.fetch_token()
            headers = {"Authorization": "Bearer " + self.token.access_token}
            data = None
            if body is not None:
                headers["Content-Type"] = "application/json"
                data = json.dumps(body)
            status, text = http(method, self.api_base + path, data, headers)
            if status == 401 and attempt == 0:
                self.unauthorized_seen += 1
                self.token = None
                continue
            if status != 200:
                raise HttpError(status, text)
            return json.loads(text)
        raise HttpError(401, "unauthorized twice")

    def devices(self, cursor=None):
        path = "/devices" + ("?cursor=" + urllib.parse.quote(cursor) if cursor else "")
        return strict(DevicePage, self.call("GET", path))

    def all_devices(self):
        out, cursor, pages = [], None, 0
        while True:
            page = self.devices(cursor)
            pages += 1
            out += page.payload
            if page.nextCursor == "":
                return out, pages
            cursor = page.nextCursor

    def device(self, device_id):
        return strict(Device, self.call("GET", "/devices/" + urllib.parse.quote(device_id)))

    def job(self, lock, bridge, job_type, job_data=None, send_job_data=True):
        body = {"jobType": job_type}
        if send_job_data:
            body["jobData"] = job_data
        return strict(JobCreated, self.call("POST", f"/devices/{lock}/jobs/bridges/{bridge}", body)).jobId

    def job_status(self, job_id):
        job = strict(Job, self.call("GET", "/jobs/" + job_id))
        strict(JobResponse, job.jobResponse)
        return job

    @staticmethod
    def outcome(job):
        # The production poller's reading.
        if job.completed is True or job.jobResponse.get("jobStatus") == 0:
            return "done"
        if job.jobResponse.get("jobStatus") == 2:
            return "failed"
        return "pending"

    def algopin(self, lock, kind, body):
        return strict(AlgoPin, self.call("POST", f"/devices/{lock}/algopin/{kind}", body))

    def activity(self, device_id, page_size, cursor=None):
        query = {"pageSize": page_size}
        if cursor:
            query["cursor"] = cursor
        page = strict(ActivityPage, self.call(
            "GET", f"/devices/{device_id}/activity?" + urllib.parse.urlencode(query)))
        for entry in page.payload:
            strict(ActivityEntry, entry)
        return page


# --- the mock under test ----------------------------------------------------------

class MockProcess:
    def __init__(self, lockstep, world):
        self.dir = tempfile.TemporaryDirectory(prefix="lockstep-compat-")
        world_file = os.path.join(self.dir.name, "world.json")
        with open(world_file, "w") as f:
            json.dump(world, f)
        # stderr to a file: a pipe nobody reads could fill and stall the mock.
        self.stderr = open(os.path.join(self.dir.name, "stderr.txt"), "w+")
        self.proc = subprocess.Popen([lockstep, "mock", "--port", "0", "--world", world_file],
                                     stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        line = self.proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if not match:
            self.proc.wait(timeout=10)
            self.stderr.seek(0)
            error = self.stderr.read()
            self.stop()
            raise RuntimeError(f"lockstep mock did not start: {line!r} {error!r}")
        self.base = f"http://127.0.0.1:{match.group(1)}"

    def admin(self, method, path, body=None):
        status, text = http(method, self.base + "/__admin" + path, json.dumps(body) if body is not None else None)
        if status != 200:
            raise HttpError(status, text)
        return json.loads(text)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.stderr.close()
        self.dir.cleanup()


LOCKSTEP = None
START = "2026-06-01T10:20:00Z"  # the virtual clock's start; 12:20 at +02:00


def world():
    # The default world, with pages of two devices so that paging is exercised.
    return {
        "now": START,
        "accounts": [{"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "name": "Demo Host"}],
        "bridges": [{"id": "BR-1"}],
        "locks": [{"id": "LK-1", "bridge": "BR-1"}, {"id": "LK-2", "bridge": "BR-1"}, {"id": "LK-ALGO", "bridge": None}],
        "limits": {"page_size": 2},
    }


class Compatibility(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mock = MockProcess(LOCKSTEP, world())
        cls.api = Igloohome(cls.mock.base, cls.mock.base + "/igloohome", SCOPES)

    @classmethod
    def tearDownClass(cls):
        cls.mock.stop()

    def setUp(self):
        self.mock.admin("POST", "/reset", {})
        self.mock.admin("POST", "/clock", {"now": START})

    def poll(self, job_id, until=("done", "failed")):
        for _ in range(5):
            job = self.api.job_status(job_id)
            if Igloohome.outcome(job) in until:
                return job
        return job

    def test_token_with_every_scope(self):
        token = self.api.fetch_token()
        self.assertEqual(token.token_type, "Bearer")
        self.assertEqual(token.expires_in, 86400)
        claims = decode_jwt_claims(token.access_token)
        self.assertEqual(set(claims["scope"].split(" ")), set(SCOPES))
        # exp on the wall clock: neither expired nor immortal for a client's own clock.
        self.assertAlmostEqual(claims["exp"], time.time() + token.expires_in, delta=120)

    def test_unknown_scope_is_refused(self):
        other = Igloohome(self.mock.base, self.mock.base + "/igloohome", SCOPES + ["igloohomeapi/no-such-scope"])
        with self.assertRaises(HttpError) as refused:
            other.fetch_token()
        self.assertEqual(refused.exception.status, 400)
        self.assertEqual(json.loads(refused.exception.body)["error"], "invalid_request")

    def test_device_pages_and_details(self):
        devices, pages = self.api.all_devices()
        self.assertEqual(pages, 2)
        by_id = {d.deviceId: d for d in devices}
        self.assertEqual(set(by_id), {"BR-1", "LK-1", "LK-2", "LK-ALGO"})
        for d in devices:
            self.assertNotEqual(d.id, d.deviceId)
            self.assertIn(d.type, ("Bridge", "Lock", "Keypad"))
            self.assertRegex(d.pairedAt, OFFSET_DATE)
        self.assertIsNone(by_id["BR-1"].batteryLevel)
        self.assertIsInstance(by_id["LK-1"].batteryLevel, int)
        self.assertEqual({l.deviceId for l in by_id["BR-1"].linkedDevices}, {"LK-1", "LK-2"})
        one = self.api.device("LK-1")
        self.assertEqual(one, by_id["LK-1"])
        with self.assertRaises(HttpError) as missing:
            self.api.device("LK-404")
        self.assertEqual(missing.exception.status, 404)

    def test_each_job_type_polls_to_done(self):
        # Lock and unlock as the public client sends them: "jobData": null.
        for job_type in (1, 2):
            job = self.poll(self.api.job("LK-1", "BR-1", job_type, None))
            self.assertEqual(Igloohome.outcome(job), "done")
            self.assertEqual(job.jobType, str(job_type))
        status = self.poll(self.api.job("LK-1", "BR-1", 10, send_job_data=False))
        self.assertEqual(Igloohome.outcome(status), "done")
        self.assertIs(status.jobResponse["opResult"]["locked"], False)  # the unlock above
        battery = self.poll(self.api.job("LK-1", "BR-1", 9, send_job_data=False))
        self.assertIsInstance(battery.jobResponse["opResult"]["batteryLevel"], int)
        created = self.poll(self.api.job("LK-1", "BR-1", 4, {
            "accessName": "Guest", "pin": "482913", "pinType": 4,
            "startDate": "2026-06-01T15:00:00+02:00", "endDate": "2026-06-03T11:00:00+02:00"}))
        self.assertEqual(Igloohome.outcome(created), "done")
        self.assertEqual(created.jobType, "4")
        deleted = self.poll(self.api.job("LK-1", "BR-1", 5, {"pin": "482913"}))
        self.assertEqual(Igloohome.outcome(deleted), "done")
        logs = self.poll(self.api.job("LK-1", "BR-1", 15, None))
        self.assertEqual(logs.jobResponse["opResult"]["result"], 0)

    def test_job_polling_to_failed(self):
        self.mock.admin("POST", "/faults", {"kind": "job_expire", "target": "BR-1"})
        job_id = self.api.job("LK-1", "BR-1", 4, {
            "pin": "5555", "startDate": "2026-06-01T15:00:00+02:00", "endDate": "2026-06-03T11:00:00+02:00"})
        self.assertEqual(Igloohome.outcome(self.api.job_status(job_id)), "pending")
        self.mock.admin("POST", "/clock", {"advance_seconds": 3600})
        job = self.api.job_status(job_id)
        self.assertEqual(Igloohome.outcome(job), "failed")
        self.assertIs(job.completed, False)

    def test_algopin_hourly_and_daily(self):
        # The current hour (12:00 at +02:00, the clock says 12:20) is accepted.
        hourly = self.api.algopin("LK-ALGO", "hourly", {
            "variance": 1, "startDate": "2026-06-01T12:00:00+02:00", "endDate": "2026-06-01T18:00:00+02:00",
            "accessName": "Guest"})
        self.assertRegex(hourly.pin, r"^\d{7,9}$")
        daily = self.api.algopin("LK-ALGO", "daily", {
            "variance": 1, "startDate": "2026-06-02T15:00:00+02:00", "endDate": "2026-07-05T15:00:00+02:00",
            "accessName": "Long stay"})
        self.assertRegex(daily.pin, r"^\d{7,9}$")
        with self.assertRaises(HttpError) as past:
            self.api.algopin("LK-ALGO", "hourly", {
                "variance": 1, "startDate": "2026-06-01T11:00:00+02:00", "endDate": "2026-06-01T18:00:00+02:00"})
        self.assertEqual(past.exception.status, 400)
        self.assertIn("startDate", json.loads(past.exception.body)["message"])

    def test_activity_newest_first_in_pages(self):
        pin = self.api.algopin("LK-ALGO", "hourly", {
            "variance": 1, "startDate": "2026-06-01T12:00:00+02:00", "endDate": "2026-06-01T18:00:00+02:00"}).pin
        self.mock.admin("POST", "/locks/LK-ALGO/enter", {"pin": "0000000", "at": "2026-06-01T10:30:00Z"})
        self.mock.admin("POST", "/locks/LK-ALGO/enter", {"pin": pin, "at": "2026-06-01T10:40:00Z"})
        self.mock.admin("POST", "/clock", {"now": "2026-06-01T11:00:00Z"})
        first = self.api.activity("LK-ALGO", 1)
        self.assertEqual(len(first.payload), 1)
        self.assertNotEqual(first.nextCursor, "")
        second = self.api.activity("LK-ALGO", 1, first.nextCursor)
        self.assertEqual(second.nextCursor, "")
        newest, oldest = first.payload[0], second.payload[0]
        self.assertGreater(newest["time"], oldest["time"])
        self.assertRegex(newest["time"], OFFSET_DATE)
        self.assertIs(newest["opened"], True)
        self.assertIs(oldest["opened"], False)

    def test_token_refresh_on_401_after_virtual_time(self):
        self.api.fetch_token()
        before = self.api.tokens_fetched
        self.api.devices()
        self.assertEqual(self.api.tokens_fetched, before)  # reused while valid
        # Two virtual days pass: the mock's token has expired there, though its
        # exp (wall clock) still looks valid to the client, which learns it from the 401.
        self.mock.admin("POST", "/clock", {"advance_seconds": 2 * 86400})
        self.assertTrue(self.api.token_valid_on_my_clock())
        unauthorized = self.api.unauthorized_seen
        page = self.api.devices()
        self.assertIsInstance(page.nextCursor, str)
        self.assertEqual(self.api.unauthorized_seen, unauthorized + 1)
        self.assertEqual(self.api.tokens_fetched, before + 1)


def main():
    global LOCKSTEP
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lockstep", required=True, help="the lockstep binary")
    args, rest = parser.parse_known_args()
    LOCKSTEP = args.lockstep
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
