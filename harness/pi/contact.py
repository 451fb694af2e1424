"""Contact data (RECOGNISERS.md 7-9): email addresses, names and postal addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from harness.pi.core import (
    KEY_CACHE,
    MAX_TEXT_CHARS,
    BodyView,
    Group,
    Scalar,
    bounded_finditer,
    has_hint,
    key_tokens,
    match,
    recogniser,
)
from harness.timeline import Confidence, PIMatch

# ---------------------------------------------------------------------------------------------- email

EMAIL_RE = re.compile(r"(?i)(?<![A-Z0-9._%+-])([A-Z0-9._%+-]{1,64}@[A-Z0-9.-]{1,253}\.[A-Z]{2,24})\b")
# file names and asset references that look like addresses: icon@2x.png, a@3x.webp, pkg@1.2.js
_ASSET_TLDS = frozenset({
    "png", "jpg", "jpeg", "gif", "webp", "svg", "bmp", "ico", "js", "mjs", "css", "json", "wxss", "wxml",
    "html", "htm", "map", "ts", "mp3", "mp4", "wav", "ttf", "woff", "woff2", "otf", "txt", "xml", "zip",
})


# EMAIL_RE from its "@" on: the same domain group
_EMAIL_SCREEN = re.compile(r"(?i)@(?<=[A-Z0-9._%+-]@)([A-Z0-9.-]{1,253}\.[A-Z]{2,24})\b")


def _asset_domain(domain: str) -> bool:
    """icon@2x.png, a@3x.webp, pkg@1.2.js: the part after an "@" of a file name, not a mail domain."""
    domain = domain.lower()
    return bool(re.match(r"\d+(\.\d+)?x\b", domain)) or domain.rpartition(".")[2] in _ASSET_TLDS


def _email_screen(body: BodyView) -> bool:
    return not all(_asset_domain(domain) for domain in set(_EMAIL_SCREEN.findall(body.text)))


def _has_at(body: BodyView) -> bool:
    return "@" in body.text


@recogniser("email", text="@", per_value=True, screen=_email_screen, text_screen=_has_at)
def recognise_email(group: Group) -> Iterator[PIMatch]:
    """Email addresses, not asset names (icon@2x.png) nor package specs: high in a whole value,
    medium in free text (code and templates hold example addresses)."""
    for scalar in group.scalars:
        for hit in bounded_finditer(EMAIL_RE, scalar.text):
            address = hit.group(1)
            if _asset_domain(address.rpartition("@")[2]):
                continue
            whole = scalar.whole and scalar.text.strip() == address
            hinted = has_hint(scalar.key, ("email", "mail", "邮箱"), ("email", "mail", "邮箱"))
            yield match("email", scalar, address, "high" if whole or hinted else "medium")


# ---------------------------------------------------------------------------------------------- names

SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆"
    "汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞"
    "颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁"
    "蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾"
    "隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
                     "夏侯", "轩辕", "令狐", "端木", "独孤", "南宫", "西门", "百里", "呼延", "万俟", "申屠", "澹台")
_HAN = r"[\u4e00-\u9fff]"
_NAME_RE = re.compile(
    rf"(?:{'|'.join(COMPOUND_SURNAMES)}){_HAN}{{1,2}}|[{SINGLE_SURNAMES}]{_HAN}{{1,2}}"
)
_DOTTED_NAME_RE = re.compile(rf"{_HAN}{{1,8}}[·•・]{_HAN}{{1,10}}")
_LATIN_NAME_RE = re.compile(r"[A-Z][a-z]{1,15}(?: [A-Z][a-z]{1,15}){1,2}")
# a name never ends like a place, a shop or a thing: 王府井店, 张江路, 李宁专卖, 周末
_NOT_NAME_ENDINGS = tuple("店馆区路街市省县园场厅部队院校司城楼站台館門门号镇村乡湾岛山河湖桥")
_NOT_NAME_WORDS = frozenset({"周末", "周一", "周二", "周三", "周四", "周五", "周六", "周日", "高级", "全部", "金额",
                             "方式", "文本", "明天", "明日", "时间", "安全", "管理", "成功", "常见", "车辆",
                             "黄金", "白色", "黑色", "红色", "蓝色", "钱包", "石头", "高清", "万元", "华为",
                             "小米", "苏宁", "关于", "关闭", "包邮", "和平", "平安", "于是", "应用", "全国"})
_STRONG_NAME_HINTS = ("realname", "real_name", "username", "user_name", "consignee", "contactname", "contact",
                      "truename", "fullname", "full_name", "holder", "receiver", "receivername", "姓名",
                      "联系人", "收货人", "收件人", "真实姓名")
_NAME_HINT_WORDS = ("name", "nickname", "姓名")


def is_person_name(value: str) -> bool:
    """A Chinese personal name (surname + 1-2 characters, or a ·-joined name) or a Latin 2-3 word name."""
    text = value.strip()
    if text in _NOT_NAME_WORDS or text.endswith(_NOT_NAME_ENDINGS):
        return False
    return bool(_NAME_RE.fullmatch(text) or _DOTTED_NAME_RE.fullmatch(text) or _LATIN_NAME_RE.fullmatch(text))


def _name_key(key: str | None) -> bool:
    return _strong_name_key(key) or bool(key_tokens(key) & set(_NAME_HINT_WORDS))


@lru_cache(maxsize=KEY_CACHE)
def _strong_name_key(key: str | None) -> bool:
    compact = re.sub(r"[^a-z_\u4e00-\u9fff]", "", (key or "").lower())
    return any(h in compact for h in _STRONG_NAME_HINTS)


@recogniser("name", key=_name_key, per_value=True)
def recognise_name(group: Group) -> Iterator[PIMatch]:
    """Personal names, only under a key hint: realName, userName, consignee, contact, 姓名, 联系人,
    收货人 (high); a generic "name" key (shop names, product names share it) gives medium."""
    for scalar in group.scalars:
        if not scalar.whole or not is_person_name(scalar.text):
            continue
        if _strong_name_key(scalar.key):
            yield match("name", scalar, scalar.text.strip(), "high")
        elif key_tokens(scalar.key) & set(_NAME_HINT_WORDS) and not _thing_name_key(scalar.key):
            yield match("name", scalar, scalar.text.strip(), "medium")


def _thing_name_key(key: str | None) -> bool:
    """goodsName, shopName, cityName...: a name, but not of a person."""
    return bool(key_tokens(key) & {"goods", "shop", "store", "city", "province", "county", "product", "item",
                                   "app", "file", "page", "brand", "category", "event", "tag", "sku", "poi",
                                   "company", "org", "school", "dept", "level", "title", "type"})


# ---------------------------------------------------------------------------------------------- addresses

_PROVINCE_OR_CITY = (
    r"(?:北京|天津|上海|重庆|河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|"
    r"云南|陕西|甘肃|青海|台湾|内蒙古|广西|西藏|宁夏|新疆|香港|澳门)(?:省|市|自治区|特别行政区)?|"
    rf"{_HAN}{{2,4}}?[市州盟]"
)
_ADDRESS_RE = re.compile(
    rf"(?:{_PROVINCE_OR_CITY}){_HAN}{{0,8}}?{_HAN}{{1,6}}?[区县旗]"
    rf"[\u4e00-\u9fff0-9A-Za-z\-]{{0,30}}?(?:路|街|巷|弄|号|村|镇|小区|栋|单元|室|大道|胡同|里)"
    rf"[\u4e00-\u9fff0-9A-Za-z\-]{{0,30}}"
)
_STREET_RE = re.compile(r"\d+\s*(?:号|栋|单元|室|弄)|(?:路|街|巷|弄|村|镇|小区|大道|胡同)")
_ADDRESS_HINTS = ("address", "addr", "detailinfo", "detail_info", "detailaddress", "street", "收货地址", "地址", "住址")
_REGION_HINTS = ("provincename", "cityname", "countyname", "districtname")


_DISTRICT_RE = re.compile(r"[区县旗]")
_HAN_RE = re.compile(_HAN)
_DIGIT_RE = re.compile(r"\d")


def _address_screen(body: BodyView) -> bool:
    """Without an address or region key: a full address in a window around a district character (the
    windows of a value's characters lie inside the body's windows of the same characters)."""
    if any(address_key_role(k) for k in body.keys):
        return True
    if "区" not in body.text and "县" not in body.text and "旗" not in body.text:
        return False
    for index, district in enumerate(_DISTRICT_RE.finditer(body.text)):
        if index >= 4 * _MAX_DISTRICT_WINDOWS:
            return True
        if _ADDRESS_RE.search(body.text, max(0, district.start() - 20), district.end() + 32):
            return True
    return False


def _address_key(key: str) -> bool:
    return address_key_role(key) is not None


def _has_district(body: BodyView) -> bool:
    text = body.text
    return "区" in text or "县" in text or "旗" in text


# a value it can match is under an address or region key, or holds a full address: a district character
@recogniser("address", text=r"[区县旗]", key=_address_key, per_value=True, screen=_address_screen,
            text_screen=_has_district)
def recognise_address(group: Group) -> Iterator[PIMatch]:
    """Postal addresses: under an address key (address, addr, detailInfo, 收货地址) with a street
    token: high, without one: medium; province/city/county names alone: low; a full address
    (province/city + district + street token) anywhere: high in a whole value, medium in text."""
    for scalar in group.scalars:
        text = scalar.text.strip()
        if not _HAN_RE.search(text):
            continue
        role = address_key_role(scalar.key)
        if scalar.whole and role == "address":
            yield match("address", scalar, text, "high" if _STREET_RE.search(text) else "medium")
        elif scalar.whole and role == "region" and len(text) <= 12:
            yield match("address", scalar, text, "low")
        else:
            yield from _full_addresses(scalar)


@lru_cache(maxsize=KEY_CACHE)
def address_key_role(key: str | None) -> str | None:
    """ "address" for an address key (not an addressId), "region" for a province/city/county name key."""
    compact = re.sub(r"[^a-z_\u4e00-\u9fff]", "", (key or "").lower())
    if any(h in compact for h in _ADDRESS_HINTS) and not compact.endswith(("id", "code")):
        return "address"
    return "region" if any(h in compact for h in _REGION_HINTS) else None


_MAX_DISTRICT_WINDOWS = 64  # the address pattern backtracks: it only runs around a few 区/县/旗


def _full_addresses(scalar: Scalar) -> Iterator[PIMatch]:
    """The first full address in a value (overlapping spans would repeat it), looked for in a window
    around each district character rather than over the whole text."""
    text = scalar.text[:MAX_TEXT_CHARS]
    for index, district in enumerate(_DISTRICT_RE.finditer(text)):
        if index >= _MAX_DISTRICT_WINDOWS:
            return
        window_start = max(0, district.start() - 20)
        hit = _ADDRESS_RE.search(text, window_start, district.end() + 32)
        if hit is None:
            continue
        whole = scalar.whole and text.strip() == hit.group(0)
        confidence: Confidence = "high" if whole and _DIGIT_RE.search(hit.group(0)) else "medium"
        yield match("address", scalar, hit.group(0), confidence)
        return
