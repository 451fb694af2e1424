"""RTS-005: no contact or complaint channel in the privacy guide or policy (PIPL 50).

Reads the policy screens the session recorded (probes/pages.py: 隐私政策, 隐私保护指引, 用户协议 ... as the
title, with policy text under it) and looks for a channel a user can reach the handler through:

- an email address or a phone number, by the personal-data recognisers (harness/pi: an email anywhere, a
  mobile number the phone recogniser rates high — a contact word beside it);
- a service or landline number: 400/800 numbers, and 0xx-xxxxxxxx beside 电话/热线/客服/联系;
- a QQ number (QQ：12345678) or a WeChat id / official account (微信：xxx, 公众号：xxx);
- a control that opens WeChat's customer-service chat (button open-type="contact").

FAIL (low) when the program's own policy was recorded and neither it nor the guide names one; WARN instead
when the recording may have cut the text (a text at the page-state clip, or the element limit), or when only
the platform's guide was recorded (the program's own policy may name one). Not tested without a policy screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from harness.pi.contact import recognise_email
from harness.pi.core import Group, Scalar
from harness.pi.phone import recognise_phone
from harness.timeline import Timeline
from probes.config import ProbeConfig
from probes.evidence import shorten, since_start
from probes.finding import FindingDraft
from probes.pages import POLICY_NAMES, PolicyScreen, policy_screens
from probes.registry import probe

SERVICE_NUMBER = re.compile(r"(?<!\d)[48]00[-\s]?\d{3}[-\s]?\d{4}(?!\d)")
LANDLINE = re.compile(r"(?i)(?:电话|热线|客服|联系|tel)[^0-9\n]{0,8}(?<!\d)0\d{2,3}[-\s]?\d{7,8}(?!\d)")
QQ_NUMBER = re.compile(r"(?i)QQ(?:号|群)?\s*[:：]\s*[1-9]\d{4,11}(?!\d)")
WECHAT_ID = re.compile(
    r"(?i)(?:微信号?|公众号|服务号|weixin|wechat)\s*[:：]\s*[「“\"《]?[A-Za-z\u4e00-\u9fff][-_A-Za-z0-9\u4e00-\u9fff]{2,29}"
)
CONTACT_OPEN_TYPES = ("contact",)


@dataclass(frozen=True)
class Channel:
    kind: str  # email | phone | service number | landline | QQ | WeChat | 客服 control
    screen: PolicyScreen


def _recognised(text: str) -> list[str]:
    """Email addresses and (contact-worded) mobile numbers in free text, by the personal-data recognisers."""
    group = Group(member_prefix="page:", key=None, scalars=(Scalar("page.text", None, text, whole=False),))
    kinds = ["email" for _ in recognise_email(group)]
    kinds += ["phone" for m in recognise_phone(group) if m.confidence == "high"]
    return kinds


def channels_on(screen: PolicyScreen) -> list[Channel]:
    """The contact channels a policy screen names (each kind once)."""
    kinds: list[str] = []
    for text in screen.body:
        kinds += _recognised(text)
        kinds += [kind for kind, pattern in (("service number", SERVICE_NUMBER), ("landline", LANDLINE),
                                             ("QQ", QQ_NUMBER), ("WeChat", WECHAT_ID)) if pattern.search(text)]
    if any(c.open_type in CONTACT_OPEN_TYPES for c in screen.controls):
        kinds.append("客服 control")
    return [Channel(kind, screen) for kind in dict.fromkeys(kinds)]


def distinct(screens: Sequence[PolicyScreen]) -> list[PolicyScreen]:
    """The first recording of each policy (platform or own, title, route): repeats add nothing to a statement."""
    seen: dict[tuple[bool, str, str | None], PolicyScreen] = {}
    for screen in screens:
        seen.setdefault((screen.platform, screen.title, screen.snapshot.page), screen)
    return list(seen.values())


def _described(timeline: Timeline, screen: PolicyScreen) -> str:
    where = "the platform's guide" if screen.platform else "the policy page"
    return f"{where} “{shorten(screen.title)}” ({since_start(timeline, screen.snapshot.t)})"


@probe(
    id="contact_channel",
    title="No contact or complaint channel in the guide or policy",
    rules=("RTS-005",),
    needs=("policy_text",),
)
def check(timeline: Timeline, config: ProbeConfig) -> Iterator[FindingDraft]:
    screens = policy_screens(timeline, POLICY_NAMES)
    if not screens or any(channels_on(s) for s in screens):
        return
    shown = distinct(screens)
    own = [s for s in shown if not s.platform]
    described = "; ".join(_described(timeline, s) for s in shown)
    statement = f"{described}: no email address, phone number, QQ or WeChat id, nor a 客服 control"
    status = "fail"
    if not own:
        status, statement = "warn", statement + "; the mini program's own policy was not recorded"
    elif any(s.clipped for s in screens):
        status, statement = "warn", statement + "; the recording may have cut the policy text (page-state limits)"
    yield FindingDraft(
        rule="RTS-005",
        status=status,
        statement=statement,
        events=list({s.snapshot.seq: s.snapshot for s in shown}.values()),
        key=("no_contact", *sorted({s.title for s in shown})),
    )
