"""Regenerate helpdesk_negative.jsonl (run from anywhere; the seed is fixed, so the file
is the same each time). Everything here is written for PrivDesk: the formats are public
(see README.md), the numbers are ours."""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent
ALL = [
    "API_KEY",
    "CREDIT_CARD",
    "CRYPTO",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "IP_ADDRESS",
    "PASSWORD",
    "PHONE_NUMBER",
    "URL",
    "US_ITIN",
    "US_SSN",
]
rows = []


def add(cat, text, note=""):
    r = {"text": text, "expected": [], "category": cat}
    if note:
        r["note"] = note
    rows.append(r)


# dates: every common order x separator, zero-padded and not, 2- and 4-digit years
for y, m, d in [
    (2020, 6, 13),
    (2020, 7, 27),
    (2019, 12, 31),
    (2021, 1, 2),
    (1999, 11, 30),
    (2026, 3, 4),
]:
    for sep in "-./":
        for fmt in (
            "{m:02d}{s}{d:02d}{s}{y}",
            "{d:02d}{s}{m:02d}{s}{y}",
            "{y}{s}{m:02d}{s}{d:02d}",
            "{m}{s}{d}{s}{y}",
            "{d:02d}{s}{m:02d}{s}{yy:02d}",
            "{y}{s}{m}{s}{d}",
        ):
            v = fmt.format(y=y, m=m, d=d, yy=y % 100, s=sep)
            add("date", f"Ticket opened {v}, reopened on {v} after the update.")
    add("date", f"Between {m:02d}-{d:02d}-{y} and {m:02d}-{d:02d}-{y + 1} the device was offline.")
    add("date", f"{y}{m:02d}{d:02d} batch export")
add("date", "ISO 8601: 2026-11-27T12:00:00Z, 2026-11-27T12:00:00.123+01:00, 2026-W48-5, 2026-331")
add("date", "Date range 06/13/2020-07/27/2020 (inclusive)")
add("date", "Renewal due 13.06.2020 – 27.07.2020")
add("date", "Delivered 2020.06.13 08:15")
add("date", "Last seen 06.13.20 and 07.27.20")
# times
for t in (
    "08:15",
    "08:15:30",
    "08.15",
    "09.30-10.45",
    "09:30 - 10:45",
    "23:59:59.999",
    "0930-1045",
    "08:15:30,123",
    "07.30–08.00",
    "T08:15:30.123456Z",
    "08h15",
    "09.30.45",
):
    add("time", f"Call window {t} CET, please be available.")
# log lines
for line in (
    "2026-11-27 12:00:00,123 INFO [main] worker-03 started pid=01234 port=8080",
    "[2020-06-13 07:27:20.020] ERROR app.sync: retry 3/5 after 0.250s (req 0a1b2c3d)",
    "Nov 27 12:00:01 host01 sshd[012345]: Accepted publickey for deploy port 52214",
    "E1127 12:00:01.123456   01234 server.go:123] timeout after 30000ms",
    'localhost - - [27/Nov/2026:12:00:00 +0000] "GET /api/v2/items?page=02 HTTP/1.1" 200 5123',
    'ts=1764240000000 level=warn msg="slow query" duration_ms=01523 rows=020113',
    "Exception at line 0123, column 045 in module 07",
    "took 00:00:02.5410000 (01:15 total), exit code 0x80070005",
    "elapsed=0.0031 s  mem=0123456 KB  gc=07",
    "thread-0012 job 0041-0077 done",
):
    add("log", line)
# versions and builds
for v in (
    "v1.2.3",
    "version 0.12.3",
    "2.10.1",
    "10.0.19045.3693",
    "build 22631.2861",
    "1.0.0-rc.1+build.20200613",
    "v06.13.2020",
    "release 2020.06.13",
    "Chrome 119.0.6045.199",
    "iOS 17.1.2 (21B101)",
    "firmware 01.02.0003",
    "kernel 5.15.0-88-generic",
    "build 0613-2020-0727",
    "API v2.0.1-beta.3",
    "libssl 3.0.2 15 Mar 2022",
    "Windows 10.0.22621.2715",
    "node 18.17.1",
    "app 4.12.0 (build 041200123)",
    "v0.0.1234567",
):
    add("version", f"Running {v} on the client.")
# ranges and quantities
for r in (
    "pages 100-150",
    "1000-2000 users",
    "2019-2020 season",
    "0100-0200 UTC",
    "ports 8000-8999",
    "rooms 0101-0199",
    "0800-1700 Mon-Fri",
    "between 10 000 and 20 000",
    "1 000 000 rows",
    "ticket 12345-12399",
    "0.5-1.5 MB",
    "lines 0123-0456",
    "sizes 36-38-40-42",
    "1234567-1234599",
):
    add("range", f"Applies to {r}.")


# order / tracking / case numbers
def luhn_ok(s):
    t = 0
    for i, c in enumerate(reversed(s)):
        d = int(c)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        t += d
    return t % 10 == 0


random.seed(15)


def digits(n, first=None):
    s = (first or "") + "".join(random.choice("0123456789") for _ in range(n - len(first or "")))
    return s


def groups(s, size=4, sep=" "):
    return sep.join(s[i : i + size] for i in range(0, len(s), size))


# USPS 22-digit (IMpb) tracking in groups of 4, with the first 16 digits passing Luhn as a card
made = 0
while made < 8:
    s = "94" + digits(20)
    if luhn_ok(s[:16]) and s[:2] in ("94", "93", "92"):
        add(
            "tracking",
            f"USPS tracking {groups(s)} — out for delivery.",
            "22-digit IMpb tracking, first 16 digits pass Luhn",
        )
        made += 1
# the same shape with a brand prefix: the first 16 digits are a valid Visa/Mastercard
made = 0
while made < 6:
    s = random.choice("45") + digits(21)
    brand_ok = s[0] == "4" or 51 <= int(s[:2]) <= 55
    if luhn_ok(s[:16]) and brand_ok and len(set(s[:16])) > 1:
        add(
            "tracking",
            f"Tracking {groups(s)} (22 digits)",
            "first 16 digits are a Luhn-valid card number",
        )
        made += 1
for first in ("9400", "9205", "9361", "4111", "5555"):
    s = first + digits(18)
    add("tracking", f"Tracking number: {groups(s)}")
# 16-digit order numbers in groups of 4 (some with a leading 0: the national phone shape)
for first in ("0123", "0207", "0491", "0301", "0612", "1000", "2024", "4111"):
    s = first + digits(12)
    add("order", f"Order {groups(s)} has shipped.")
    add("order", f"Order no. {groups(s, sep='-')} has shipped.")
# 12-digit tracking numbers (FedEx Express), contiguous and 4-4-4
for first in ("0123", "0207", "7712", "3987", "0491", "0612"):
    s = first + digits(8)
    add("tracking", f"FedEx {s} delivered")
    add("tracking", f"FedEx {groups(s)} delivered")
for s in (
    "tracking is 0123 3056 6708",
    "the tracking number is: 012330566708",
    "shipment 0491 0705 9360 left the depot",
):
    add("tracking", s, "a valid German phone number shape, introduced as a tracking number")
# UPS 1Z tracking, DHL 10-digit waybill, case numbers
for s in ("1Z999AA10123456784", "1Z 999 AA1 01 2345 6784", "1ZA4E1230312345678"):
    add("tracking", f"UPS {s}")
for s in ("0123456789", "0276543210", "1234567890"):
    add("tracking", f"DHL waybill {s}")
for s in (
    "CS0012345678",
    "INC0123456",
    "case #0207-946-0123",
    "SR 1-23456789012",
    "RMA-2026-001234",
    "PO 4500123456",
    "invoice 2026/0613/0042",
    "ref 00012345678901",
    "ticket #020 7946 0123",
    "account id=0207946012",
    "order_id=01234567890123456",
):
    add("case", f"See {s} for details.")
# MAC addresses
for m in (
    "00:1A:2B:3C:4D:5E",
    "00-1A-2B-3C-4D-5E",
    "001A.2B3C.4D5E",
    "00:11:22:33:44:55",
    "00-11-22-33-44-55",
    "aa:bb:cc:dd:ee:ff",
    "0011.2233.4455",
    "02:42:ac:11:00:02",
):
    add("mac", f"Device MAC {m} registered.")
# UUIDs and hex ids
for u in (
    "123e4567-e89b-12d3-a456-426614174000",
    "00000000-0000-0000-0000-000000000000",
    "4111-1111-1111-1111-abcd-ef0123456789",
    "550e8400-e29b-41d4-a716-446655440000",
    "f47ac10b-58cc-4372-a567-0e02b2c3d479",
    "{0207-9460-1230-0000}",
    "0x7ffee4b2c8a0",
    "0xDEADBEEF",
    "sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "md5 d41d8cd98f00b204e9800998ecf8427e",
    "trace 4bf92f3577b34da6a3ce929d0e0e4736",
    "span 00f067aa0ba902b7",
    "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "object 0123456789abcdef0123",
):
    add("hex", f"Reference {u} in the logs.")
# prices and amounts
for p in (
    "$1,234.56",
    "€ 1.234,56",
    "1 234,56 EUR",
    "USD 12,345,678.90",
    "£0.99",
    "¥ 123 456",
    "CHF 1'234.50",
    "0.0123 BTC",
    "12.345,67 €",
    "-0,15 %",
    "1,234,567.89",
    "0 800 000,00 RUB",
    "4111.11 USD",
    "$ 4,111,111,111.11",
):
    add("price", f"Total due {p} incl. VAT.")
# IBAN-shaped strings failing their checks (registry examples, mangled by us)
for s in (
    "DE88 3704 0044 0532 0130 00",
    "DE89 3704 0044 0532 0130",
    "GB82 WEST 1234 5698 7654 33",
    "NL91 ABNA 0417 1643 01",
    "FR14 2004 1010 0505 0001 3M02 607",
    "XX89 3704 0044 0532 0130 00",
    "ES91 2100 0418 4502 0005 1333",
    "AL47/2121/1009/0000/0002/3569/8741",
    "DE89-3704-0044-0532-0130-01",
    "gb82west12345698765433",
    "IT60 X054 2811 1010 0000 0123 457",
    "BE68 5390 0754 7035",
    "CH93 0076 2011 6238 5295 8",
    "AT61 1904 3002 3457 3202",
    "SE45 5000 0000 0583 9825 7467",
):
    add(
        "iban_shape",
        f"Please transfer to {s} today.",
        "IBAN-shaped, fails length or MOD 97-10 (or uses '/' separators)",
    )
# card-shaped numbers failing their checks
for s in (
    "4111 1111 1111 1112",
    "4111-1111-1111-1112",
    "5555 5555 5555 4445",
    "3782 822463 10006",
    "6011 0000 0000 0005",
    "4444444444444444",
    "0000 0000 0000 0000",
    "1234 5678 9012 3456",
    "4012-8888-8888-1882",
    "36168002586008",
    "9999 9999 9999 9999",
    "4111 1111 1111 11111",
    "4111-1111 1111-1111",
    "411111111111111",
    "5105 1051 0510 5101",
    "1748503543012",
):
    add(
        "card_shape",
        f"Card on file: {s}",
        "card-shaped, fails Luhn, length or IIN (or mixed separators)",
    )
# US SSN / ITIN shaped, invalid
for s in (
    "000-12-3456",
    "666-12-3456",
    "123-00-4567",
    "123-45-0000",
    "078-05-1120",
    "219-09-9999",
    "912-89-1234",
    "912-93-4567",
    "911-66-1234",
    "911-69-1234",
    "123-45 6789",
    "123.45-6789",
    "1234-56-789",
):
    add(
        "ssn_shape",
        f"SSN on file: {s}",
        "SSN/ITIN-shaped, invalid area/group/serial, advertising number, or mixed separators",
    )
# file names and dotted words that are not web addresses
for t in (
    "see readme.md, config.py and setup.sh",
    "i.e. the e.g. case",
    "open index.html or main.go",
    "the archive backup.tar.gz",
    "class Foo.Bar.Baz",
    "Ms.Smith replied",
    "end of sentence.Next one",
):
    add("dotted", t)
# numbers with context words that are not phones
for s in (
    "Phone model 0612-2020",
    "Tel. ext 0123",
    "phone battery 01/2023",
    "call on 06-13-2020 at 10:15",
    "Fax sent 07.27.2020 09:30",
):
    add("context", s)


HEADER = {
    "source": "PrivDesk negative corpus (README.md: the formats and where they are defined)",
    "licence": "CC0-1.0 (written for PrivDesk; formats from ISO 8601, USPS Pub. 199, UPS, "
    "FedEx, IEEE 802, RFC 9562, ISO 4217)",
    "types": ALL,
}


def write(name, header_name, picked):
    with (OUT / name).open("w", encoding="utf-8") as fh:
        fh.write(json.dumps({"set": {"name": header_name, **HEADER}}, ensure_ascii=False) + "\n")
        for r in picked:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")


write("helpdesk_negative.jsonl", "Help-desk text that is not personal data", rows)
print(len(rows))
