#!/usr/bin/env python3
"""Writes N `lockstep plan` input lines (plan-cli.md) on stdout: a realistic mix of
zones, stay lengths, settings, bridge and algoPIN locks, late bookings."""
import random, sys

zones = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Pacific/Apia",
         "America/St_Johns", "Europe/London", "Asia/Tokyo", "America/Sao_Paulo", "Australia/Lord_Howe"]
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
rng = random.Random(7)
out = sys.stdout
buf = []
for i in range(n):
    day = rng.randrange(1, 360)
    month, mday = 1 + (day // 31) % 12, 1 + day % 28
    nights = rng.randrange(1, 15)
    cin = f"2026-{month:02d}-{mday:02d}T{rng.choice(['14:00', '15:00', '16:30', '02:30'])}"
    m2, d2 = month, mday + nights
    if d2 > 28:
        m2, d2 = month % 12 + 1, d2 - 28
    year2 = 2027 if m2 < month else 2026
    cout = f"{year2}-{m2:02d}-{d2:02d}T{rng.choice(['10:00', '11:00'])}"
    line = (f'{{"id": "b{i}", "timezone": "{rng.choice(zones)}", "checkin": "{cin}", "checkout": "{cout}", '
            f'"days_before": {rng.randrange(1, 15)}, "margin_minutes": {rng.choice([0, 30, 60, 240])}, '
            f'"lock": "{"algopin" if i % 10 == 9 else "bridge"}"')
    if i % 7 == 0:
        line += f', "booked_at": "2026-{month:02d}-01T09:00:00Z"'
    buf.append(line + "}\n")
    if len(buf) >= 10000:
        out.write("".join(buf)); buf.clear()
out.write("".join(buf))
