"""DIS-001: the operator named in WeChat's 更多资料 differs from the one the program's policy names (CVERC).

更多资料 (WeChat's page behind the capsule's ···) shows the 账号主体: the entity that registered the mini
program. The program's own privacy policy names the handler ("本政策适用于XX有限公司运营的 ..."). FAIL (low)
when the policy names one or more entities, none of them is the 账号主体, and the 账号主体 appears nowhere in
the policy (a policy that names it as operator, or discloses it as the service provider it entrusts, is
consistent). A policy that names no entity is no finding here. Not tested unless both 更多资料 and the
program's own policy screen were recorded. WeChat's guide is left out: the sim's guide names no entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.event_views import UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import shorten, since_start, snapshots
from probes.finding import FindingDraft
from probes.pages import MORE_INFO_TITLE, POLICY_NAMES, platform_pages, policy_screens
from probes.registry import probe

OPERATOR_LABELS = ("账号主体", "主体信息", "运营主体")
ENTITY_SUFFIX = r"(?:股份有限公司|有限责任公司|有限公司|集团|事务所|工作室|合作社|研究院)"
# An entity name: Han, brackets and middle dots, ending in a legal-form suffix; it starts after a boundary word.
ENTITY = re.compile(rf"[\u4e00-\u9fff（）()·]{{2,40}}?{ENTITY_SUFFIX}")
BOUNDARY = re.compile(r".*(?:由|为|是|系|指|即|与|和|及|适用于|本政策|本指引|我们|：|:)")
NOT_ENTITIES = ("第三方", "合作方", "关联公司", "本公司")


def more_info_operator(snapshot: UISnapshot) -> str | None:
    """The 账号主体 a recorded 更多资料 page shows: the text after its label."""
    for title, layer in platform_pages(snapshot):
        if title != MORE_INFO_TITLE:
            continue
        texts = [e.text.strip() for e in layer if e.kind == "text" and e.text.strip()]
        for index, text in enumerate(texts[:-1]):
            if text in OPERATOR_LABELS and ENTITY.search(texts[index + 1]):
                return texts[index + 1]
    return None


def entities_in(text: str) -> list[str]:
    """Legal entity names in policy text, without the words before them (本小程序由上海悦享网络科技有限公司 ...)."""
    found: list[str] = []
    for hit in ENTITY.finditer(text):
        name = BOUNDARY.sub("", hit.group(0))
        stem = re.sub(ENTITY_SUFFIX + "$", "", name)
        if len(stem) >= 2 and not any(w in name for w in NOT_ENTITIES):
            found.append(name)
    return list(dict.fromkeys(found))


def _key(name: str) -> str:
    return re.sub(r"[（）()·\s]", "", name)


def same_entity(a: str, b: str) -> bool:
    """One name is the other, up to brackets and a shortened prefix (悦享网络科技有限公司 ~ 上海悦享网络科技有限公司)."""
    return _key(a) in _key(b) or _key(b) in _key(a)


@probe(
    id="operator_identity",
    title="Operator entity in 更多资料 differs from the policy's",
    rules=("DIS-001",),
    needs=("more_info", "policy_text"),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    shown = [(s, name) for s in snapshots(timeline) if (name := more_info_operator(s)) is not None]
    own = [p for p in policy_screens(timeline, POLICY_NAMES) if not p.platform]
    if not shown or not own:
        return
    page, operator = shown[0]
    text = " ".join(p.text for p in own)
    named = entities_in(text)
    if not named or _key(operator) in _key(text) or any(same_entity(operator, n) for n in named):
        return
    policy = own[0]
    yield FindingDraft(
        rule="DIS-001",
        status="fail",
        statement=f"更多资料 ({since_start(timeline, page.t)}) names the operator “{shorten(operator)}”, the policy "
        f"“{shorten(policy.title)}” ({since_start(timeline, policy.snapshot.t)}) names "
        f"{', '.join(f'“{shorten(n)}”' for n in named)} and does not mention it",
        events=[page, policy.snapshot],
        key=("operator", _key(operator), *sorted(_key(n) for n in named)),
    )
