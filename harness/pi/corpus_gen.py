"""The generated part of the labelled recogniser corpus: seeded, so the same code writes the same
file (tests/pi_corpus/generated.jsonl; a test checks that regenerating it changes nothing).

Positives put each PI type into the carriers where it travels (key hints, bare values, query
strings, free text, JSON in strings, base64, canaries); negatives are the hard cases that
collide with them: 13-digit ms timestamps, order numbers, digests, @2x asset names, Luhn-valid
numbers without a hint, UUIDs, version strings, prices, coordinates out of range, shop names.

    python -m harness.pi.corpus_gen [OUT]   # default tests/pi_corpus/generated.jsonl
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from harness.pi.checks import PROVINCE_CODES, luhn_valid, resident_id_check_char
from harness.pi.contact import COMPOUND_SURNAMES, SINGLE_SURNAMES

SEED = 20261124
OUT = Path(__file__).resolve().parents[2] / "tests" / "pi_corpus" / "generated.jsonl"
POSITIVES_PER_TYPE = 30
Sample = dict[str, Any]

_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国红梅雪琳婷浩宇轩子涵欣怡思远"
_CITIES = [("广东省", "深圳市", "南山区"), ("浙江省", "杭州市", "西湖区"), ("上海市", "上海市", "浦东新区"),
           ("北京市", "北京市", "朝阳区"), ("四川省", "成都市", "武侯区"), ("江苏省", "南京市", "鼓楼区"),
           ("湖北省", "武汉市", "洪山区"), ("陕西省", "西安市", "雁塔区")]
_ROADS = ["科技园路", "文三路", "世纪大道", "建国路", "人民南路", "中山路", "珞喻路", "长安街"]
_PHONE_PREFIXES = ["130", "131", "135", "138", "139", "145", "150", "158", "166", "177", "180", "186", "188",
                   "191", "199", "147", "173"]
_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


class Gen:
    """Random personal data of every type, from one seeded generator."""

    def __init__(self, seed: int = SEED) -> None:
        self.r = random.Random(seed)

    def digits(self, n: int) -> str:
        return "".join(self.r.choice(string.digits) for _ in range(n))

    def hexs(self, n: int) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def alnum(self, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def phone(self) -> str:
        return self.r.choice(_PHONE_PREFIXES) + self.digits(8)

    def resident_id(self) -> str:
        born = date(1950, 1, 1) + timedelta(days=self.r.randrange(365 * 65))
        first17 = (self.r.choice(sorted(PROVINCE_CODES - {"71", "81", "82", "83", "91"})) + self.digits(4)
                   + born.strftime("%Y%m%d") + self.digits(3))
        return first17 + resident_id_check_char(first17)

    def luhn(self, prefix: str, length: int) -> str:
        body = prefix + self.digits(length - len(prefix) - 1)
        for check in string.digits:
            if luhn_valid(body + check):
                return body + check
        raise AssertionError("unreachable: one check digit always fits")

    def bank_card(self) -> str:
        prefix = self.r.choice(["622202", "621700", "622848", "436742", "6217", "520000", "4"])
        return self.luhn(prefix, self.r.choice([16, 16, 19]) if prefix[0] == "6" else 16)

    def fix(self) -> tuple[float, float]:
        return round(self.r.uniform(22.0, 45.0), 6), round(self.r.uniform(100.0, 125.0), 6)

    def mac(self) -> str:
        return ":".join(self.hexs(2) for _ in range(6)).replace("02:00:00", "0a:00:00")

    def imei(self) -> str:
        return self.luhn(self.r.choice(["35", "86"]), 15)

    def openid(self) -> str:
        return "o" + self.alnum(5) + self.alnum(21, string.ascii_letters + string.digits + "_-") + self.digits(1)

    def session_key(self) -> str:
        return base64.b64encode(self.r.randbytes(16)).decode()

    def name(self) -> str:
        surname = self.r.choice(COMPOUND_SURNAMES) if self.r.random() < 0.2 else self.r.choice(SINGLE_SURNAMES)
        return surname + "".join(self.r.choice(_GIVEN) for _ in range(self.r.choice([1, 2])))

    def address(self) -> str:
        province, city, district = self.r.choice(_CITIES)
        head = city if province == city else province + city
        return f"{head}{district}{self.r.choice(_ROADS)}{self.r.randint(1, 999)}号{self.r.randint(1, 30)}栋{self.r.randint(101, 2505)}室"

    def email(self) -> str:
        return f"{self.alnum(self.r.randint(3, 10), string.ascii_lowercase + string.digits)}@" + self.r.choice(
            ["qq.com", "163.com", "example.cn", "gmail.com", "foxmail.com", "corp.example.com"])

    def plate(self) -> str:
        tail = "".join(self.r.choice(_PLATE_LETTERS[:8] + string.digits) for _ in range(self.r.choice([5, 6])))
        return self.r.choice(_PLATE_PROVINCES) + self.r.choice(_PLATE_LETTERS) + tail

    def uuid(self) -> str:
        h = self.hexs(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def ms(self) -> str:
        return str(self.r.randint(1_600_000_000_000, 1_800_000_000_000))


def value(key: str | None, carrier: Any, expect: list[str], *tags: str) -> Sample:
    return {"kind": "value", "key": key, "value": carrier, "expect": expect, "tags": list(tags)}


def text(carrier: str, expect: list[str], *tags: str) -> Sample:
    return {"kind": "text", "text": carrier, "expect": expect, "tags": list(tags)}


def http(url: str, expect: list[str], *tags: str, body: str = "", content_type: str | None = None,
         body_bytes: bytes | None = None, canaries: dict[str, str] | None = None) -> Sample:
    carrier: dict[str, Any] = {"url": url, "headers": {}, "content_type": content_type}
    if body_bytes is not None:
        carrier["body_b64"] = base64.b64encode(body_bytes).decode()
    else:
        carrier["body"] = body
    sample: Sample = {"kind": "http", "http": carrier, "expect": expect, "tags": list(tags)}
    if canaries:
        sample["canaries"] = canaries
    return sample


# ---------------------------------------------------------------------------------------------- positives


def positives(g: Gen) -> Iterator[tuple[str, Callable[[], Sample]]]:
    """(type, a maker of one sample) for every type, cycling through the carriers it travels in."""
    r = g.r

    def with_fix(build: Callable[[tuple[float, float]], Sample]) -> Callable[[], Sample]:
        return lambda: build(g.fix())

    def spaced(card: str) -> str:
        return " ".join(card[i:i + 4] for i in range(0, len(card), 4))

    def b64json(obj: Any) -> str:
        return base64.b64encode(json.dumps(obj, ensure_ascii=False).encode()).decode()

    makers: dict[str, list[Callable[[], Sample]]] = {
        "phone": [
            lambda: value(r.choice(["mobile", "phone", "telNo", "userPhone", "手机号"]), g.phone(), ["phone"], "hint"),
            lambda: value("contact", "+86" + g.phone(), ["phone"], "plus86"),
            lambda: value(None, int(g.phone()), ["phone"], "bare-number"),
            lambda: text(f"联系手机：{g.phone()}，工作日联系", ["phone"], "text-hint"),
            lambda: http(f"https://api.example.cn/v1/bind?{urlencode({'phone': g.phone(), 'code': g.digits(6)})}",
                         ["phone"], "query"),
            lambda: value("data", b64json({"tel": g.phone()}), ["phone"], "base64-json"),
        ],
        "id_card": [
            lambda: value(r.choice(["idCard", "idNo", "certNo", "身份证号"]), g.resident_id(), ["id_card"], "hint"),
            lambda: value("value", g.resident_id(), ["id_card"], "bare"),
            lambda: text(f"身份证号码 {g.resident_id()} 已提交", ["id_card"], "text"),
            lambda: http("https://api.example.cn/realname", ["id_card"], "form",
                         body=urlencode({"cert_no": g.resident_id()}),
                         content_type="application/x-www-form-urlencoded"),
        ],
        "bank_card": [
            lambda: value(r.choice(["bankCard", "cardNo", "bank_account", "卡号"]), g.bank_card(), ["bank_card"], "hint"),
            lambda: value("value", g.luhn("622202", 19), ["bank_card"], "iin-only"),
            lambda: value("cardNumber", spaced(g.luhn("621700", 16)), ["bank_card"], "spaced"),
        ],
        "location": [
            with_fix(lambda f: value(None, {"latitude": f[0], "longitude": f[1], "speed": 0, "accuracy": 65},
                                     ["location"], "getLocation")),
            with_fix(lambda f: http(f"https://lbs.example.cn/near?lat={f[0]}&lng={f[1]}", ["location"], "query")),
            with_fix(lambda f: value("location", f"{f[1]},{f[0]}", ["location"], "lng-lat-string")),
            with_fix(lambda f: value("center", [f[1], f[0]], ["location"], "array")),
            lambda: value("points", [{"lat": g.fix()[0], "lng": g.fix()[1], "time": int(g.ms())} for _ in range(4)],
                          ["location"], "track"),
        ],
        "wifi": [
            lambda: value("BSSID", g.mac(), ["wifi"], "bssid"),
            lambda: value(None, {"SSID": f"TP-LINK_{g.hexs(4).upper()}", "BSSID": g.mac(), "signalStrength": 80},
                          ["wifi"], "getConnectedWifi"),
        ],
        "device_id": [
            lambda: value("imei", g.imei(), ["device_id"], "imei"),
            lambda: value("imsi", "46000" + g.digits(10), ["device_id"], "imsi"),
            lambda: value("iccid", "898600" + g.digits(14), ["device_id"], "iccid"),
            lambda: value("androidId", g.hexs(16), ["device_id"], "android-id"),
            lambda: value("oaid", g.uuid(), ["device_id"], "oaid"),
            lambda: value("mac", g.mac(), ["device_id"], "mac"),
        ],
        "device_info": [
            lambda: value(None, {"brand": r.choice(["HUAWEI", "Xiaomi", "OPPO", "iPhone"]), "model": f"M{g.digits(4)}",
                                 "system": f"Android {r.randint(8, 14)}", "pixelRatio": 3, "uid": g.digits(8)},
                          ["device_info"], "with-user"),
        ],
        "openid": [
            lambda: value("openid", g.openid(), ["openid"], "hint"),
            lambda: http(f"https://api.example.cn/track?{urlencode({'open_id': g.openid(), 'ev': 'view'})}",
                         ["openid"], "query"),
        ],
        "unionid": [lambda: value("unionid", g.openid(), ["unionid"], "hint")],
        "session_key": [
            lambda: value(None, {"session_key": g.session_key(), "openid": g.openid()}, ["session_key", "openid"],
                          "code2session"),
            lambda: value("sessionKey", g.session_key(), ["session_key"], "hint"),
        ],
        "app_secret": [
            lambda: http("https://api.weixin.qq.com/sns/jscode2session?" + urlencode(
                {"appid": "wx" + g.hexs(16), "secret": g.hexs(32), "js_code": g.alnum(32),
                 "grant_type": "authorization_code"}), ["app_secret"], "jscode2session"),
            lambda: value(None, {"appId": "wx" + g.hexs(16), "appSecret": g.hexs(32)}, ["app_secret"], "config"),
        ],
        "access_token": [
            lambda: http(f"https://api.weixin.qq.com/cgi-bin/message/send?access_token={g.alnum(64)}",
                         ["access_token"], "url"),
            lambda: value("access_token", g.alnum(40) + "_" + g.digits(4), ["access_token"], "hint"),
        ],
        "cloud_key": [
            lambda: value("secretId", "AKID" + g.alnum(32), ["cloud_key"], "tencent"),
            lambda: text(f"const client = new OSS({{accessKeyId: 'LTAI{g.alnum(16)}'}})", ["cloud_key"], "aliyun-text"),
        ],
        "email": [
            lambda: value(r.choice(["email", "mail", "contact_email"]), g.email(), ["email"], "hint"),
            lambda: text(f"请将发票发送至 {g.email()} 谢谢", ["email"], "text"),
        ],
        "name": [
            lambda: value(r.choice(["realName", "consignee", "userName", "姓名", "收货人", "contactName"]), g.name(),
                          ["name"], "hint"),
        ],
        "address": [
            lambda: value(r.choice(["address", "detailInfo", "收货地址", "addr"]), g.address(), ["address"], "hint"),
            lambda: value("remark", g.address(), ["address"], "structure"),
        ],
        "face": [
            lambda: http(r.choice(["https://api.example.cn/face/verify", "https://ai.example.cn/liveness/check"]),
                         ["face"], "image-body", body_bytes=b"\xff\xd8\xff\xe0" + r.randbytes(2048),
                         content_type="image/jpeg"),
            lambda: value("faceImage", "data:image/jpeg;base64," + base64.b64encode(b"\xff\xd8\xff" + r.randbytes(600)).decode(),
                          ["face"], "data-url"),
        ],
        "voice": [
            lambda: http("https://api.example.cn/asr/upload", ["voice"], "audio-body",
                         body_bytes=b"#!AMR\n" + r.randbytes(1500), content_type="audio/amr"),
        ],
        "licence_plate": [
            lambda: value(r.choice(["plateNo", "carNumber", "车牌号"]), g.plate(), ["licence_plate"], "hint"),
            lambda: text(f"您的车辆 {g.plate()} 已入场", ["licence_plate"], "text"),
        ],
        "passport": [
            lambda: value(r.choice(["passportNo", "passport", "护照号"]), "E" + g.digits(8), ["passport"], "hint"),
        ],
        "password": [
            lambda: value(r.choice(["password", "pwd", "loginPassword", "密码"]), g.alnum(r.randint(6, 16)),
                          ["password"], "hint"),
        ],
    }
    for pi_type, choices in makers.items():
        for index in range(POSITIVES_PER_TYPE):
            yield pi_type, choices[index % len(choices)]


def canary_positives(g: Gen) -> Iterator[Sample]:
    """Seeded values found hashed, encoded or case-changed, where no recogniser could see them."""
    for index in range(40):
        phone = g.phone()
        email = g.email()
        forms = [
            hashlib.md5(phone.encode()).hexdigest(), hashlib.sha1(phone.encode()).hexdigest().upper(),
            base64.b64encode(hashlib.sha256(phone.encode()).digest()).decode(),
        ]
        if index % 2:
            yield http(f"https://stat.example.cn/c?{urlencode({'u': g.r.choice(forms)})}", ["phone"], "canary-hash",
                       canaries={"phoneNumber": phone})
        else:
            carrier = g.r.choice([email.upper(), quote(email), hashlib.sha256(email.lower().encode()).hexdigest()])
            yield http("https://stat.example.cn/c", ["email"], "canary-email", body=json.dumps({"k": carrier}),
                       content_type="application/json", canaries={"email": email})


# ---------------------------------------------------------------------------------------------- negatives


def negatives(g: Gen) -> Iterator[Sample]:
    r = g.r
    makers: list[Callable[[], Sample]] = [
        lambda: value(r.choice(["ts", "time", "timestamp", "t", "_", "createTime"]), g.ms(), [], "ms-timestamp"),
        lambda: value(None, int(g.ms()), [], "ms-timestamp-number"),
        lambda: text(f"request {g.ms()} finished in {r.randint(10, 900)}ms", [], "ms-timestamp-text"),
        lambda: http(f"https://api.example.cn/list?_t={g.ms()}&page={r.randint(1, 9)}", [], "ms-timestamp-query"),
        lambda: value(r.choice(["orderNo", "out_trade_no", "orderId", "transaction_id"]),
                      time_order(g), [], "order-number"),
        lambda: value(r.choice(["orderNo", "tradeNo", "serialNo"]), g.luhn(r.choice(["4", "62", "35"]), 16), [],
                      "luhn-under-order-key"),
        lambda: value(r.choice(["value", "n", "x", "count"]), g.luhn(r.choice("13789"), r.randint(13, 19)), [],
                      "luhn-no-hint"),
        lambda: value(r.choice(["sign", "md5", "hash", "etag", "signature"]),
                      r.choice([g.hexs(32), g.hexs(40), g.hexs(64), g.hexs(32).upper()]), [], "digest"),
        lambda: value(r.choice(["key", "fileMd5", "digest"]), g.hexs(32), [], "digest-unhinted"),
        lambda: value(r.choice(["icon", "src", "image", "url"]),
                      f"/assets/{r.choice(['logo', 'icon', 'banner', 'btn'])}@{r.choice(['2x', '3x'])}.png", [], "asset-2x"),
        lambda: text(f"background: url(images/bg@{r.choice(['2x', '3x'])}.{r.choice(['png', 'webp'])})", [], "asset-2x-css"),
        lambda: value(r.choice(["requestId", "traceId", "id", "uuid"]), g.uuid(), [], "uuid"),
        lambda: value(None, g.uuid(), [], "uuid-bare"),
        lambda: value(r.choice(["version", "SDKVersion", "ver"]), f"{r.randint(1, 9)}.{r.randint(0, 40)}.{r.randint(0, 9)}",
                      [], "version"),
        lambda: value(r.choice(["price", "amount", "total_fee", "discount"]), f"{r.randint(1, 9999)}.{g.digits(2)}", [],
                      "price"),
        lambda: value(None, {"lat": round(r.uniform(91, 200), 6), "lng": round(r.uniform(181, 400), 6)}, [],
                      "coordinate-out-of-range"),
        lambda: value(None, {"lat": 0, "lng": 0}, [], "coordinate-zero"),
        lambda: value(r.choice(["ratio", "size", "scale"]), f"{r.uniform(0, 5):.6f},{r.uniform(0, 5):.6f}", [],
                      "pair-out-of-china"),
        lambda: value(None, {"x": round(r.uniform(20, 50), 6), "y": round(r.uniform(100, 130), 6)}, [], "xy-not-latlng"),
        lambda: value(r.choice(["name", "title", "shopName", "goodsName"]),
                      r.choice(["王府井店", "首页", "李宁专卖店", "张江路站", "周末特惠", "黄金套餐", "全部商品",
                                "欧阳修纪念馆", "华为旗舰店", "金额明细"]), [], "thing-name"),
        lambda: value(r.choice(["appid", "appId"]), "wx" + g.hexs(16), [], "appid-alone"),
        lambda: value(r.choice(["nonceStr", "noncestr", "nonce"]), g.alnum(32), [], "nonce"),
        lambda: value("package", "prepay_id=wx" + g.digits(20) + g.hexs(8), [], "prepay-id"),
        lambda: value(r.choice(["passwordHint", "hasPassword", "passwordRule"]), r.choice(["请输入6位数字", "true", "8-16位"]),
                      [], "password-metadata"),
        lambda: value("password", r.choice(["", "******"]), [], "password-empty"),
        lambda: value(r.choice(["code", "verifyCode", "captcha"]), g.digits(6), [], "sms-code"),
        lambda: value(r.choice(["city", "district", "scene"]), r.choice(["上海", "南山区", "1001", "1089"]), [], "region-word"),
        lambda: value(None, {"brand": "devtools", "platform": "devtools"}, [], "two-device-fields"),
        lambda: value(r.choice(["mac", "bssid"]), "02:00:00:00:00:00", [], "placeholder-mac"),
        lambda: value(r.choice(["oaid", "androidId"]), r.choice(["00000000-0000-0000-0000-000000000000", "0" * 16]), [],
                      "zero-id"),
        lambda: value(r.choice(["deviceModel", "q", "keyword"]), r.choice(["京A", "沪牌拍卖", "粤B1234", "苏E"]), [],
                      "plate-like"),
        lambda: text(r.choice(["见第 3.2.1 节", "版本 2.32.3 发布", "共 128 条", "已售 1.2万件"]), [], "plain-text"),
        lambda: value("token", g.alnum(10), [], "short-token"),
        lambda: value(r.choice(["id", "goodsId", "skuId"]), int(g.digits(r.randint(6, 12))), [], "numeric-id"),
        lambda: value("phone", r.choice(["138****8000", "139****1234", "", "null"]), [], "masked-phone"),
        lambda: http(f"https://cdn.example.cn/static/img/icon@2x.png?v={g.hexs(8)}", [], "cdn-asset"),
        lambda: value("email", r.choice(["icon@2x.png", "@someone", "user@localhost", "a@3x.webp"]), [], "email-like"),
        lambda: value("ssid", "", [], "empty-ssid"),
        lambda: value(r.choice(["orderNo", "v", "bizNo"]), id_like_wrong_check(g), [], "id-like-bad-check"),
        lambda: text(f"流水号 {id_like_wrong_check(g)} 处理中", [], "id-like-bad-check-text"),
        lambda: value(r.choice(["traceId", "requestId", "spanId"]), "o" + g.alnum(26) + g.digits(1), [], "o-token"),
        lambda: value("name", r.choice(["李宁", "安踏", "周大福", "方太"]), [], "brand-as-name"),
        lambda: value("iv", g.session_key(), [], "iv-16-bytes"),
        lambda: value(r.choice(["traceId", "hash"]), g.hexs(16), [], "hex16-not-android-id"),
        lambda: value(r.choice(["passport", "passportNo"]), r.choice(["", "无", "N/A"]), [], "passport-empty"),
    ]
    for index in range(2100):
        yield makers[index % len(makers)]()


def id_like_wrong_check(g: Gen) -> str:
    """18 digits with a real province and birthdate but a wrong check character."""
    good = g.resident_id()
    wrong = [c for c in "0123456789X" if c != good[-1]]
    return good[:17] + g.r.choice(wrong)


def time_order(g: Gen) -> str:
    """Order numbers as shops make them: a date, a time and a sequence; some embed a phone-like run."""
    stamp = (date(2024, 1, 1) + timedelta(days=g.r.randrange(700))).strftime("%Y%m%d")
    return g.r.choice([stamp + g.digits(10), stamp + g.phone(), "4200" + g.digits(24), g.digits(20)])


# ---------------------------------------------------------------------------------------------- sensitive data

_DISEASES = ["2型糖尿病", "高血压", "哮喘", "抑郁症", "乙肝病毒携带", "冠心病", "青霉素过敏", "甲状腺功能亢进", "类风湿关节炎",
             "慢性胃炎", "癫痫", "HIV阳性", "E11.9", "孕12周"]
_HEALTH_KEYS = ["diagnosis", "disease", "medicalHistory", "allergy", "allergies", "symptoms", "过敏史", "既往病史",
                "bloodType", "diseaseName", "pastHistory", "诊断结果"]
_RELIGIONS = ["佛教", "基督教", "伊斯兰教", "天主教", "道教", "Buddhism", "Christian", "Muslim"]
_RELIGION_KEYS = ["religion", "宗教信仰", "faith", "religiousBelief", "信仰"]


def sensitive_positives(g: Gen) -> Iterator[tuple[str, Sample]]:
    """Health, religion, and face/voice data sent as templates or references rather than uploads."""
    r = g.r
    health: list[Callable[[str], Sample]] = [
        lambda disease: value(r.choice(_HEALTH_KEYS), disease, ["health"], "hint"),
        lambda disease: text(f"既往病史：{disease}，过敏史：无", ["health"], "text-label"),
        lambda disease: text(f"本人患有{disease}，需定期复查", ["health"], "text-statement"),
        lambda disease: http(f"https://api.example.cn/clinic/book?{urlencode({'disease': disease, 'dept': '内科'})}",
                     ["health"], "query"),
        lambda disease: http("https://api.example.cn/patient/save", ["health", "name"], "json-body",
                     body=json.dumps({"patient": {"realName": g.name(), "diagnosis": disease}}, ensure_ascii=False),
                     content_type="application/json"),
        lambda disease: value("data", base64.b64encode(json.dumps({"allergy": disease}).encode()).decode(), ["health"],
                      "base64-json"),
    ]
    religion: list[Callable[[str], Sample]] = [
        lambda belief: value(r.choice(_RELIGION_KEYS), belief, ["religion"], "hint"),
        lambda belief: text(f"民族：汉族 宗教信仰：{belief}", ["religion"], "text-label"),
        lambda belief: text(f"我信仰{r.choice(_RELIGIONS[:5])}多年", ["religion"], "text-statement"),
        lambda belief: http("https://api.example.cn/profile/save", ["religion"], "form",
                     body=urlencode({"religion": belief, "nation": "汉"}),
                     content_type="application/x-www-form-urlencoded"),
    ]
    for index in range(POSITIVES_PER_TYPE):
        yield "health", health[index % len(health)](r.choice(_DISEASES))
    for index in range(POSITIVES_PER_TYPE):
        yield "religion", religion[index % len(religion)](r.choice(_RELIGIONS))
    for index in range(12):
        yield "face", [
            lambda: value(r.choice(["faceFeature", "face_template", "人脸特征"]),
                          base64.b64encode(r.randbytes(r.choice([128, 512]))).decode(), ["face"], "template"),
            lambda: value(r.choice(["faceImageUrl", "faceUrl", "人脸照片"]),
                          f"https://cdn.example.cn/u/{g.digits(6)}/{g.hexs(8)}.jpg", ["face"], "reference"),
            lambda: value(r.choice(["faceImg", "livenessPhoto"]), f"wxfile://tmp_{g.hexs(16)}.jpg", ["face"],
                          "temp-path"),
        ][index % 3]()
    for index in range(12):
        yield "voice", [
            lambda: value(r.choice(["voiceprint", "声纹"]), g.hexs(256), ["voice"], "template"),
            lambda: value(r.choice(["voiceFile", "voiceUrl", "录音文件"]),
                          r.choice([f"http://tmp/{g.hexs(12)}.mp3", f"https://cdn.example.cn/v/{g.hexs(8)}.silk"]),
                          ["voice"], "reference"),
        ][index % 2]()


def sensitive_negatives(g: Gen) -> Iterator[Sample]:
    """Words of health, religion and faces where nobody's data is: articles, catalogues, temples,
    form furniture, coupons' face values, health checks of servers."""
    r = g.r
    makers: list[Callable[[], Sample]] = [
        lambda: text(f"{r.choice(_DISEASES[:6])}患者的饮食指南：少糖多纤维，规律作息", [], "health-article"),
        lambda: value(r.choice(["title", "articleTitle", "name"]), f"{r.choice(_DISEASES[:6])}的十大早期症状", [],
                      "health-title"),
        lambda: value(r.choice(["allergyTip", "diseasePlaceholder", "symptomHint"]), "请填写过敏史或既往病史", [],
                      "form-furniture"),
        lambda: value("diseaseOptions", r.sample(_DISEASES[:6], 3), [], "form-options"),
        lambda: value(r.choice(["healthCheck", "health", "status"]), r.choice(["ok", "UP", "healthy"]), [],
                      "server-health"),
        lambda: value(r.choice(["allergy", "过敏史", "diagnosis"]), r.choice(["", "无", "暂无"]), [], "health-empty"),
        lambda: text(f"{r.choice(['灵隐寺', '白马寺', '徐家汇天主教堂'])}是著名的{r.choice(_RELIGIONS[:5])}场所，门票 "
                     f"{r.randint(10, 90)} 元", [], "religion-travel"),
        lambda: value(r.choice(["poiName", "tag", "category"]), r.choice(["天主教堂", "道教名山", "佛教文化园"]), [],
                      "religion-poi"),
        lambda: value(r.choice(["faceValue", "face_value", "faceAmount"]), str(r.choice([5, 10, 50, 100])), [],
                      "coupon-face-value"),
        lambda: value(r.choice(["surfaceImage", "interfaceUrl", "typeface"]),
                      r.choice([f"https://img.example.cn/{g.hexs(8)}.jpg", "PingFang SC"]), [], "not-a-face"),
        lambda: value(r.choice(["faceVerifyStatus", "voiceEnabled", "faceAuthPassed"]),
                      r.choice(["passed", "true", "false"]), [], "biometric-flag"),
        lambda: value(r.choice(["coverImage", "avatarFrame"]), f"https://img.example.cn/{g.hexs(8)}.png", [],
                      "plain-image"),
    ]
    for index in range(120):
        yield makers[index % len(makers)]()


# ---------------------------------------------------------------------------------------------- output


def generate(seed: int = SEED) -> list[Sample]:
    g = Gen(seed)
    samples: list[Sample] = []
    counters: dict[str, int] = {}
    for pi_type, make in positives(g):
        counters[pi_type] = counters.get(pi_type, 0) + 1
        samples.append({"id": f"gen-{pi_type}-{counters[pi_type]:04d}", **make()})
    for index, sample in enumerate(canary_positives(g), 1):
        samples.append({"id": f"gen-canary-{index:04d}", **sample})
    for index, sample in enumerate(negatives(g), 1):
        samples.append({"id": f"gen-neg-{index:04d}", **sample})
    extra = Gen(seed + 1)  # a generator of its own: the samples above stay as they were
    for pi_type, sample in sensitive_positives(extra):
        counters[pi_type] = counters.get(pi_type, 0) + 1
        samples.append({"id": f"gen-{pi_type}-{counters[pi_type]:04d}", **sample})
    for index, sample in enumerate(sensitive_negatives(extra), 1):
        samples.append({"id": f"gen-neg-s-{index:04d}", **sample})
    return samples


def render(samples: list[Sample]) -> str:
    return "".join(json.dumps(s, ensure_ascii=False, sort_keys=True) + "\n" for s in samples)


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(generate()), encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
