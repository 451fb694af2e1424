"""RTS-003: the user cannot view, copy or correct the personal data collected (PIPL 45–46).

Decided from the recorded screens, for the categories the session saw sent to the program's own services
(strong matches of phone, name, ID, address, email, bank card, plate, passport in its flows):

- *viewable*: a 个人信息 / 个人资料 / 我的信息 page (its title, probes/pages.py) shows the category's
  label (手机号, 姓名, 身份证 ...);
- *editable*: that page, or a screen reached from it (a crawl path through it, or a scenario tap on it),
  shows an edit control (编辑, 修改, 更正 ...) or an input;
- *copyable*: one of those screens shows a copy/export control (复制, 导出, 下载, 副本, 发送至邮箱), or any
  recorded screen shows an export entry (导出个人信息, 获取个人信息副本 ...).

A finding may go to court, so a FAIL needs a complete settings crawl (scenario step ``crawl``, result ok):
"not viewable" when no profile page within the crawl shows the category, "not editable" / "not copyable"
when the crawl also explored below every profile page that shows them (its path shorter than the crawl's
depth). Short of that — a profile page reached by explicit taps only, or at the crawl's last level — the
same observations are WARNs. A copy FAIL also becomes a WARN when a policy screen says copies are given on
request (副本/复制/导出 in its text). Not tested without a complete crawl or a profile page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from harness.event_views import Event, Flow, Step, UISnapshot
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import (
    is_platform_host,
    is_tap,
    lexicon_match,
    program_pi_flows,
    screen_before,
    since_start,
    snapshots,
)
from probes.finding import FindingDraft
from probes.pages import (
    CONTROL_MAX_CHARS,
    POLICY_NAMES,
    below,
    complete_crawls,
    controls_matching,
    crawl_depth,
    page_texts,
    policy_screens,
    profile_screens,
    screen_titles,
)
from probes.registry import probe

# The categories a user expects to see on their own data page, and the labels that show them.
CATEGORY_LABELS: dict[str, tuple[str, ...]] = {
    "phone": ("手机号", "手机", "电话", "联系方式"),
    "name": ("姓名", "真实姓名", "联系人", "名字"),
    "id_card": ("身份证",),
    "address": ("地址",),
    "email": ("邮箱", "电子邮件", "email", "e-mail"),
    "bank_card": ("银行卡", "卡号"),
    "licence_plate": ("车牌",),
    "passport": ("护照",),
}
LABEL_MAX_CHARS = 20  # a field's label (手机号：139****5678), not a sentence that mentions the word
EDIT_CONTROL = re.compile(r"编辑|修改|更正|更改|完善资料")
COPY_CONTROL = re.compile(r"复制|导出|下载|副本|发送至邮箱")
EXPORT_ENTRY = re.compile(r"(?:导出|下载|获取|申请|复制)[^，。]{0,6}(?:个人信息|个人数据|我的信息|我的数据|资料)|个人信息副本|发送至邮箱")
EXPORT_ENTRY_MAX_CHARS = 16
COPY_ON_REQUEST = re.compile(r"副本|复制|导出")
NEGATED = re.compile(r"不可|不能|无法|不支持|禁止|暂不")  # 资料开卡后不可更改 is no edit control


@dataclass(frozen=True)
class Collected:
    category: str
    flows: tuple[Flow, ...]


def collected(timeline: Timeline, config: ProbeConfig) -> list[Collected]:
    """The profile categories the program sent to its own services (platform hosts left out), in first-seen order."""
    by_type: dict[str, list[Flow]] = {}
    for flow, program in program_pi_flows(timeline, config):
        if is_platform_host(flow.host, config):
            continue
        for match in program:
            if match.type in CATEGORY_LABELS and flow not in by_type.setdefault(match.type, []):
                by_type[match.type].append(flow)
    return [Collected(kind, tuple(flows)) for kind, flows in by_type.items()]


def shows(snapshot: UISnapshot, category: str) -> bool:
    """The page shows the category's field: its label, or an input for it (which holds the value; values
    are never recorded, placeholders are)."""
    fields = [e.text for e in snapshot.elements if e.kind in ("input", "textarea") and not e.native]
    return any(
        len(t) <= LABEL_MAX_CHARS and lexicon_match(t, CATEGORY_LABELS[category]) for t in [*page_texts(snapshot), *fields]
    )


def reached_from(timeline: Timeline, profile: UISnapshot) -> list[UISnapshot]:
    """The profile page and the screens reached from it: below it in a crawl, or the screen a scenario tap on it
    led to."""
    reached = [profile, *(s for s in snapshots(timeline) if below(s, profile))]
    for step in timeline.of(Step):
        if is_tap(step) and step.t > profile.t and screen_before(timeline, step.t) is profile:
            after = next((s for s in snapshots(timeline) if s.t > step.t), None)
            if after is not None and after not in reached:
                reached.append(after)
    return reached


def explored_below(profile: UISnapshot, depth: int | None) -> bool:
    """A complete crawl tapped everything on the profile page (it was above the crawl's last level)."""
    return depth is not None and profile.crawl_path is not None and len(profile.crawl_path) < depth


def _status(proven: bool) -> str:
    return "fail" if proven else "warn"


def _copy_on_request(timeline: Timeline) -> bool:
    return any(COPY_ON_REQUEST.search(" ".join(s.body)) for s in policy_screens(timeline, POLICY_NAMES))


@probe(
    id="pi_rights",
    title="Collected personal data cannot be viewed, copied or corrected",
    rules=("RTS-003",),
    needs=("rights_screens",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    categories = collected(timeline, config)
    if not categories:
        return
    crawls = complete_crawls(timeline)
    depth = max((crawl_depth(c) or 0 for c in crawls), default=None)
    profiles = profile_screens(timeline)
    sent = {c.category: c for c in categories}
    unseen = [c for c in categories if not any(shows(p, c.category) for p in profiles)]
    if unseen:
        yield _not_viewable(timeline, unseen, crawls, profiles)
    shown = [c for c in categories if c not in unseen]
    showing = [p for p in profiles if any(shows(p, c.category) for c in shown)]
    if not showing:
        return
    reached = [s for p in showing for s in reached_from(timeline, p)]
    explored = bool(crawls) and all(explored_below(p, depth) for p in showing)
    flows = [f for c in shown for f in sent[c.category].flows[:1]]
    names = ", ".join(c.category for c in shown)
    evidence = _unique([*flows, *showing[:2], *crawls[:1]])
    if not any(_offered(s, EDIT_CONTROL) or _inputs(s) for s in reached):
        yield FindingDraft(
            rule="RTS-003",
            status=_status(explored),
            statement=f"{names} sent to the service are shown on “{_title(showing[0])}” "
            f"({since_start(timeline, showing[0].t)}) with no edit control or input there"
            + ("" if explored else " (the screens behind it were not all explored)"),
            events=evidence,
            key=("no_edit", *sorted(c.category for c in shown)),
        )
    exported = any(_offered(s, COPY_CONTROL) for s in reached) or any(
        _offered(s, EXPORT_ENTRY, EXPORT_ENTRY_MAX_CHARS) for s in snapshots(timeline)
    )
    if not exported:
        on_request = _copy_on_request(timeline)
        note = "" if explored else " (the screens behind it were not all explored)"
        if on_request:
            note += "; a policy screen mentions copies on request"
        yield FindingDraft(
            rule="RTS-003",
            status=_status(explored and not on_request),
            statement=f"{names} can be viewed on “{_title(showing[0])}” but no recorded screen offers to copy or "
            f"export them (复制/导出/下载/副本/发送至邮箱){note}",
            events=evidence,
            key=("no_copy", *sorted(c.category for c in shown)),
        )


def _not_viewable(timeline: Timeline, unseen: list[Collected], crawls: list[Step],
                  profiles: list[UISnapshot]) -> FindingDraft:
    names = ", ".join(c.category for c in unseen)
    hosts = ", ".join(dict.fromkeys(f.host for c in unseen for f in c.flows))
    if crawls:
        where = f"no 个人信息/个人资料 page within the crawl ({crawls[0].detail}) shows them"
    else:
        where = "the 个人信息/个人资料 page visited does not show them (no complete crawl looked further)"
    return FindingDraft(
        rule="RTS-003",
        status=_status(bool(crawls)),
        statement=f"{names} sent to {hosts}: {where}",
        events=_unique([*(c.flows[0] for c in unseen), *profiles[:1], *crawls[:1]]),
        key=("not_viewable", *sorted(c.category for c in unseen)),
    )


def _offered(snapshot: UISnapshot, pattern: re.Pattern[str], max_chars: int = CONTROL_MAX_CHARS) -> bool:
    """A control of ``pattern`` is offered: a short matching text that does not say it is not (不可更改)."""
    return any(not NEGATED.search(e.text) for e in controls_matching(snapshot, pattern, max_chars))


def _inputs(snapshot: UISnapshot) -> bool:
    return any(e.kind in ("input", "textarea") and not e.native for e in snapshot.elements)


def _title(snapshot: UISnapshot) -> str:
    titles = screen_titles(snapshot)
    return titles[0] if titles else (snapshot.page or "a profile page")


def _unique(events: list[Event]) -> list[Event]:
    """Each event once (two categories may come from one flow)."""
    return list({e.seq: e for e in events}.values())
