"""SEC-004: secrets on the client (probes/exposed_secrets.py)."""

from __future__ import annotations

import probes
from probes.testing import TimelineBuilder, pi


def sec004(tl):  # type: ignore[no-untyped-def]
    return [f.statement.split(":")[0] for f in probes.analyse(tl) if f.rule == "SEC-004"]


def test_jscode2session_from_the_client_fails_twice() -> None:
    tl = (
        TimelineBuilder()
        .flow(
            1.0,
            "https://api.weixin.qq.com/sns/jscode2session?secret=4f1***a60",
            method="GET",
            pi=[
                pi("app_secret", "4f1***a60", location="url.query:secret"),
                pi("session_key", "tii***Q==", location="response.body.json:$.session_key"),
            ],
        )
        .end(5)
        .build()
    )
    assert sorted(sec004(tl)) == ["AppSecret sent by the client", "session_key delivered to the client"]


def test_cloud_key_pattern_and_token_to_wechat() -> None:
    tl = (
        TimelineBuilder()
        .flow(1.0, "https://cos.example/put?k=AKID" + "a" * 32, method="GET")
        .flow(
            2.0,
            "https://api.weixin.qq.com/cgi-bin/x",
            pi=[pi("access_token", "ab***yz", location="url.query:access_token")],
        )
        .flow(
            3.0,
            "https://api.own.example/x",
            pi=[pi("access_token", "ab***yz", location="url.query:access_token")],
        )
        .end(5)
        .build()
    )
    assert sec004(tl) == [
        "cloud access key in traffic",
        "access_token sent by the client to api.weixin.qq.com",
    ]


def test_code_exchange_on_own_server_passes() -> None:
    tl = (
        TimelineBuilder()
        .flow(1.0, "https://api.own.example/login", pi=[pi("openid", "oXk***bQe")])
        .end(5)
        .build()
    )
    assert sec004(tl) == [] and probes.rule_status(tl)["SEC-004"] == "pass"
