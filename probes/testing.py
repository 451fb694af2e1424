"""Hand-built timelines for probe tests: explicit seqs, times in seconds since session start.

tl = (TimelineBuilder()
      .api(1.2, "getLocation")
      .prompt(2.0, "privacy_popup", ["用户隐私保护提示"], ["拒绝", "同意"])
      .consent(3.0, "agree")
      .end(10.0)
      .build())
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from harness.timeline import (
    ApiCall,
    ClockSync,
    Consent,
    Event,
    Flow,
    Lifecycle,
    PIMatch,
    Prompt,
    PromptKind,
    SessionEnd,
    SessionStart,
    Source,
    Step,
    StorageWrite,
    Timeline,
    UIButton,
    UIElement,
    UISnapshot,
)

BASE_T = 5_000_000_000_000  # an arbitrary host monotonic origin: probes must only use differences
APPID = "wx0123456789abcdef"


def at_ns(seconds: float) -> int:
    return BASE_T + round(seconds * 1_000_000_000)


def pi(
    type: str = "phone",
    masked: str = "138****5678",
    confidence: str = "high",
    canary: str | None = None,
    location: str = "body.json:$.phone",
) -> PIMatch:
    return PIMatch(type=type, location=location, masked=masked, confidence=confidence, canary=canary)  # type: ignore[arg-type]


def button(text: str, role: str = "other", clickable: bool = True) -> UIButton:
    return UIButton(text=text, role=role, clickable=clickable)  # type: ignore[arg-type]


class TimelineBuilder:
    """Appends events with consecutive seqs (or the seq given) at ``seconds`` after session start."""

    def __init__(
        self,
        *,
        start: bool = True,
        clock_error_ms: float = 0,
        appid: str = APPID,
        first_seq: int = 0,
        t_offset_s: float = 0.0,
    ) -> None:
        self.events: list[Event] = []
        self._next_seq = first_seq
        self._offset = t_offset_s
        self.appid = appid
        if start:
            self.add(
                SessionStart,
                0.0,
                "harness",
                session_id="s1",
                device="sim-1",
                device_kind="sim",
                appid=appid,
                scenario="test",
                tool_version="0.1.0",
                clock=ClockSync(error_ns=round(clock_error_ms * 1_000_000)),
            )

    def add(
        self, kind: type[Any], seconds: float, source: Source, seq: int | None = None, **fields: Any
    ) -> TimelineBuilder:
        if seq is None:
            seq = self._next_seq
        self._next_seq = max(self._next_seq, seq + 1)
        t = at_ns(seconds + self._offset)
        self.events.append(kind(seq=seq, t=t, wall="2026-01-01T00:00:00Z", source=source, **fields))
        return self

    @property
    def last(self) -> Event:
        return self.events[-1]

    def end(
        self, seconds: float, outcome: str = "ok", clock_error_ms: float = 0, **fields: Any
    ) -> TimelineBuilder:
        return self.add(
            SessionEnd,
            seconds,
            "harness",
            outcome=outcome,
            clock=ClockSync(error_ns=round(clock_error_ms * 1_000_000)),
            **fields,
        )

    def tap(self, seconds: float, target: str, result: str = "ok", **fields: Any) -> TimelineBuilder:
        index = sum(isinstance(e, Step) for e in self.events)
        return self.add(
            Step, seconds, "scenario", index=index, action="tap", target=target, result=result, **fields
        )

    def prompt(
        self,
        seconds: float,
        prompt_kind: PromptKind,
        texts: Sequence[str],
        buttons: Iterable[str | UIButton],
        *,
        title: str | None = None,
        scope: str | None = None,
        screenshot: str | None = None,
        mentions_privacy: bool = False,
        **fields: Any,
    ) -> TimelineBuilder:
        return self.add(
            Prompt,
            seconds,
            "driver",
            prompt_kind=prompt_kind,
            title=title,
            texts=list(texts),
            buttons=[b if isinstance(b, UIButton) else UIButton(text=b) for b in buttons],
            scope=scope,
            screenshot=screenshot,
            mentions_privacy=mentions_privacy,
            **fields,
        )

    def consent(
        self,
        seconds: float,
        action: str = "agree",
        subject: str = "privacy",
        how: str = "tap",
        prompt_seq: int | None = None,
        **fields: Any,
    ) -> TimelineBuilder:
        return self.add(
            Consent,
            seconds,
            "driver",
            action=action,
            subject=subject,
            how=how,
            prompt_seq=prompt_seq,
            **fields,
        )

    def api(
        self,
        seconds: float,
        api: str,
        ok: bool | None = True,
        *,
        result_after: float | None = 0.01,
        err_msg: str | None = None,
        errno: int | None = None,
        args: Any = None,
        **fields: Any,
    ) -> TimelineBuilder:
        t_result = None if result_after is None else at_ns(seconds + result_after + self._offset)
        if err_msg is None and ok is not None:
            err_msg = f"{api}:ok" if ok else f"{api}:fail"
        return self.add(
            ApiCall,
            seconds,
            "frida",
            api=api,
            ok=ok,
            t_result=t_result,
            err_msg=err_msg,
            errno=errno,
            args=args,
            **fields,
        )

    def flow(
        self,
        seconds: float,
        url: str,
        *,
        pi: Sequence[PIMatch] = (),
        method: str = "POST",
        tls_version: str | None = None,
        flow_id: str | None = None,
        **fields: Any,
    ) -> TimelineBuilder:
        parts = urlsplit(url)
        if tls_version is None and parts.scheme in ("https", "wss"):
            tls_version = "TLSv1.3"
        return self.add(
            Flow,
            seconds,
            "proxy",
            flow_id=flow_id or f"flow-{self._next_seq}",
            url=url,
            scheme=parts.scheme,
            host=parts.hostname or "",
            method=method,
            status=200,
            tls_version=tls_version,
            pi=list(pi),
            appid=fields.pop("appid", self.appid),
            **fields,
        )

    def storage(
        self, seconds: float, key: str, *, pi: Sequence[PIMatch] = (), value_class: str = "object"
    ) -> TimelineBuilder:
        return self.add(StorageWrite, seconds, "frida", key=key, value_class=value_class, pi=list(pi))

    def lifecycle(self, seconds: float, event: str, page: str | None = None) -> TimelineBuilder:
        return self.add(Lifecycle, seconds, "frida", event=event, page=page)

    def snapshot(
        self,
        seconds: float,
        screenshot: str,
        texts: Sequence[str] = (),
        elements: Sequence[UIElement] = (),
        page: str | None = None,
    ) -> TimelineBuilder:
        """A page snapshot; ``texts`` default to the texts of ``elements``."""
        shown = list(texts) or [e.text for e in elements if e.kind == "text" and e.text]
        return self.add(
            UISnapshot, seconds, "driver", screenshot=screenshot, texts=shown, elements=list(elements), page=page
        )

    def crawl(
        self,
        seconds: float,
        screens: Sequence[tuple[Sequence[str], str, Sequence[UIElement]]],
        *,
        depth: int = 4,
        first: str | None = None,
        result: str = "ok",
        detail: str | None = None,
    ) -> TimelineBuilder:
        """A scenario step `crawl`: each (crawl_path, page, elements) a UISnapshot 0.1 s apart, then its Step
        (detail "N screens, depth D" unless given; a failed crawl says why it stopped)."""
        for n, (path, page, elements) in enumerate(screens):
            self.add(UISnapshot, seconds + 0.1 * n, "driver", screenshot=f"crawl-{n}.png",
                     texts=[e.text for e in elements if e.text], elements=list(elements), page=page,
                     crawl_path=list(path))
        index = sum(isinstance(e, Step) for e in self.events)
        target = json.dumps({"from": first, "depth": depth, "screens": 40, "seconds": 120.0}, ensure_ascii=False)
        return self.add(Step, seconds, "scenario", index=index, action="crawl", target=target, result=result,
                        detail=detail or f"{len(screens)} screens, depth {depth}")

    def build(self) -> Timeline:
        return Timeline(self.events)


def element(kind: str, text: str = "", **fields: Any) -> UIElement:
    """A snapshot element: ``element("checkbox", "我已阅读并同意《隐私政策》", checked=False)``."""
    return UIElement(kind=kind, text=text, **fields)  # type: ignore[arg-type]


def texts(*words: str) -> list[UIElement]:
    """Text elements for a snapshot."""
    return [UIElement(kind="text", text=w) for w in words]
