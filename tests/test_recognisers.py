"""Personal-data recognisers: positives through every decoding layer, the known false positives, masks."""

import base64
import gzip
import hashlib
import json
import time
from urllib.parse import quote

import pytest

from harness.capture.recognisers import (
    MAX_MATCHES,
    RECOGNISERS,
    find_pi,
    find_pi_in_http,
    find_pi_in_value,
    is_precise,
    mask,
    redact_text,
    redact_url,
)
from harness.timeline import PIMatch

PHONE = "13800138000"
CANARIES = {"phoneNumber": PHONE}


def of_type(matches: list[PIMatch], pi_type: str, confidence: str | None = None) -> list[PIMatch]:
    return [m for m in matches if m.type == pi_type and (confidence is None or m.confidence == confidence)]


def test_registry_has_one_recogniser_per_type() -> None:
    assert {"phone", "location"} <= set(RECOGNISERS)


# ---------------------------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    "value", [PHONE, f"+86{PHONE}", f"+86 {PHONE}", f"86{PHONE}", "14512345678", "19912345678"]
)
def test_phone_as_whole_value_is_high(value: str) -> None:
    [match] = find_pi_in_value({"contact": value}, "args")
    assert match.type == "phone" and match.confidence == "high"
    assert match.location == "args:$.contact"
    assert match.masked == mask("phone", value) and "****" in match.masked


def test_phone_under_key_hint_and_in_json_number() -> None:
    matches = find_pi_in_value({"user": {"mobile": 13912345678, "tel_no": PHONE}}, "body.json")
    assert {(m.location, m.masked, m.confidence) for m in matches} == {
        ("body.json:$.user.mobile", "139****5678", "high"),
        ("body.json:$.user.tel_no", "138****8000", "high"),
    }


def test_phone_in_free_text_is_low_without_hint_and_high_with_one() -> None:
    assert [m.confidence for m in find_pi(f"see {PHONE} later", "ui.text")] == ["low"]
    assert [m.confidence for m in find_pi(f"联系手机：{PHONE}", "ui.text")] == ["high"]
    assert [m.confidence for m in find_pi(f"tel: {PHONE}", "ui.text")] == ["high"]


@pytest.mark.parametrize(
    "value",
    [
        "1700000000000",  # 13-digit ms timestamp
        str(int(time.time() * 1000)),
        "202311241380013800",  # order number: the phone-like run sits inside a longer one
        f"9{PHONE}",
        f"{PHONE}7",
        "12800138000",  # no such prefix
        "15412345678",  # 154 is not allocated
        "138****8000",  # already masked
    ],
)
def test_phone_negatives(value: str) -> None:
    assert of_type(find_pi_in_value({"v": value, "ts": value}, "args"), "phone") == []
    assert of_type(find_pi(f"id {value} end", "t"), "phone") == []


def test_phone_like_order_id_is_only_low() -> None:
    assert [m.confidence for m in find_pi_in_value({"orderId": PHONE}, "args")] == ["low"]


# ---------------------------------------------------------------------------------------------- layers


def test_url_encoded_query_with_plus86() -> None:
    matches = find_pi_in_http(f"https://a.example/p?phone={quote('+86' + PHONE)}", {}, b"", None, "request")
    assert [(m.location, m.masked, m.confidence) for m in matches] == [
        ("url.query:phone", "138****8000", "high")
    ]


def test_double_url_encoded_json_in_query() -> None:
    payload = quote(quote(json.dumps({"mobile": PHONE})))
    [match] = find_pi_in_http(f"https://a.example/p?d={payload}", {}, b"", None, "request")
    assert match.location == "url.query:d|url|json:$.mobile" and match.confidence == "high"


def test_base64_json_value() -> None:
    blob = base64.b64encode(json.dumps({"tel": PHONE}).encode()).decode()
    [match] = find_pi_in_value({"data": blob}, "body.json")
    assert match.location == "body.json:$.data|base64|json:$.tel"


def test_json_inside_a_json_string() -> None:
    body = json.dumps({"payload": json.dumps({"user": {"phone": PHONE}})}).encode()
    [match] = find_pi_in_http("", {}, body, "application/json", "request")
    assert match.location == "body.json:$.payload|json:$.user.phone" and match.confidence == "high"


def test_gzip_body_without_content_encoding() -> None:
    body = gzip.compress(json.dumps({"phone": PHONE}).encode())
    [match] = find_pi_in_http("", {}, body, "application/octet-stream", "request")
    assert match.location == "body|gzip.json:$.phone"


def test_base64_of_gzip() -> None:
    blob = base64.b64encode(gzip.compress(f"mobile={PHONE}".encode())).decode()
    [match] = find_pi_in_value({"z": blob}, "v")
    assert match.location == "v:$.z|base64|gzip|form:mobile"


def test_form_body_and_headers_and_cookies() -> None:
    matches = find_pi_in_http(
        "https://a.example/x",
        {"X-User-Mobile": PHONE, "Cookie": f"sid=abc; phone={PHONE}", "Content-Length": "12"},
        f"name=x&phone={PHONE}".encode(),
        "application/x-www-form-urlencoded; charset=utf-8",
        "request",
    )
    assert {m.location for m in matches} == {"header:X-User-Mobile", "header.cookie:phone", "body.form:phone"}


def test_response_locations_are_prefixed() -> None:
    [match] = find_pi_in_http("", {}, json.dumps({"phone": PHONE}).encode(), "application/json", "response")
    assert match.location == "response.body.json:$.phone"


def test_jwt_payload_is_decoded() -> None:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    token = f"{part({'alg': 'HS256'})}.{part({'sub': 'u1', 'phone': PHONE})}.c2lnbmF0dXJlc2lnbmF0dXJl"
    for value in (token, f"Bearer {token}"):
        matches = find_pi_in_http("", {"Authorization": value}, b"", None, "request")
        [match] = of_type(matches, "phone")
        assert match.location == "header:Authorization|jwt|json:$.phone"
        assert [m.confidence for m in of_type(matches, "access_token")] == ["medium"]  # the credential itself


def test_multipart_field() -> None:
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"mobile\"\r\n\r\n" + PHONE.encode() +
            b"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\""
            b"\r\nContent-Type: image/png\r\n\r\n\x89PNG\x00\x01" + b"\r\n--XyZ--\r\n")
    [match] = find_pi_in_http("", {}, body, "multipart/form-data; boundary=XyZ", "request")
    assert match.location == "body.multipart:mobile" and match.confidence == "high"


# ---------------------------------------------------------------------------------------------- canaries


@pytest.mark.parametrize(
    ("carrier", "masked"),
    [
        (PHONE, "138****8000"),
        (hashlib.md5(PHONE.encode()).hexdigest(), "md5(138****8000)"),
        (hashlib.md5(PHONE.encode()).hexdigest().upper(), "md5(138****8000)"),
        (hashlib.sha1(PHONE.encode()).hexdigest(), "sha1(138****8000)"),
        (hashlib.sha256(PHONE.encode()).hexdigest(), "sha256(138****8000)"),
        (base64.b64encode(hashlib.sha256(PHONE.encode()).digest()).decode(), "sha256(138****8000)"),
        (f"u_{base64.b64encode(PHONE.encode()).decode()}_x", "base64(138****8000)"),
    ],
)
def test_canary_forms(carrier: str, masked: str) -> None:
    matches = find_pi_in_value({"sign": carrier}, "body.json", CANARIES)
    assert [(m.canary, m.masked, m.confidence, m.type) for m in matches if m.canary] == [
        ("phoneNumber", masked, "high", "phone")
    ]


def test_canary_text_any_case_and_url_encoded() -> None:
    canaries = {"clipboard": "Secret Coupon 42"}
    for carrier in ("secret coupon 42", "SECRET COUPON 42", quote("Secret Coupon 42"), "Secret+Coupon+42"):
        matches = find_pi(f"x={carrier}&y=1", "value", canaries)
        assert [(m.canary, m.type) for m in matches] == [("clipboard", "clipboard")], carrier


def test_canary_merges_with_the_recogniser_hit() -> None:
    [match] = find_pi_in_value({"phone": PHONE}, "args", CANARIES)
    assert match.canary == "phoneNumber" and match.confidence == "high"


def test_canary_in_a_binary_body() -> None:
    body = b"\x00\x01\x02proto\x12\x0b" + PHONE.encode() + b"\x00" * 40
    [match] = find_pi_in_http("", {}, body, "application/x-protobuf", "request", CANARIES)
    assert match.canary == "phoneNumber" and match.location == "body"


def test_short_canaries_are_ignored() -> None:
    assert find_pi("abc", "v", {"x": "ab"}) == []


# ---------------------------------------------------------------------------------------------- location


def test_lat_lng_pair_is_one_precise_high_match() -> None:
    [match] = find_pi_in_value({"latitude": 31.230416, "longitude": 121.473701, "speed": 0}, "args")
    assert match.type == "location" and match.confidence == "high"
    assert match.location == "args:$.latitude+longitude"
    assert match.masked == "31.2***, 121.4*** (precise)" and is_precise(match)


def test_coarse_pair_in_query_is_not_precise() -> None:
    [match] = find_pi_in_http("https://a.example/s?lat=31.23&lng=121.47", {}, b"", None, "request")
    assert match.location == "url.query:lat+lng" and not is_precise(match)


def test_json_decimal_precision_is_kept() -> None:
    body = b'{"loc": {"lat": 31.230400, "lng": 121.473700}}'
    [match] = find_pi_in_http("", {}, body, "application/json", "request")
    assert is_precise(match) and match.location == "body.json:$.loc.lat+lng"


@pytest.mark.parametrize("value", ["121.473701,31.230416", "31.230416,121.473701", "121.473701, 31.230416"])
def test_lng_lat_strings(value: str) -> None:
    [match] = find_pi_in_value({"where": value}, "args")
    assert match.masked == "31.2***, 121.4*** (precise)" and match.confidence == "high"


def test_location_array_under_hint() -> None:
    [match] = find_pi_in_value({"location": [121.473701, 31.230416]}, "args")
    assert match.masked.startswith("31.2***, 121.4***")


@pytest.mark.parametrize(
    "value",
    [
        {"lat": 91.5, "lng": 121.4},  # latitude out of range
        {"lat": 31.2, "lng": 181.0},  # longitude out of range
        {"lat": 0, "lng": 0},  # the default of an unset fix
        {"flat": 31.230416, "along": 121.473701},  # no coordinate keys
        {"version": "2.32.3", "size": "1.5,2.5"},
    ],
)
def test_location_negatives(value: dict[str, object]) -> None:
    assert of_type(find_pi_in_value(value, "args"), "location") == []


def test_lone_coordinate_is_medium() -> None:
    assert [m.confidence for m in find_pi_in_value({"lat": 31.230416}, "a")] == ["medium"]


# -------------------------------------------------------------------------------------- masks and bounds


def test_masks() -> None:
    assert mask("phone", "+86 138 0013 8000") == "138****8000"
    assert mask("location", "31.230416,121.473701") == "31.2***, 121.4***"
    assert mask("location", "-33.8688") == "-33.8***"
    assert PHONE not in mask("canary", PHONE)


def test_redact_url_and_text() -> None:
    url = f"https://u:pw@a.example/user/{PHONE}/p?lat=31.230416&lng=121.473701&q=ok#x"
    redacted = redact_url(url, CANARIES)
    assert redacted == "https://a.example/user/138****8000/p?lat=31.2***&lng=121.4***&q=ok#x"
    assert redact_url("https://a.example/p?q=1&r=2") == "https://a.example/p?q=1&r=2"
    assert PHONE not in redact_text(f"cannot reach +86{PHONE}", CANARIES)


def test_deduplicated_and_bounded() -> None:
    many = {f"k{i}": f"{13800000000 + i}" for i in range(2000)}
    matches = find_pi_in_value(many, "args")
    assert 0 < len(matches) <= MAX_MATCHES
    same = find_pi(f"{PHONE} {PHONE} {PHONE}", "t")
    assert len(same) == 1


def test_hostile_input_is_bounded_and_never_raises() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    assert find_pi(deep, "t") == []
    big = ("A" * 1_000_000).encode()
    started = time.monotonic()
    assert find_pi_in_http("", {}, big, "text/plain", "request", CANARIES) == []
    assert find_pi_in_http("", {}, gzip.compress(b"0" * 50_000_000), None, "request") == []
    assert find_pi_in_http("", {}, b'{"a": 1' + b"9" * 100_000 + b"}", "application/json", "request") == []
    assert find_pi("http://[::1/%zz?=&&==", "t") == []
    assert redact_url("http://[::1/%zz") == "[unparseable url]"
    assert time.monotonic() - started < 5


def test_keys_in_locations_never_show_personal_data() -> None:
    matches = find_pi_in_value({PHONE: {"phone": PHONE}, "Secret Coupon 42": "x"}, "v",
                               {"phoneNumber": PHONE, "clipboard": "Secret Coupon 42"})
    shown = " ".join(m.location for m in matches)
    assert PHONE not in shown and "Secret Coupon" not in shown


def test_digit_runs_in_form_keys_are_not_shown() -> None:
    matches = find_pi_in_http(f"https://a.example/p?{PHONE}=1&u{PHONE}=x", {}, b"", None, "request")
    assert matches and all(PHONE not in m.location for m in matches)
