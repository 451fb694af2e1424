"""WeChat ids, secrets and credentials (RECOGNISERS.md 6, 11): openid, unionid, session_key, AppSecret,
access_token, cloud access keys, passwords and tokens under key hints."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator

from harness.pi.core import SEARCH, BodyView, Group, bounded_finditer, has_hint, key_tokens, match, recogniser
from harness.timeline import PIMatch

_OPENID_RE = re.compile(r"[A-Za-z0-9_-]{28}")
_UNIONID_RE = re.compile(r"[A-Za-z0-9_-]{28,29}")
_SESSION_KEY_RE = re.compile(r"[A-Za-z0-9+/]{22}==")
APPID_RE = re.compile(r"wx[0-9a-f]{16}")
_SECRET_RE = re.compile(r"[0-9a-f]{32}")
# Tencent Cloud SecretId, Alibaba Cloud AccessKey ID, AWS access key id
_CLOUD_KEY_RE = re.compile(r"(?<![0-9A-Za-z])(AKID[0-9A-Za-z]{32}|LTAI[0-9A-Za-z]{12,20}|AKIA[0-9A-Z]{16})(?![0-9A-Za-z])")
_ACCESS_TOKEN_IN_TEXT = re.compile(r"(?i)[?&;\s]access_token=([^&\s\"'#]{16,512})")
_SECRET_IN_TEXT = re.compile(r"(?i)[?&;\s]secret=([0-9a-f]{32})(?![0-9a-f])")


def _looks_like_openid(value: str) -> bool:
    """28 url-safe characters with letters and digits mixed (not a word, not a number)."""
    return bool(_OPENID_RE.fullmatch(value) and re.search(r"\d", value) and re.search(r"[A-Za-z]", value))


def _wechat_id_key(key: str | None) -> bool:
    return has_hint(key, ("unionid",), ("unionid", "union_id")) or has_hint(key, ("openid",), ("openid", "open_id"))


def _openid_screen(body: BodyView) -> bool:
    """Without an openid/unionid key: a whole string value of an o and 27 id characters."""
    return any(_looks_like_openid(s.strip()) and s.strip()[:1] == "o" for s in body.opening_strings)


# under an openid/unionid key, or an o-prefixed value of 28 characters
@recogniser("openid", text=r"o[A-Za-z0-9_-]{27}", key=_wechat_id_key, per_value=True, screen=_openid_screen,
            text_screen=SEARCH)
def recognise_openid(group: Group) -> Iterator[PIMatch]:
    """OpenIDs (28 chars, by convention starting with "o") and UnionIDs (28-29). Under an openid /
    unionid key: high; an o-prefixed id-like whole value elsewhere: medium (tokens look alike)."""
    for scalar in group.scalars:
        value = scalar.text.strip()
        if not scalar.whole or not 28 <= len(value) <= 29:
            continue
        if has_hint(scalar.key, ("unionid",), ("unionid", "union_id")) and _UNIONID_RE.fullmatch(value):
            yield match("unionid", scalar, value, "high")
        elif has_hint(scalar.key, ("openid",), ("openid", "open_id")) and _OPENID_RE.fullmatch(value):
            yield match("openid", scalar, value, "high")
        elif value.startswith("o") and _looks_like_openid(value) and not _secretish_key(scalar.key):
            yield match("openid", scalar, value, "medium")


def _secretish_key(key: str | None) -> bool:
    """Keys of machine tokens that share an openid's form."""
    return has_hint(key, ("token", "sign", "signature", "key", "secret", "nonce", "hash", "trace", "request", "span",
                          "session", "ticket", "code"), ())


# "==" first: the regex engine skips to it, then looks back for the 22 characters
@recogniser("session_key", text=r"==(?<=[A-Za-z0-9+/]{22}==)", per_value=True, text_screen=SEARCH)
def recognise_session_key(group: Group) -> Iterator[PIMatch]:
    """session_key: base64 of 16 bytes (24 chars ending "=="). Under a session_key key: high; any
    other 16-byte base64 value is low (IVs, digests and nonces have the same form)."""
    for scalar in group.scalars:
        value = scalar.text.strip()
        if not scalar.whole or not _SESSION_KEY_RE.fullmatch(value) or not _is_16_bytes(value):
            continue
        hinted = has_hint(scalar.key, (), ("session_key", "sessionkey", "session-key"))
        yield match("session_key", scalar, value, "high" if hinted else "low")


def _is_16_bytes(value: str) -> bool:
    try:
        return len(base64.b64decode(value, validate=True)) == 16
    except (binascii.Error, ValueError):
        return False


def _secret_key(key: str | None) -> bool:
    return bool(key_tokens(key) & {"secret", "appsecret", "key", "appkey", "secretkey"})


# a whole value needs a secret/key key; "secret=" in a text (any case) otherwise
@recogniser("app_secret", text=r"=(?<=(?i:secret)=)", key=_secret_key, text_screen=SEARCH)

def recognise_app_secret(group: Group) -> Iterator[PIMatch]:
    """AppSecret: 32 lower-case hex under a secret key (secret=, appsecret, app_secret), or beside an
    appid wx... in the same object/query; `secret=` inside a free text too."""
    beside_appid = any(APPID_RE.fullmatch(s.text.strip()) for s in group.scalars)
    for scalar in group.scalars:
        value = scalar.text.strip()
        if scalar.whole and _SECRET_RE.fullmatch(value):
            tokens = key_tokens(scalar.key)
            if "secret" in tokens or "appsecret" in tokens:
                yield match("app_secret", scalar, value, "high")
            elif beside_appid and tokens & {"key", "appkey", "secretkey"}:
                yield match("app_secret", scalar, value, "medium")
        elif not scalar.whole:
            for hit in bounded_finditer(_SECRET_IN_TEXT, " " + scalar.text):
                yield match("app_secret", scalar, hit.group(1), "high")


def _token_key(key: str | None) -> bool:
    tokens = key_tokens(key)
    compact = re.sub(r"[^a-z]", "", (key or "").lower())
    return compact in ("accesstoken", "refreshtoken") or {"access", "token"} <= tokens or bool(
        tokens & {"token", "authorization", "auth"})


@recogniser("access_token", text=r"=(?<=(?i:access_token)=)", key=_token_key, per_value=True, text_screen=SEARCH)
def recognise_access_token(group: Group) -> Iterator[PIMatch]:
    """access_token / refresh_token values (high), `access_token=` in a text (high), and other
    tokens under a token/authorization key (medium: a first-party session token is not a WeChat
    credential, but still a secret)."""
    for scalar in group.scalars:
        value = scalar.text.strip()
        if not scalar.whole:
            for hit in bounded_finditer(_ACCESS_TOKEN_IN_TEXT, " " + scalar.text):
                yield match("access_token", scalar, hit.group(1), "high")
            continue
        if not 16 <= len(value) <= 4096 or re.search(r"\s", value.removeprefix("Bearer ")):
            continue
        tokens = key_tokens(scalar.key)
        compact = re.sub(r"[^a-z]", "", (scalar.key or "").lower())
        if compact in ("accesstoken", "refreshtoken") or {"access", "token"} <= tokens:
            yield match("access_token", scalar, value, "high")
        elif tokens & {"token", "authorization", "auth"} and _tokenish(value):
            yield match("access_token", scalar, value, "medium")


def _tokenish(value: str) -> bool:
    body = value.removeprefix("Bearer ").strip()
    return bool(re.fullmatch(r"[A-Za-z0-9._~+/=-]{16,}", body)) and bool(re.search(r"\d", body))


def _cloud_key_screen(body: BodyView) -> bool:
    text = body.text  # the rare character first (memchr)
    return ("K" in text and ("AKID" in text or "AKIA" in text)) or ("L" in text and "LTAI" in text)


@recogniser("cloud_key", text="AKID|LTAI|AKIA", per_value=True, screen=_cloud_key_screen, text_screen=_cloud_key_screen)
def recognise_cloud_key(group: Group) -> Iterator[PIMatch]:
    """Cloud access key ids (AKID..., LTAI..., AKIA...) anywhere: their form is the evidence."""
    for scalar in group.scalars:
        for hit in bounded_finditer(_CLOUD_KEY_RE, scalar.text):
            yield match("cloud_key", scalar, hit.group(1), "high")


# ---------------------------------------------------------------------------------------------- passwords

_PASSWORD_WORDS = ("password", "passwd", "pwd", "passcode", "pass")
_NOT_PASSWORD_WORDS = frozenset({"hint", "type", "rule", "length", "policy", "strength", "expire", "expired", "tip",
                                 "set", "has", "need", "required", "enabled", "changed", "error", "msg"})
_NOT_A_PASSWORD = frozenset({"", "true", "false", "null", "undefined", "none", "0", "1"})


def _password_key(key: str | None) -> bool:
    tokens = key_tokens(key)
    hinted = has_hint(key, _PASSWORD_WORDS, ("密码",)) or tokens == {"pin"}
    return hinted and not tokens & _NOT_PASSWORD_WORDS


@recogniser("password", key=_password_key, per_value=True)
def recognise_password(group: Group) -> Iterator[PIMatch]:
    """A non-empty value under a password key (password, pwd, passwd, pin, 密码), not a flag or a
    placeholder. Never shown: masked as ******."""
    for scalar in group.scalars:
        value = scalar.text.strip()
        if not scalar.whole or value.lower() in _NOT_A_PASSWORD or set(value) <= {"*", "•"} or len(value) > 256:
            continue
        if _password_key(scalar.key):
            yield match("password", scalar, value, "high")
