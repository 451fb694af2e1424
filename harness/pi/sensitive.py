"""Health and religious-belief data (RECOGNISERS.md 11): sensitive personal information under PIPL
art. 28 (医疗健康, 宗教信仰). Keywords alone are not evidence: a health-tips article names diseases,
a travel guide names temples. A value counts when a key says what it is (diagnosis, allergy,
religion, 病史, 宗教信仰) or a form label does in a text ("既往病史：高血压"); a first-person
statement ("本人患有哮喘", "我信仰佛教") is medium."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache

from harness.pi.core import (
    KEY_CACHE,
    BodyView,
    Group,
    Scalar,
    bounded_finditer,
    first_char_screen,
    key_tokens,
    match,
    recogniser,
)
from harness.timeline import PIMatch

# what a key must hold (lower-cased, separators removed) to name health data; "health" alone is too
# often a server's health check, "medicine" a pharmacy's catalogue
_HEALTH_KEYS = ("disease", "diagnos", "illness", "symptom", "allerg", "medicalhistory", "medicalrecord",
                "pasthistory", "pregnan", "bloodtype", "healthcondition", "healthstatusdesc", "病史", "病历",
                "诊断", "疾病", "症状", "过敏", "处方", "体检结果", "体检报告", "血型", "孕周", "既往史", "病情",
                "患病", "健康状况", "残疾")
_RELIGION_KEYS = ("religion", "religious", "faith", "宗教", "信仰")
# keys of a form's furniture, not of an answer: {"allergyTip": "请填写过敏史"}, {"diseaseOptions": [...]}
_NOT_ANSWER_WORDS = frozenset({"tip", "tips", "hint", "placeholder", "label", "title", "desc", "description",
                               "question", "option", "options", "example", "enabled", "required", "show", "visible"})
_EMPTY = frozenset({"", "无", "none", "null", "undefined", "n/a", "na", "false", "true", "0", "1", "-", "/", "暂无"})

_HEALTH_LABEL = re.compile(
    r"(既往病史|病史|过敏史|过敏源|诊断结果|诊断|确诊疾病|所患疾病|疾病名称|健康状况|血型)\s*[:：]\s*([^\s,，;；。:：]{1,30})")
_HEALTH_STATEMENT = re.compile(r"(?:本人|我|患者)(?:已)?(?:患有|确诊为?|诊断为)\s*([\u4e00-\u9fffA-Za-z0-9]{2,12})")
_RELIGION_LABEL = re.compile(r"(宗教信仰|宗教|信仰)\s*[:：]\s*([^\s,，;；。:：]{1,20})")
_RELIGIONS = "佛教|基督教|伊斯兰教|天主教|道教|东正教|犹太教|印度教|藏传佛教|新教"
_RELIGION_STATEMENT = re.compile(rf"(?:我|本人)(?:信仰|信奉|皈依|信)\s*({_RELIGIONS})")


@lru_cache(maxsize=KEY_CACHE)
def _compact(key: str | None) -> str:
    return re.sub(r"[^a-z0-9\u4e00-\u9fff]", "", (key or "").lower())


def _answer_key(key: str | None, hints: tuple[str, ...]) -> bool:
    return any(h in _compact(key) for h in hints) and not key_tokens(key) & _NOT_ANSWER_WORDS


def health_key(key: str | None) -> bool:
    return _answer_key(key, _HEALTH_KEYS)


def religion_key(key: str | None) -> bool:
    return _answer_key(key, _RELIGION_KEYS)


def _content(scalar: Scalar) -> str | None:
    """A whole value that says something: not a flag, a placeholder, a number or an empty answer."""
    value = scalar.text.strip()
    if not scalar.whole or scalar.number or value.lower() in _EMPTY or len(value) > 200:
        return None
    return value if re.search(r"[A-Za-z\u4e00-\u9fff]", value) else None


_HEALTH_FIRST, _HEALTH_REST = "史源果断病称况型患确诊", r"\s*[:：]|有|诊|断为"
_RELIGION_FIRST, _RELIGION_REST = "仰教我人", r"\s*[:：]|信|皈依"
_HEALTH_GATE = rf"[{_HEALTH_FIRST}](?:{_HEALTH_REST})"
_RELIGION_GATE = rf"[{_RELIGION_FIRST}](?:{_RELIGION_REST})"


def _screen(gate: str, *words: str) -> Callable[[BodyView], bool]:
    """The gate searched only when one of its second parts (a colon after a label, a word) occurs."""
    pattern = re.compile(gate)

    def screen(body: BodyView) -> bool:
        opened = body.label_colon or any(w in body.text for w in words)
        return opened and pattern.search(body.text) is not None

    return screen


# a label's last character before its colon, or 患有 / 确诊 / 诊断为 (one character class first: fast to skip to)
@recogniser("health", key=health_key, text=_HEALTH_GATE, per_value=True, screen=_screen(_HEALTH_GATE, "有", "诊", "断为"),
            text_screen=first_char_screen(_HEALTH_FIRST, _HEALTH_REST))
def recognise_health(group: Group) -> Iterator[PIMatch]:
    """Health data: a value under a health key (diagnosis, allergy, bloodType, 病史, 过敏) - high; a
    labelled value in a text ("既往病史：高血压") - high; "本人患有..." - medium."""
    for scalar in group.scalars:
        value = _content(scalar) if health_key(scalar.key) else None
        if value is not None:
            yield match("health", scalar, value, "high")
            continue
        for hit in bounded_finditer(_HEALTH_LABEL, scalar.text):
            if hit.group(2).lower() not in _EMPTY:
                yield match("health", scalar, hit.group(2), "high")
        for hit in bounded_finditer(_HEALTH_STATEMENT, scalar.text):
            yield match("health", scalar, hit.group(1), "medium")


@recogniser("religion", key=religion_key, text=_RELIGION_GATE, per_value=True, screen=_screen(_RELIGION_GATE, "信", "皈依"),
            text_screen=first_char_screen(_RELIGION_FIRST, _RELIGION_REST))
def recognise_religion(group: Group) -> Iterator[PIMatch]:
    """Religious belief: a value under a religion key (religion, faith, 宗教信仰) - high; a labelled
    value in a text ("宗教信仰：佛教") - high; "我信仰佛教" - medium."""
    for scalar in group.scalars:
        value = _content(scalar) if religion_key(scalar.key) else None
        if value is not None:
            yield match("religion", scalar, value, "high")
            continue
        for hit in bounded_finditer(_RELIGION_LABEL, scalar.text):
            if hit.group(2).lower() not in _EMPTY:
                yield match("religion", scalar, hit.group(2), "high")
        for hit in bounded_finditer(_RELIGION_STATEMENT, scalar.text):
            yield match("religion", scalar, hit.group(1), "medium")
