"""The recognisers' gates and the scanner's shortcuts change speed, never results: every sample of the
labelled corpus, and larger bodies built from its values, scan to the very same matches with the
gates switched off (each recogniser run on every group)."""

import base64
import json
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

import pytest

from harness.pi import core, scan
from harness.pi.measure import Sample, load_corpus, scan_sample
from harness.pi.scan import find_pi, find_pi_in_http, find_pi_in_value
from harness.timeline import PIMatch

CORPUS = load_corpus([Path(__file__).parent / "pi_corpus"])
CANARIES = {"phone": "13812345678", "name": "张三丰", "idcard": "110101199003074514"}


@pytest.fixture
def ungated() -> Iterator[None]:
    """Every recogniser on every group, as before the gates."""
    saved = dict(core.GATES)
    core.GATES.update(dict.fromkeys(saved))
    _clear_caches()
    try:
        yield
    finally:
        core.GATES.update(saved)
        _clear_caches()


def _clear_caches() -> None:
    core.clear_caches()  # and what the gated recognisers found: the ungated ones must find it again


def _bodies(seed: int) -> list[bytes]:
    """JSON bodies made of the corpus's values under its keys: siblings, lists, nesting, repeats."""
    r = random.Random(seed)
    values = [(s.key, s.carrier) for s in CORPUS if s.kind == "value"]
    texts = [s.carrier for s in CORPUS if s.kind == "text"]
    bodies = []
    for _ in range(40):
        objects = []
        for _ in range(r.randrange(1, 12)):
            item: dict[str, object] = {}
            for _ in range(r.randrange(1, 8)):
                key, value = r.choice(values)
                item[key or r.choice(["data", "v", "list"])] = value if r.random() < 0.85 else r.choice(texts)
            objects.append(item)
        bodies.append(json.dumps({"code": 0, "data": {"list": objects * r.choice([1, 1, 3])}},
                                 ensure_ascii=False).encode())
    return bodies


def _scan_all() -> list[list[PIMatch]]:
    results = []
    for sample in CORPUS:
        results.append(scan_sample(sample))
        results.append(_with_canaries(sample))
    for body in _bodies(7):
        results.append(find_pi_in_http("https://a.example.cn/face/verify", {}, body, "application/json",
                                       "response", CANARIES))
        results.append(find_pi(base64.b64encode(body).decode(), "text"))
    return results


def _with_canaries(sample: Sample) -> list[PIMatch]:
    if sample.kind == "value":
        value = {sample.key: sample.carrier} if sample.key is not None else sample.carrier
        return find_pi_in_value(value, "value", CANARIES)
    if sample.kind == "text":
        return find_pi(str(sample.carrier), "text", CANARIES)
    return []


def test_gates_change_no_match(request: pytest.FixtureRequest) -> None:
    gated = _scan_all()
    request.getfixturevalue("ungated")
    assert core.GATES and all(gate is None for _, _, gate in core.registry())
    assert _scan_all() == gated


def test_most_recognisers_are_gated() -> None:
    """A recogniser added without a gate runs on every group of every body: say why, or give it one."""
    assert set(core.GATES) == set(core.RECOGNISERS)
    assert [name for name, gate in core.GATES.items() if gate is None] == []


def test_more_matches_than_the_limit_keep_the_first() -> None:
    """A body with more matches than MAX_MATCHES: the walk stops once they are all found, and the
    result is the first MAX_MATCHES, as when every value was visited."""
    stores = [{"name": "鲜果坊", "address": f"上海市黄浦区南京东路 {n} 号"} for n in range(1, 1500)]
    body = json.dumps({"stores": stores}, ensure_ascii=False).encode()
    found = find_pi_in_http("", {}, body, "application/json", "response")
    assert len(found) == core.MAX_MATCHES
    assert found[-1].location == f"response.body.json:$.stores[{core.MAX_MATCHES - 1}].address"


# ---------------------------------------------------------------------------------------------- body screen


@pytest.fixture
def unscreened() -> Iterator[None]:
    """Every JSON body walked, as before the body screen."""
    saved = scan.SCREEN
    scan.SCREEN = False
    try:
        yield
    finally:
        scan.SCREEN = saved


def _products(count: int, start: int = 0) -> list[dict[str, object]]:
    """Items of a product list: ids, prices, 13-digit timestamps, image URLs (values that look like
    personal data but are not)."""
    return [{"id": 100000 + n, "skuId": str(381000000000 + n * 7919), "title": f"新鲜水果礼盒 {n}号",
             "price": round(9.9 + n % 50, 2), "createTime": 1732400000000 + n * 60013,
             "imageUrl": f"https://img.example.cn/p/{n * 2654435761 % 16**8:08x}@2x.png", "tags": ["新品", "包邮"]}
            for n in range(start, start + count)]


def _deep(payload: object, ensure_ascii: bool = False) -> bytes:
    """A product list whose only personal data (if any) is the payload, deep after the items."""
    items: list[object] = [*_products(6), {"extra": {"more": [{"detail": payload}]}}]
    return json.dumps({"code": 0, "data": {"list": items}}, ensure_ascii=ensure_ascii).encode()


# bodies at the edges of what the screen assumes, one kind of personal data each: each holds some
# that the screen must not hide (test_edge_bodies_hold_what_the_screen_must_not_hide)
EDGE_BODIES = [
    b'{"mobile": 1.3800138000e10}',  # a Decimal's text differs from the raw number
    b'{"a": NaN, "v": "13800138000"}',
    '{"v": "13８００１３８０００"}'.encode(),  # \d takes non-ASCII digits
    '{"v": "13٨٠٠١٣٨٠٠٠"}'.encode(),
    b'{":x": "13800138000"}',  # a key that opens on a colon
    b'{"d": "[13800138000, 1]"}',  # JSON inside a string, without escapes
    b'{"d": " {\\"mobile\\": \\"13800138000\\"}"}',
    json.dumps({"d": base64.b64encode(b'{"v":"13800138000"}').decode().rstrip("=")}).encode(),
    json.dumps({"d": "eyJhbGciOiJIUzI1NiJ9." + base64.urlsafe_b64encode(b'{"v":"13800138000"}')
                .decode().rstrip("=") + ".c2lnbmF0dXJl"}).encode(),
    b'{"d": "a=13800138000&x=1"}',
    b'{"d": "a%20b%2013800138000"}',
    b'{"v": "8613800138000"}',
    b'{"v": "+86 13800138000"}',
    (b'{"points": [[121.4737, 31.2304, 1732400000], [121.4738, 31.2305, 1732400060], [121.4739, 31.2306, '
    b'"1732400120.5"]]}'),
    (b'[{"la": 1, "lat": 31.2304, "lng": 121.4737, "time": 1}, {"lat": 31.2305, "lng": 121.4738, "t": 2}, '
    b'{"latitude": "31.2306", "longitude": "121.4739", "ts": "3"}]'),
    b'{"pos": [121.47371, 31.23041]}',
    b'{"p": "121.4737,31.2304"}',
    b'{"q": "at 31.2304 , 121.4737 now"}',
    b'{"v": "data:image/jpeg;base64,' + b"/9j/" + b"A" * 300 + b'"}',
    b'{"v": " /9j/' + b"A" * 300 + b'"}',
    b'{"v": "//s' + b"A" * 300 + b'"}',
    b'{"u": "oAbCdEfGhIjKlMnOpQrStUvWxYz1"}',
    b'{"v": "  oAbCdEfGhIjKlMnOpQrStUvWxYz2 "}',
    '{"v": "\u3000oAbCdEfGhIjKlMnOpQrStUvWxYz1"}'.encode(),
    b'{"m": "AA:BB:CC:DD:EE:0F"}',
    b'{"n": "aa-bb-cc-dd-ee-01"}',
    b'{"i": "860000000000009"}',
    b'{"i": 460001234567890}',
    b'{"c": "89860012345678901234"}',
    b'{"c": "4111 1111 1111 1111"}',
    b'{"d": "6222-0212-3456-7894"}',
    b'{"x": "my card 9100000000000000"}',
    b'{"x": "BANK 9100000000000000"}',
    b'{"bankCard": "9100000000000000"}',
    b'{"v": "4111111111111111"}',
    b'{"v": "someone@example.com.cn"}',
    b'{"v": "icon@2x.png or a@b.cn"}',
    '{"收货地址": "上海市黄浦区南京东路 100 号"}'.encode(),
    '{"v": "浙江省杭州市西湖区文三路 90 号"}'.encode(),
    '{"cityName": "上海"}'.encode(),
    '{"note": "既往病史 ：高血压"}'.encode(),
    '{"note": "既往病史 : 高血压"}'.encode(),
    '{"note": "本人患有哮喘"}'.encode(),
    '{"r": "宗教信仰：佛教"}'.encode(),
    '{"r": "我信仰佛教"}'.encode(),
    '{"p": "京A12345"}'.encode(),
    '{"p": "沪B·12345"}'.encode(),
    b'{"id": "110101199003074514"}',
    b'{"id": "11010119900307002X"}',
    b'{"k": "AKIDabcdefghijklmnopqrstuvwxyz123456"}',
    b'{"k": "LTAIabcdefghijkl"}',
    b'{"certType": "PASSPORT", "certNo": "E12345678"}',
    '{"certType": "护照", "certNo": "E12345678"}'.encode(),
    b'{"name": "Zhang San"}',
    b'{"email": "ZHANG@EXAMPLE.COM"}',
    b'{"sk": "AAECAwQFBgcICQoLDA0ODw=="}',
    b'{"u": "https://api.weixin.qq.com/x?access_token=ACCESS_TOKEN_0123456789"}',
    b'{"brand": "Xiaomi", "model": "Mi 11", "system": "Android 12"}',
    b'{"ssid": "HomeWifi"}',
    b'{"faceImage": "https://img.example.cn/a.jpg"}',
    b'{"pwd": "hunter2"}',
    b'{"v": "\\u0031\\u0033800138000"}',  # escapes: the screen reads the values written again
    b'{"\\u006dobile": "x13800138000"}',
    b'{"v": "a\\nb 13800138000"}',
    b'{"v": "\\"13800138000\\""}',
    b'{"v": "\\u4e0a\\u6d77\\u5e02\\u9ec4\\u6d66\\u533a\\u5357\\u4eac\\u4e1c\\u8def 100 \\u53f7"}',
]


def _screened_carriers() -> list[tuple[str, dict[str, str], bytes, str | None]]:
    """HTTP messages whose bodies exercise the screen: the corpus's values and texts deep in product
    lists (plain, with escaped keys and values, as a form, base64), the edge bodies, and bodies with
    no personal data at all (which the screen answers without a walk)."""
    values = [(s.key, s.carrier) for s in CORPUS if s.kind == "value"]
    texts = [s.carrier for s in CORPUS if s.kind == "text"]
    carriers: list[tuple[str, dict[str, str], bytes, str | None]] = []
    for index, (key, value) in enumerate(values):
        carriers.append(("", {}, _deep({key or "v": value}), "application/json"))
        if index % 4 == 0:
            carriers.append(("", {}, _deep({key or "v": value}, ensure_ascii=True), "application/json"))
    for index in range(0, len(texts), 3):
        carriers.append(("", {}, _deep({"desc": texts[index:index + 3]}), None))
    for key, value in values[:200:7]:
        form = urlencode({key or "v": json.dumps(value) if not isinstance(value, str) else value})
        carriers.append(("https://a.example.cn/x?" + form, {"x-user": str(value)}, form.encode(),
                         "application/x-www-form-urlencoded"))
        carriers.append(("", {}, base64.b64encode(_deep({key or "v": value})), "text/plain"))
    carriers.extend(("https://a.example.cn/face/verify", {}, body, "application/json") for body in EDGE_BODIES)
    carriers.append(("", {}, _deep({"note": "nothing here"}), "application/json"))
    carriers.append(("", {}, json.dumps({"list": _products(400)}, ensure_ascii=False).encode(), None))
    return carriers


def _scan_carriers() -> list[list[PIMatch]]:
    return [find_pi_in_http(url, headers, body, content_type, "response", CANARIES if n % 2 else None)
            for n, (url, headers, body, content_type) in enumerate(_screened_carriers())]


def test_screen_changes_no_match(request: pytest.FixtureRequest) -> None:
    """The whole-body screen skips walks and recognisers, never a match: the corpus's HTTP samples and
    the bodies built around its values scan to the same matches with the screen off."""
    screened = _scan_carriers() + [scan_sample(s) for s in CORPUS if s.kind == "http"]
    assert sum(map(len, screened)) > 1000
    request.getfixturevalue("unscreened")
    assert _scan_carriers() + [scan_sample(s) for s in CORPUS if s.kind == "http"] == screened


def test_edge_bodies_hold_what_the_screen_must_not_hide() -> None:
    """Each edge body has personal data found with the screen off: the equality above means something."""
    scan.SCREEN = False
    try:
        missing = [body for body in EDGE_BODIES
                   if not find_pi_in_http("https://a.example.cn/face/verify", {}, body, "application/json", "response")]
    finally:
        scan.SCREEN = True
    assert missing == []


def test_screen_answers_a_body_without_personal_data_without_a_walk(monkeypatch: pytest.MonkeyPatch) -> None:
    """A product list (ids, prices, timestamps, image URLs) is answered from its raw text: no value is
    visited; one phone number deep in it opens the walk for the phone recogniser alone."""
    visited: list[object] = []
    walk = scan._Walker.value
    monkeypatch.setattr(scan._Walker, "value", lambda self, *a: (visited.append(a[0]), walk(self, *a))[1])
    plain = json.dumps({"list": _products(400)}, ensure_ascii=False).encode()
    assert find_pi_in_http("", {}, plain, "application/json", "response", CANARIES) == []
    assert visited == []
    walker = scan._Walker(scan.prepare_canaries(CANARIES))
    assert walker.screened_json(_deep({"note": "13800138000"}).decode())[1] == frozenset({"phone"})
    canary = walker.screened_json(_deep({"note": CANARIES["phone"]}).decode())[1]
    assert canary == frozenset({"phone", scan.CANARY})  # a canary: walked, for canaries and phones


def test_every_non_ascii_digit_stops_the_screen() -> None:
    """The digit screens count ASCII digits; \\d also takes other decimal digits: a body with any of
    them is walked."""
    missed = [hex(c) for c in range(0x80, 0x110000) if chr(c).isdecimal()
              and not core.non_ascii_digits(chr(c).encode())]
    assert missed == []
    assert not core.non_ascii_digits("价格：12元，新品😀".encode())  # Han, full-width punctuation, emoji
    assert core.non_ascii_digits("价格：１２元".encode())


@pytest.mark.parametrize("value", ["KELVIN-7", "\u212aELVIN-7", "xx kelvin-7 yy", "\u0130d-kelvin-7"])
def test_a_canary_anywhere_in_a_body_opens_the_walk(value: str) -> None:
    """A seeded canary is found as the walker compares, lower-cased by str.lower() (which turns the
    Kelvin sign into a k): screened or not, the same match."""
    body = json.dumps({"list": _products(20), "v": value}, ensure_ascii=False).encode()
    found = []
    for screen in (True, False):
        scan.SCREEN = screen
        try:
            found.append(find_pi_in_http("", {}, body, "application/json", "response", {"nickname": "kelvin-7"}))
        finally:
            scan.SCREEN = True
    assert found[0] == found[1]
    assert [m.canary for m in found[0]] == ["nickname"]


@pytest.mark.parametrize(("where", "reached"), [(10, True), (600, True), (640, False), (790, False)])
def test_skipped_subtrees_count_against_the_value_budget(where: int, reached: bool) -> None:
    """A phone number in a product list of more than MAX_VALUES values (8 an item): the screened walk
    skips the items without it but counts their values, so the number is found exactly when the
    full walk reaches it."""
    items: list[object] = list(_products(800))
    items[where] = {**_products(1, where)[0], "memo": f"客服 13900001{where:03d}", "more": [{"x": [1, 2]}]}
    body = json.dumps({"code": 0, "data": {"list": items}}, ensure_ascii=False).encode()
    walker = scan._Walker()
    walker.screened_json(body.decode())
    assert walker.needles  # the walk skips the items without one
    found = []
    for screen in (True, False):
        scan.SCREEN = screen
        try:
            found.append(find_pi_in_http("", {}, body, "application/json", "response"))
        finally:
            scan.SCREEN = True
    assert found[0] == found[1]
    assert bool(found[0]) == reached


# ---------------------------------------------------------------------------------------------- repeated groups


def _dense_carriers() -> list[tuple[str, dict[str, str], bytes, str | None]]:
    """Bodies dense in personal data whose groups repeat (what the walk's memory of group shapes
    serves) and nearly repeat: the corpus's objects listed several times, identical store lists
    beyond MAX_MATCHES, lists of a repeated scalar, repeated objects with nested containers, keys
    with escapes, a key that holds a canary, values that decode (JSON, base64, forms) repeated."""
    carriers = [("https://a.example.cn/face/verify", {}, body, "application/json") for body in _bodies(11)]
    store = {"name": "张三丰", "address": "上海市黄浦区南京东路 100 号", "distance": 420, "tel": "13812345678"}
    lists: list[object] = [
        {"stores": [store] * 1500},
        {"stores": [store, {**store, "distance": 421}] * 150 + [{**store, "name": "李四"}] * 40},
        {"phones": ["13800138000"] * 300, "fixes": [{"lat": 31.2304, "lng": 121.4737, "t": 1}] * 5},
        {"list": [{"user": {"mobile": "13800138000", "pos": [121.4737, 31.2304]}, "id": 7}] * 120},
        {"list": [{"13812345678": "a", "v": "x13812345678"}] * 30},  # the canary in a key: "[canary]"
        {"list": [{"d": json.dumps({"mobile": "13800138000"}), "b": base64.b64encode(b'{"v":"13800138000"}')
                   .decode(), "f": "a=13800138000&x=1"}] * 40},
        [[121.4737, 31.2304, 1732400000]] * 10,
        {"a": [{"sub": [{"phone": "13800138000"}] * 3}] * 3, "b": [{"sub": [{"phone": "13800138000"}] * 3}] * 3},
        # equal values written apart: 1 and true, "1" and 1 (31.2304 and 31.23040 below)
        {"l": [{"tel": 13800138000, "n": 1}, {"tel": "13800138000", "n": True}, {"tel": 13800138000, "n": "1"}] * 9},
        # all different (the walk stops looking them up), then alike
        {"l": [{"tel": f"1380013{n:04d}"} for n in range(40)] + [{"tel": "13800138000", "id": 1}] * 20},
        {"l": [{"tel": f"1390013{n:04d}", "n": n} for n in range(100)] + [{"tel": "13800138000", "id": 1}] * 20},
        # alike past the value budget, with a phone number before and after it
        {"l": [{"a": "x", "b": 1, "c": "y"}] * 1666 + [{"tel": "13800138000"}]},
        {"l": [{"a": "x", "b": 1, "c": "y"}] * 1667 + [{"tel": "13800138000"}]},
        {"l": [{"a": "x", "b": 1}] * 2499 + [{"tel": "13800138000"}, {"tel": "13900139000"}]},
        # an object seen before, the second time cut by the value budget before its phone number
        {"l": [{"x": "a", "tel": "13800138000"}, [1] * 4995, {"x": "a", "tel": "13800138000"},
               {"x": "a", "tel": "13800138000"}]},
    ]
    for index, body in enumerate(lists):
        carriers.append(("", {}, json.dumps(body, ensure_ascii=bool(index % 2)).encode(), "application/json"))
        fixes = b'{"l": [' + b", ".join([b'{"lat": 31.2304, "lng": 121.4737}, {"lat": 31.23040, "lng": 121.473700}'] * 9)
    carriers.append(("", {}, fixes + b"]}", "application/json"))
    item = b'{"\\u006dobile": "13800138000", "n\\u0061me": "\\u5f20\\u4e09", "v": "\\u0031\\u0033900139000"}'
    escaped = b'{"list": [' + b", ".join([item] * 50)
    carriers.append(("", {}, escaped + b"]}", "application/json"))
    form = urlencode([("phone", "13800138000")] * 30 + [("name", "张三丰")] * 30)
    carriers.append(("https://a.example.cn/x?" + form, {"x-user": "13800138000"}, form.encode(),
                     "application/x-www-form-urlencoded"))
    return carriers


def test_repeated_groups_change_no_match(request: pytest.FixtureRequest) -> None:
    """A group like one seen earlier in the walk gets that group's matches at its own locations: the
    same matches as running the recognisers again (the shortcut is off with the screen)."""
    def scan_all() -> list[list[PIMatch]]:
        found = [find_pi_in_http(url, headers, body, content_type, "response", CANARIES if n % 2 else None)
                 for n, (url, headers, body, content_type) in enumerate(_dense_carriers())]
        values = [json.loads(body) for _, _, body, content_type in _dense_carriers()[-20:-2]]
        return found + [find_pi_in_value(value, "args", CANARIES) for value in values]

    remembered = scan_all()
    assert sum(map(len, remembered)) > 2000
    assert len({m.location for found in remembered for m in found if m.location.endswith(".address")}) > 100
    request.getfixturevalue("unscreened")
    assert scan_all() == remembered


def test_a_repeated_group_is_recognised_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The recognisers run once per distinct group shape: 150 identical stores, one run, and none for
    the same body again (to the same endpoint); for another endpoint, one run again."""
    core.SHAPES.clear()
    runs: list[int] = []
    applicable = scan.applicable
    monkeypatch.setattr(scan, "applicable", lambda *a: (runs.append(1), applicable(*a))[1])
    body = json.dumps({"stores": [{"address": "上海市黄浦区南京东路 100 号", "n": 1}] * 150}, ensure_ascii=False)
    found = find_pi_in_http("", {}, body.encode(), "application/json", "response")
    assert len(found) == 150 and found[149].location == "response.body.json:$.stores[149].address"
    assert len(runs) == 1  # the first store (the containers above hold no scalars)
    assert find_pi_in_http("", {}, body.encode(), "application/json", "response") == found
    assert len(runs) == 1
    assert find_pi_in_http("https://b.example.cn/", {}, body.encode(), "application/json", "response") == found
    assert len(runs) == 2  # the first store again (the URL has no path segment, no query)


def test_objects_without_fix_keys_change_no_track(monkeypatch: pytest.MonkeyPatch) -> None:
    """A list item whose keys name no latitude, longitude and time is no fix: reading its keys once per
    set of keys finds the same tracks as reading every item's values."""
    from harness.pi import location

    fixes = [{"lat": 31.2304 + n / 1e4, "lng": 121.4737, "time": n, "name": "x"} for n in range(4)]
    mixed = [fixes[0], {"lat": 31.1, "lng": 121.1}, fixes[1], {"latitude": "31.2", "longitude": "121.4", "t": 1},
             {1: "a", "lat": 1}, fixes[2], {"LAT": 31.3, "LNG": 121.3, "Timestamp": 5}]
    values: list[object] = [fixes, mixed, [*mixed, *fixes], [{"lat": 1, "lng": 2}] * 5, *(json.loads(b) for b in EDGE_BODIES)]

    def tracks() -> list[list[PIMatch]]:
        edges = [find_pi_in_http("", {}, body, "application/json", "response") for body in EDGE_BODIES]
        return [find_pi_in_value(v, "v") for v in values] + edges + [scan_sample(s) for s in CORPUS[:600]]

    screened = tracks()
    assert sum(m.location.endswith("[*]") for found in screened for m in found) >= 4
    monkeypatch.setattr(location, "_fix_keys", lambda keys: True)
    assert tracks() == screened


def test_a_value_that_may_not_be_encoded_has_no_layer() -> None:
    """_may_be_encoded() is a necessary condition of text_layers(): every value it turns away has no
    decoding layer (the corpus's values and texts, as written and padded with Unicode white space)."""
    b64 = base64.b64encode(b'{"mobile": "13800138000"}').decode()
    texts = [str(s.carrier) for s in CORPUS if s.kind in ("value", "text")]
    texts += [b64, f"\u3000{b64}\u3000", f"\u00a0{b64}", f" {b64} ", "\u3000{\"a\": 1}", "eyJhbGciOiJIUzI1NiJ9.e30.c2ln",
              "\u3000eyJhbGciOiJIUzI1NiJ9.eyJ2IjoiMTM4MDAxMzgwMDAifQ.c2ln", "a=1&b=2", "%E6%89%8B", "上海市黄浦区南京东路 100 号"]
    padded = [f"\u2003{t}\u2003" for t in texts]
    layered = [t for t in texts + padded if scan._Walker().text_layers(t, "v", None, 0)]
    assert len(layered) > 50
    assert [t for t in layered if not scan._may_be_encoded(t)] == []


def test_matches_built_without_validation_are_what_validation_builds() -> None:
    """Matches made without validating again (new_match, a remembered group's copies) equal, field for
    field and in the fields set and the JSON written, the PIMatch that validation builds."""
    found = [m for ms in _scan_all()[:3000] + [find_pi_in_http("", {}, body, "application/json", "response", CANARIES)
                                               for _, _, body, _ in _dense_carriers()] for m in ms]
    assert len(found) > 1000
    for m in found:
        validated = PIMatch(**{name: getattr(m, name) for name in m.model_fields_set})
        assert (m, m.model_fields_set, m.model_dump_json()) == (validated, validated.model_fields_set,
                                                                validated.model_dump_json())
        assert list(m.__dict__) == list(validated.__dict__)


def test_the_bank_card_gate_reads_as_before() -> None:
    """The bank card gate opens on a digit now; it finds the very spans of (?<!\\d)\\d{4}[ -]?\\d{4}."""
    import re

    before = re.compile(r"(?<!\d)\d{4}[ -]?\d{4}")
    gate = core.GATES["bank_card"]
    assert gate is not None and gate.text is not None
    r = random.Random(5)
    texts = ["".join(r.choice("0123456789 -x٣") for _ in range(r.randrange(0, 24))) for _ in range(20000)]
    for text in texts + [s.carrier for s in CORPUS if isinstance(s.carrier, str)]:
        for start in (0, len(text) // 2):
            found, expected = gate.text.search(text, start), before.search(text, start)
            assert (found and found.span()) == (expected and expected.span()), text


# ---------------------------------------------------------------------------------------------- body verdict


def _gate_texts() -> list[str]:
    """Values and texts the gates' patterns occur in and nearly occur in: the corpus's, and random
    strings of the characters the patterns look for."""
    r = random.Random(9)
    texts = [str(s.carrier) for s in CORPUS if s.kind in ("value", "text")]
    texts += [json.dumps(s.carrier, ensure_ascii=False) for s in CORPUS if s.kind == "http"]
    alphabet = "0123456789 -:.,，：=@AaBbFfKkIiDdTtLlPpSsOoRr护照京沪A区县旗史病患有诊断为仰教我人信皈依/+_\u3000\t٣１"
    texts += ["".join(r.choice(alphabet) for _ in range(r.randrange(1, 40))) for _ in range(20000)]
    texts += ["AKID", "LTAI", "AKIA", "沪B", "8986", "351234567890123", "1234 5678", "1234-5678", "١٢٣٤٥٦٧٨", "12３45678", "病史 ：", "诊断为", "我信", "人皈依", "110101199003074514", "PassPort",
              "护照", "AA:bb", "a-0F", "secret=", "access_token=", "oAbCdEfGhIjKlMnOpQrStUvWxYz1", "AAECAwQFBgcICQoLDA0ODw=="]
    return texts


def test_text_screens_are_necessary_conditions_of_their_patterns() -> None:
    """A gate's text screen says no only for a text its pattern does not occur in."""
    screened = {name: gate for name, gate in core.GATES.items() if gate is not None and gate.text_screen is not None}
    assert {"email", "address", "phone", "id_card", "passport", "licence_plate", "health", "religion", "bank_card",
            "device_id", "cloud_key", "location", "openid", "session_key", "app_secret", "access_token"} <= set(screened)
    hidden: list[tuple[str, str]] = []
    for text in _gate_texts():
        body = core.BodyView(text, frozenset())
        for name, gate in screened.items():
            if gate.text is not None and gate.text.search(text) and not gate.text_screen(body):  # type: ignore[misc]
                hidden.append((name, text))
    assert hidden == []


def test_gate_patterns_neither_match_a_nul_nor_look_across_one() -> None:
    """A batch of a list's objects searches each gate's pattern once in all their values joined by NULs:
    a pattern found there is found in one of the values alone, and one found in a value is found there."""
    r = random.Random(3)
    texts = [t for t in _gate_texts() if "\x00" not in t]
    pairs = [(r.choice(texts), r.choice(texts)) for _ in range(20000)]
    differ = [(name, a, b) for a, b in pairs for name, search in core.text_searches()
              if bool(search(a + "\x00" + b)) != bool(search(a) or search(b))]
    assert differ == []


def test_numbers_that_read_otherwise_stop_the_body_screen() -> None:
    """A float whose Decimal reads otherwise than it is written (1E-7 for 0.0000001, an exponent) or a
    NaN: the values are not all substrings of the text."""
    for text in ('{"v": 0.0000001}', '{"v": 1e5}', '{"v": 1.5E-3}', '{"v": NaN}', '{"v": -Infinity}'):
        assert scan._parse_json_noting(text)[2] is False, text
    for text in ('{"v": 0.000001}', '{"v": -0.5, "w": [1, 2.250]}', '{"v": -0}'):
        assert scan._parse_json_noting(text)[2] is True, text
    r = random.Random(4)  # every float said to read as written does
    for _ in range(20000):
        number = f"{r.choice(['', '-'])}{r.choice(['0', '1', '12'])}.{'0' * r.randrange(0, 9)}{r.randrange(0, 99)}"
        if scan._parse_json_noting(f"[{number}]")[2]:
            assert str(Decimal(number)) == number


def _likely_bodies() -> list[bytes]:
    """JSON bodies the walk takes with every recogniser (a key hints at personal data), lists of objects
    dense in personal data all different, and objects whose personal data or canaries lie in decoding
    layers (JSON, base64, forms, percent-encoding) or are escaped; numbers that read otherwise."""
    b64 = base64.b64encode(b'{"v":"13800138000","e":"a@b.cn"}').decode()
    canary_b64 = base64.b64encode('{"vv":"张三丰 13800138000"}'.encode()).decode()  # no canary form as written
    items: list[object] = [
        {"tel": "x", "d": b64}, {"tel": "x", "d": canary_b64}, {"tel": "x", "d": json.dumps({"mobile": "13800138000", "addr": "上海市黄浦区南京东路 1 号"})},
        {"name": "李四", "f": "a=13800138000&name=%E5%BC%A0%E4%B8%89%E4%B8%B0"}, {"tel": "x", "p": "a%20b%2013800138000"},
        {"tel": "x", "v": "\u0031\u0033800138000", "n": "\u5f20\u4e09\u4e30"}, {"tel": "x", "v": "a\nb 13800138000"},
        {"tel": "x", "q": "at 31.2304 ,\n121.4737 now", "m": "AA:BB:CC:DD:EE:0F"}, {"tel": "x", "k": "AKID" + "a1" * 16},
        {"tel": "x", "c": base64.b64encode(b"13812345678").decode()}, {"tel": "x", "h": "既往病史\n：高血压"},
        {"address": "x", "sub": {"v": "京A12345", "w": "沪B·12345", "r": "宗教信仰：佛教", "certType": "PassPort", "certNo": "E12345678"}},
    ]
    # the first object recognised alone, the next two by a batch (and the item first, recognised alone)
    bodies = [json.dumps({"list": [{"tel": "x", "n": 0}, {"tel": "x", "n": 1}, item, {"tel": "y"}, item]},
                         ensure_ascii=ascii).encode() for item in items for ascii in (False, True)]
    bodies += [json.dumps({"list": items}, separators=(",", ":"), ensure_ascii=False).encode()]
    bodies += [b'{"tel": 0.0000001, "v": 1E-7}', b'{"tel": NaN, "v": "13800138000"}', b'{"phone": "1", "v": -0}']
    stores = [{"name": f"鲜果坊 {n}号店", "address": f"上海市黄浦区南京东路 {100 + n} 号", "distance": 420 + n * 7,
               "tel": f"1390013{n:04d}", "mail": f"s{n}@shop.cn", "pos": f"121.{4737 + n},31.{2304 + n}",
               "id": f"1101011990030{n % 10}4514"} for n in range(260)]
    edges: list[object] = [{"w": "a", "n": n} for n in range(70)]  # personal data only in one item, at a batch's edges
    for index, value in ((0, "13800138000"), (31, "someone@example.cn"), (32, 4111111111111111), (33, "KELVIN-7 x"),
                         (63, "上海市黄浦区南京东路 1 号"), (64, 13800138000), (69, "京A12345")):
        edges[index] = {"w": value, "n": index}
    bodies += [json.dumps({"tel": "x", "list": edges}, ensure_ascii=False).encode(),
               json.dumps({"tel": "x", "list": [{"w": "a"}] * 31 + [{"w": 460001234567890}, {"w": "KELVIN-7"}]}).encode()]
    bodies += [json.dumps({"stores": stores}, ensure_ascii=False).encode(),
               json.dumps({"stores": stores[:30]}, ensure_ascii=True, indent=2).encode()]
    return bodies


def test_batches_of_objects_change_no_match(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The objects of scalars of a list are recognised by batches, the gates' patterns and the canaries
    searched once a batch: each group gets the very same recognisers and canary matches, objects
    with decoding layers or containers are walked as before. The same matches as without shortcuts."""
    batches: list[object] = []
    batch = scan._Walker._batch
    monkeypatch.setattr(scan._Walker, "_batch", lambda self, *a: (batches.append(b := batch(self, *a)), b)[1])

    def scan_all() -> list[list[PIMatch]]:
        return [find_pi_in_http("https://a.example.cn/x", {}, body, "application/json", "response", canaries)
                for body in _likely_bodies()
                for canaries in (CANARIES, {"nickname": "张三丰", "phone": "13800138000"}, {"nickname": "kelvin-7"}, None)]

    verdicts = scan_all()
    assert len(batches) > 40 and any(b.canary_free for b in batches) and any(not b.canary_free for b in batches)  # type: ignore[attr-defined]
    assert any(len(b.texts) < 6 for b in batches)  # type: ignore[attr-defined]
    found = {m.type for ms in verdicts for m in ms}
    assert {"phone", "email", "address", "name", "location", "device_id", "cloud_key", "health", "licence_plate",
            "religion", "passport", "id_card"} <= found
    assert sum(m.canary is not None for ms in verdicts for m in ms) >= 10
    request.getfixturevalue("unscreened")
    assert scan_all() == verdicts
