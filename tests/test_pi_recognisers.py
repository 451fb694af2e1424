"""Unit tests of each recogniser added for issue 4: positives, the edge cases that must not match,
confidence levels and masks (the raw value never appears in a match)."""

import base64
import hashlib
from datetime import date

import pytest

from harness.capture.recognisers import (
    PI_TYPES,
    find_pi,
    find_pi_in_http,
    find_pi_in_value,
    is_precise,
    is_sensitive,
    is_track,
    mask,
    resident_id,
)
from harness.pi.checks import luhn_valid, resident_id_check_char
from harness.timeline import PIMatch

ID = "11010519491231002X"
MINOR_FIRST17 = "33010620150615003"
MINOR = MINOR_FIRST17 + resident_id_check_char(MINOR_FIRST17)
CARD = "6222021234567890128"  # UnionPay, Luhn-valid (asserted below)
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def types(matches: list[PIMatch]) -> dict[str, str]:
    """{type: confidence} (the highest seen) of the matches."""
    rank = {"low": 1, "medium": 2, "high": 3}
    out: dict[str, str] = {}
    for m in matches:
        if rank[m.confidence] > rank.get(out.get(m.type, ""), 0):
            out[m.type] = m.confidence
    return out


def scan(key: str | None, value: object) -> dict[str, str]:
    return types(find_pi_in_value({key: value} if key else value, "v"))


def assert_hidden(matches: list[PIMatch], raw: str) -> None:
    for m in matches:
        assert raw not in m.masked and raw not in m.location, m


def test_pi_types_cover_the_contract() -> None:
    contract = {"phone", "id_card", "bank_card", "location", "wifi", "device_id", "device_info", "openid", "unionid",
                "session_key", "app_secret", "access_token", "cloud_key", "email", "name", "address", "face", "voice",
                "licence_plate", "passport", "password"}
    assert contract <= set(PI_TYPES)
    assert {t for t, p in PI_TYPES.items() if p.secret} == {"session_key", "app_secret", "access_token", "cloud_key",
                                                          "password"}
    assert {"id_card", "bank_card", "face", "voice", "passport"} <= {t for t, p in PI_TYPES.items() if p.sensitive}
    assert PI_TYPES["location"].category == "位置信息" and PI_TYPES["device_info"].category == "设备信息"


# ---------------------------------------------------------------------------------------------- resident id


def test_resident_id_facts_for_col_009() -> None:
    facts = resident_id(ID, today=date(2026, 11, 24))
    assert facts is not None and facts.sex == "female" and facts.birthdate == date(1949, 12, 31) and facts.age == 76
    minor = resident_id(MINOR, today=date(2026, 6, 14))
    assert minor is not None and minor.sex == "male" and minor.age == 10
    assert resident_id(MINOR, today=date(2026, 6, 15)).age == 11  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "value",
    [
        ID[:17] + "1",  # wrong check character
        "110105194902301234",  # 30 February
        "11010530000101001X",  # not a century the regex allows
        "991105194912310021",  # no such province
        "11010520991231" + "0013",  # born in the future
    ],
)
def test_resident_id_negatives(value: str) -> None:
    assert resident_id(value) is None
    assert "id_card" not in scan("idCard", value)


def test_resident_id_confidence_and_mask() -> None:
    assert scan("idCard", ID) == {"id_card": "high"}
    assert scan("v", ID.lower()) == {"id_card": "high"}
    assert scan("orderNo", ID) == {"id_card": "medium"}
    matches = find_pi(f"身份证：{ID}。", "ui")
    assert [(m.type, m.masked) for m in matches] == [("id_card", "11***************X")]
    assert find_pi(f"A{ID}", "t") == [] and find_pi(f"{ID}5", "t") == []


# ---------------------------------------------------------------------------------------------- bank card


def test_bank_card_needs_luhn_and_issuer_or_hint() -> None:
    assert luhn_valid(CARD) and not luhn_valid(CARD[:-1] + "9")
    assert scan("bankCard", CARD) == {"bank_card": "high"}
    assert scan("v", CARD) == {"bank_card": "medium"}  # issuer range, no hint
    assert scan("cardNo", "6222 0212 3456 7890 128") == {"bank_card": "high"}
    assert scan("bankCard", CARD[:-1] + "9") == {}  # Luhn fails
    no_issuer = "7" + "0" * 14 + "5"
    assert luhn_valid(no_issuer) and scan("v", no_issuer) == {}  # Luhn alone is never enough
    assert scan("cardNo", no_issuer) == {"bank_card": "high"}  # ... but a hint is
    assert scan("orderNo", CARD) == {}
    [match] = find_pi_in_value({"cardNo": CARD}, "v")
    assert match.masked == "6222***********0128"


def test_timestamps_are_not_cards_or_phones() -> None:
    for ts in ("1700000000000", "1716200000123"):
        assert scan("t", ts) == {} and find_pi(f"at {ts}", "t") == []


# ---------------------------------------------------------------------------------------------- device ids


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("imei", "490154203237518"),
        ("imsi", "460001234567890"),
        ("iccid", "89860012345678901234"),
        ("iccid", "8986031874012345678F"),
        ("androidId", "9774d56d682e549c"),
        ("oaid", "0a1b2c3d-1111-2222-3333-444455556666"),
        ("X-Device-Id", "9774d56d682e549c"),
        ("mac", "A4-5E-60-C1-22-33"),
    ],
)
def test_device_ids_under_hints_are_high(key: str, value: str) -> None:
    matches = find_pi_in_value({key: value}, "v")
    assert types(matches) == {"device_id": "high"}
    assert_hidden(matches, value)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("imei", "490154203237519"),  # Luhn fails
        ("oaid", "00000000-0000-0000-0000-000000000000"),
        ("androidId", "0000000000000000"),
        ("mac", "02:00:00:00:00:00"),
        ("traceId", "9774d56d682e549c"),  # 16 hex without a hint
        ("requestId", "0a1b2c3d-1111-2222-3333-444455556666"),  # a UUID without a hint
        ("imsi", "310150123456789"),  # not a mainland IMSI
    ],
)
def test_device_id_negatives(key: str, value: str) -> None:
    assert "device_id" not in scan(key, value)


def test_wifi_bssid_and_ssid() -> None:
    matches = find_pi_in_value({"SSID": "ChinaNet-5G", "BSSID": "d4:ee:07:12:34:56"}, "v")
    assert types(matches) == {"wifi": "high"}
    assert {m.masked for m in matches} == {"Ch***5G", "d4:ee:**:**:**:56"}


def test_device_info_with_and_without_a_user_id() -> None:
    info = {"brand": "HUAWEI", "model": "ELS-AN00", "system": "Android 10", "pixelRatio": 3}
    assert scan(None, info) == {"device_info": "medium"}
    assert scan(None, {**info, "openid": OPENID})["device_info"] == "high"
    assert scan(None, {"brand": "devtools", "platform": "devtools"}) == {}


# ---------------------------------------------------------------------------------------------- WeChat


def test_openid_unionid_session_key() -> None:
    session_key = base64.b64encode(bytes(range(16))).decode()
    matches = find_pi_in_value({"openid": OPENID, "unionid": "oTGnpnL1GVRvBrTfDLUXMgL1hEAs",
                                "session_key": session_key}, "response.body.json")
    assert types(matches) == {"openid": "high", "unionid": "high", "session_key": "high"}
    assert_hidden(matches, OPENID)
    assert_hidden(matches, session_key)
    assert scan("iv", session_key) == {"session_key": "low"}  # an IV has the same form
    assert scan("uid", OPENID) == {"openid": "medium"}
    assert scan("traceId", "o" + "a1" * 13 + "b") == {}


def test_app_secret_and_access_token_in_urls() -> None:
    secret = "9b1c4f0e2d3a5b6c7d8e9f0a1b2c3d4e"
    url = f"https://api.weixin.qq.com/sns/jscode2session?appid=wx1f2e3d4c5b6a7980&secret={secret}&js_code=x"
    matches = find_pi_in_http(url, {}, b"", None, "request")
    assert types(matches) == {"app_secret": "high"} and all(secret not in m.masked for m in matches)
    token_url = "https://api.weixin.qq.com/cgi-bin/message/send?access_token=75_AbCdEfGhIjKlMnOp0123"
    assert types(find_pi_in_http(token_url, {}, b"", None, "request")) == {"access_token": "high"}
    assert types(find_pi(f"GET {token_url} failed", "log")) == {"access_token": "high"}
    assert scan("sign", secret) == {} and scan("appid", "wx1f2e3d4c5b6a7980") == {}
    assert scan("secret", "abc") == {}


def test_cloud_keys_and_passwords() -> None:
    akid = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3gnPhESA"
    matches = find_pi(f"new COS({{SecretId: '{akid}'}})", "js")
    assert [(m.type, m.masked, m.confidence) for m in matches] == [("cloud_key", "AKID***", "high")]
    assert types(find_pi("LTAI5tQ9abcdEFGH1234 x", "t")) == {"cloud_key": "high"}
    assert scan("AKIDX", "AKID-short") == {}
    matches = find_pi_in_http("", {}, b"username=alice&password=Abc12345%21", None, "request")
    assert [(m.type, m.masked) for m in matches] == [("password", "******")]
    for key, value in (("passwordHint", "6-16位"), ("hasPassword", "true"), ("password", ""), ("pwd", "******")):
        assert scan(key, value) == {}, key


# ---------------------------------------------------------------------------------------------- contact


def test_email_and_asset_names() -> None:
    assert scan("email", "zhang.san@example.com") == {"email": "high"}
    assert types(find_pi("写信到 li@corp.example.cn 吧", "t")) == {"email": "medium"}
    for asset in ("icon@2x.png", "images/logo@3x.webp", "btn@2x.jpg?v=1", "a@1.5x.png", "user@localhost"):
        assert scan("src", asset) == {} and find_pi(asset, "t") == [], asset
    [match] = find_pi_in_value({"email": "zhang.san@example.com"}, "v")
    assert match.masked == "z***@example.com"


def test_names_only_under_hints() -> None:
    assert scan("realName", "欧阳娜娜") == {"name": "high"}
    assert scan("consignee", "张伟") == {"name": "high"}
    assert scan("收货人", "司马相如") == {"name": "high"}
    assert scan("userName", "阿依古丽·买买提") == {"name": "high"}
    assert scan("name", "王小明") == {"name": "medium"}
    for key, value in (("remark", "张伟"), ("name", "王府井店"), ("shopName", "李宁"), ("name", "周末特惠"),
                       ("goodsName", "欧阳修文集"), ("name", "首页")):
        assert scan(key, value) == {}, (key, value)
    [match] = find_pi_in_value({"realName": "欧阳娜娜"}, "v")
    assert match.masked == "欧阳**" and "娜娜" not in match.masked


def test_addresses() -> None:
    full = "广东省深圳市南山区科技园路1号2栋301室"
    assert scan("detailInfo", "新港中路397号") == {"address": "high"}
    assert scan("address", "公司楼下") == {"address": "medium"}
    assert scan("provinceName", "广东省") == {"address": "low"}
    assert scan("remark", full) == {"address": "high"}
    assert types(find_pi(f"寄到 {full} 谢谢", "t")) == {"address": "medium"}
    assert scan("addressId", "10086") == {} and scan("city", "上海") == {}
    [match] = find_pi_in_value({"address": full}, "v")
    assert match.masked == "广东省深圳市***"


# ---------------------------------------------------------------------------------------------- others


def test_licence_plates() -> None:
    assert scan("plateNo", "粤B12345") == {"licence_plate": "high"}
    assert scan("v", "沪AD12345") == {"licence_plate": "high"}  # new-energy plate
    assert types(find_pi("车辆 京A·12345 已入场", "t")) == {"licence_plate": "medium"}
    for value in ("粤B1234", "京I12345", "粤b12345", "京东", "粤B123456789"):
        assert scan("plate", value) == {}, value
    [match] = find_pi_in_value({"plateNo": "粤B12345"}, "v")
    assert match.masked == "粤B***5"


def test_passports_need_a_hint() -> None:
    assert scan("passportNo", "E12345678") == {"passport": "high"}
    assert scan(None, {"certType": "PASSPORT", "certNo": "E12345678"}) == {"passport": "high"}
    assert scan("code", "E12345678") == {} and scan("passport", "无") == {}


def test_face_and_voice_uploads() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
    face = find_pi_in_http("https://a.example/v1/face/liveness", {}, jpeg, "image/jpeg", "request")
    assert [(m.type, m.confidence, m.masked) for m in face] == [("face", "high", "image/jpeg, 2 KB")]
    assert types(find_pi_in_http("https://a.example/realname/verify", {}, jpeg, None, "request")) == {"face": "medium"}
    assert find_pi_in_http("https://a.example/upload/avatar", {}, jpeg, "image/jpeg", "request") == []
    assert find_pi_in_http("", {}, jpeg, "image/jpeg", "response") == []  # a download is no upload
    data_url = "data:image/png;base64," + base64.b64encode(b"\x89PNG" + bytes(300)).decode()
    assert scan("faceImage", data_url) == {"face": "high"}
    body = (b"--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.mp3\"\r\n"
            b"Content-Type: audio/mpeg\r\n\r\nID3\x03" + bytes(500) + b"\r\n--B--\r\n")
    voice = find_pi_in_http("https://a.example/api/asr", {}, body, "multipart/form-data; boundary=B", "request")
    assert [(m.type, m.confidence, m.location) for m in voice] == [("voice", "high", "body.multipart:file")]
    assert is_sensitive(voice[0])


def test_location_track() -> None:
    points = [{"latitude": 22.5431 + i / 1000, "longitude": 114.0579, "ts": 1716200000 + i} for i in range(5)]
    matches = find_pi_in_value({"points": points}, "body.json")
    [track] = [m for m in matches if is_track(m)]
    assert track.location == "body.json:$.points[*]" and track.confidence == "high"
    assert track.masked == "track of 5 fixes from 22.5***, 114.0*** (precise)"
    assert is_precise(track) and is_sensitive(track)
    assert not any(is_track(m) for m in find_pi_in_value({"points": points[:2]}, "v"))
    untimed = [{"lat": p["latitude"], "lng": p["longitude"]} for p in points]
    assert not any(is_track(m) for m in find_pi_in_value({"points": untimed}, "v"))
    triples = [[114.0579, 22.5431 + i / 1000, 1716200000000 + i] for i in range(3)]
    assert any(is_track(m) for m in find_pi_in_value({"path": triples}, "v"))
    assert not is_sensitive(find_pi_in_value({"lat": 22.5431, "lng": 114.0579}, "v")[0])


def test_canaries_of_new_types_and_hash_of_case_variants() -> None:
    email = "Zhang.San@Example.com"
    canaries = {"email": email, "realName": "张三", "idCard": ID, "bankCard": CARD}
    carriers = {
        "a": hashlib.md5(email.lower().encode()).hexdigest(),
        "b": hashlib.sha1(email.upper().encode()).hexdigest(),
        "c": "%E5%BC%A0%E4%B8%89",
        "d": base64.b64encode(hashlib.sha256(ID.encode()).digest()).decode(),
        "e": base64.b64encode(CARD.encode()).decode(),
    }
    matches = [m for m in find_pi_in_value(carriers, "v", canaries) if m.canary]
    got = {(m.location, m.type, m.masked) for m in matches}
    assert got == {
        ("v:$.a", "email", "md5(Z***@Example.com)"),
        ("v:$.b", "email", "sha1(Z***@Example.com)"),
        ("v:$.c|url", "name", "张*"),
        ("v:$.d", "id_card", "sha256(11***************X)"),
        ("v:$.e|base64", "bank_card", "6222***********0128"),
    }


def test_masks_of_secrets_never_show_much() -> None:
    assert mask("password", "hunter2") == "******"
    assert mask("cloud_key", "LTAI5tQ9abcdEFGH1234") == "LTAI***"
    assert mask("id_card", ID) == "11***************X"
    assert mask("bank_card", "6222 0212 3456 7890 128") == "6222***********0128"


def test_malformed_input_never_raises() -> None:
    hostile = ["\x00" * 100, "{" * 5000, "data:image/png;base64," + "!" * 500, "8986" + "Z" * 40,
               "a@" * 5000, "京" * 10000, "AKID" * 1000, "1" * 100_000]
    for text in hostile:
        find_pi(text, "t")
        find_pi_in_value({"idCard": text, "points": [text] * 5}, "v")
    find_pi_in_http("https://a.example/face", {"Authorization": "Bearer"}, b"\xff\xd8" * 10, "image/jpeg", "request")
    find_pi_in_http("", {}, b"--B\r\n\r\n", "multipart/form-data; boundary=B", "request")


def _types(value: object) -> set[tuple[str, str]]:
    return {(m.type, m.confidence) for m in find_pi_in_value(value, "v")}


def test_health_data_under_its_keys_and_labels_not_in_articles() -> None:
    assert _types({"diagnosis": "2型糖尿病"}) == {("health", "high")}
    assert _types({"过敏史": "青霉素"}) == {("health", "high")}
    assert {m.type for m in find_pi("既往病史：高血压，过敏史：无", "t")} == {"health"}
    assert {(m.type, m.confidence) for m in find_pi("本人患有哮喘，需随身带药", "t")} == {("health", "medium")}
    # an article, a form's furniture, an empty answer, a server's health check: nobody's health
    assert find_pi("糖尿病患者的饮食指南：少糖多纤维", "t") == []
    assert _types({"allergyTip": "请填写过敏史", "diseaseOptions": ["高血压", "糖尿病"], "healthCheck": "ok",
                   "allergy": "无"}) == set()
    assert mask("health", "2型糖尿病") == "******"


def test_religion_under_its_keys_and_labels_not_in_travel_guides() -> None:
    assert _types({"religion": "佛教"}) == {("religion", "high")}
    assert {m.type for m in find_pi("民族：汉族 宗教信仰：基督教", "t")} == {"religion"}
    assert {(m.type, m.confidence) for m in find_pi("我信仰道教多年", "t")} == {("religion", "medium")}
    assert find_pi("灵隐寺是著名的佛教寺院，门票 75 元", "t") == []
    assert _types({"poiName": "天主教堂", "tag": "道教名山"}) == set()
    assert mask("religion", "佛教") == "******"


def test_face_and_voice_as_templates_and_references() -> None:
    template = base64.b64encode(bytes(range(256)) * 2).decode()
    found = find_pi_in_value({"faceFeature": template, "livenessPhoto": "wxfile://tmp_0348f92c.jpg",
                              "voiceprint": "ab" * 64, "voiceUrl": "http://tmp/rec_1.silk"}, "v")
    assert {(m.location, m.type, m.masked, m.confidence) for m in found} == {
        ("v:$.faceFeature", "face", f"face template, {len(template)} chars", "high"),
        ("v:$.livenessPhoto", "face", "image reference (.jpg)", "high"),
        ("v:$.voiceprint", "voice", "voice template, 128 chars", "high"),
        ("v:$.voiceUrl", "voice", "audio reference (.silk)", "medium"),
    }
    # a coupon's face value, a typeface, a cover image, a flag: no face
    assert _types({"faceValue": "50", "typeface": "PingFang SC", "coverImage": "https://a.cn/x.jpg",
                   "faceVerifyStatus": "passed", "surfaceImage": "https://a.cn/y.jpg"}) == set()


def test_an_address_is_masked_without_any_white_space() -> None:
    """The address mask drops every character str.split() parts on: those re's \\s matches."""
    import re

    spaces = "".join(chr(c) for c in range(0x110000) if re.fullmatch(r"\s", chr(c)))
    assert spaces == "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert mask("address", f"上海市{spaces}黄浦区 南京东路") == "上海市***"
