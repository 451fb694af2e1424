"""Face and voice uploads (RECOGNISERS.md 10), recognised from the carrier: an image or audio body
(content type, data: URL or base64 magic) and where it goes (a face / liveness endpoint or key).
Whether a camera or recorder produced it is the probes' business (timeline order); the masked
value only says what was sent: "image/jpeg, 34 KB"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from harness.pi.core import KEY_CACHE, BodyView, Group, has_hint, recogniser
from harness.timeline import Confidence, PIMatch

_FACE_ENDPOINT = re.compile(r"(?i)face|liveness|live_?check|selfie|biometric|人脸|活体|刷脸")
_WEAK_FACE_ENDPOINT = re.compile(r"(?i)verif|compare|match|identity|real_?name|实名|认证")
_VOICE_ENDPOINT = re.compile(r"(?i)voice|speech|asr|audio|record|recorder|声纹|语音|录音")
_FACE_KEYS = ("face", "liveness", "selfie", "人脸", "活体")
_VOICE_KEYS = ("voice", "audio", "speech", "record", "语音", "录音")

# base64 openings of image and audio formats: JPEG, PNG, GIF, WebP/WAV (RIFF); MP3 (ID3 or a frame),
# AMR, Ogg, AAC (ADTS), M4A (ftyp)
_IMAGE_B64 = ("/9j/", "iVBORw0KGgo", "R0lGOD", "UklGR")
_AUDIO_B64 = ("SUQz", "//uQ", "//s", "//v", "IyFBTVI", "T2dnUw", "//F", "AAAAHGZ0eXBNNEE", "AAAAIGZ0eXBNNEE")
_MIN_MEDIA_CHARS = 200  # a thumbnail-sized base64 blob at least; short strings are not uploads


def media_kind(content_type: str | None, head: bytes) -> str | None:
    """ "image" or "audio" from a content type, else from the first bytes (magic numbers)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media.startswith(("image/", "audio/")):
        return media.split("/", 1)[0]
    if head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"GIF8")) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if head.startswith((b"ID3", b"#!AMR", b"OggS", b"\xff\xfb", b"\xff\xf3", b"\xff\xf1")) or (
        head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    ):
        return "audio"
    return None


def media_match(kind: str, location: str, endpoint: str, key: str | None, size: int, subtype: str) -> PIMatch | None:
    """A face or voice match for an image or audio upload, or None when the destination does not
    say it is one (an ordinary photo upload is not a face)."""
    shown = f"{kind}/{subtype or '?'}, {max(1, size // 1024)} KB"
    confidence: Confidence
    if kind == "image":
        if _FACE_ENDPOINT.search(endpoint) or has_hint(key, (), _FACE_KEYS):
            confidence = "high"
        elif _WEAK_FACE_ENDPOINT.search(endpoint):
            confidence = "medium"
        else:
            return None
        return PIMatch(type="face", location=location, masked=shown, confidence=confidence)
    if kind == "audio":
        strong = _VOICE_ENDPOINT.search(endpoint) or has_hint(key, (), _VOICE_KEYS)
        return PIMatch(type="voice", location=location, masked=shown, confidence="high" if strong else "medium")
    return None


def _inline_media(text: str) -> tuple[str, str] | None:
    """(kind, subtype) of a data: URL or a base64 blob of an image or audio file."""
    value = text.strip()
    if len(value) < _MIN_MEDIA_CHARS:
        return None
    data_url = re.match(r"data:(image|audio)/([\w.+-]{1,20});base64,", value[:64])
    if data_url:
        return data_url.group(1), data_url.group(2)
    if not re.fullmatch(r"[A-Za-z0-9+/=\r\n]+", value[:4096]):
        return None
    if value.startswith(_IMAGE_B64):
        return "image", {"/9j/": "jpeg", "iVBO": "png", "R0lG": "gif", "UklG": "webp"}.get(value[:4], "?")
    if value.startswith(_AUDIO_B64):
        return "audio", "?"
    return None


_MEDIA_OPENINGS = "|".join(re.escape(p) for p in ("data:", *_IMAGE_B64, *_AUDIO_B64))


def _inline_media_screen(body: BodyView) -> bool:
    """A whole string value that opens like a data: URL or a base64 image or audio file."""
    return any(s.lstrip().startswith(("data:", *_IMAGE_B64, *_AUDIO_B64)) for s in body.opening_strings)


# a data: URL or the base64 opening of an image or audio file
@recogniser("face", text=_MEDIA_OPENINGS, per_value=True, screen=_inline_media_screen)
def recognise_inline_media(group: Group) -> Iterator[PIMatch]:
    """Images and audio inside JSON or form values (data: URLs, base64) sent to a face/voice endpoint
    or under a face/voice key; bodies and multipart parts are checked by the walker itself."""
    for scalar in group.scalars:
        found = _inline_media(scalar.text) if scalar.whole else None
        if found is not None:
            size = len(scalar.text) * 3 // 4
            hit = media_match(found[0], scalar.location, group.endpoint, scalar.key, size, found[1])
            if hit is not None:
                yield hit


# ---------------------------------------------------------------------------------------------- biometrics

# a face key: face + what holds an image or a template, or the Chinese words; never a coupon's face
# value (faceValue, 面值), an interface or a typeface
_NOT_FACE = ("interface", "surface", "typeface", "facebook", "facevalue", "faceamount", "faceprice", "facemoney",
             "preface")
_FACE_WORDS = ("人脸", "面部", "刷脸", "活体", "面容", "人像")
_VOICEPRINT_WORDS = ("voiceprint", "声纹")
_VOICE_WORDS = ("voice", "speech", "录音", "语音")
_IMAGE_REF = re.compile(r"(?i)(?:https?://\S+?\.(?:jpe?g|png|webp|bmp|heic)(?:[?#]\S*)?|wxfile://\S+|http://tmp/\S+)")
_AUDIO_REF = re.compile(
    r"(?i)(?:https?://\S+?\.(?:mp3|aac|silk|wav|amr|m4a|pcm|ogg|speex)(?:[?#]\S*)?|wxfile://\S+|http://tmp/\S+)")
_TEMPLATE = re.compile(r"[A-Za-z0-9+/=_-]{64,}")  # base64 or hex of a feature vector
_MAX_REF_CHARS = 2048


@lru_cache(maxsize=KEY_CACHE)
def biometric_role(key: str | None) -> str | None:
    """ "face", "voiceprint" or "voice" when a key names biometric data, else None."""
    lowered = (key or "").lower()
    compact = re.sub(r"[^a-z\u4e00-\u9fff]", "", lowered)
    facial = "face" in compact and not any(n in compact for n in _NOT_FACE)
    if facial or any(w in lowered for w in _FACE_WORDS) or "liveness" in compact or "selfie" in compact:
        return "face"
    if any(w in compact for w in _VOICEPRINT_WORDS):
        return "voiceprint"
    return "voice" if any(w in compact for w in _VOICE_WORDS) else None


def _biometric_key(key: str) -> bool:
    return biometric_role(key) is not None


@recogniser("biometric", key=_biometric_key, per_value=True)
def recognise_biometric(group: Group) -> Iterator[PIMatch]:
    """Face and voice data sent by other means than an upload of the file itself: under a face or
    voice key, a feature template (a long base64/hex blob) or a reference to the image or recording
    (its URL after an upload, a wxfile:// or http://tmp/ path from chooseMedia or RecorderManager).
    Face: high; voiceprint: high; other voice (a voice message): medium. Inline images and audio
    are the upload recogniser's."""
    for scalar in group.scalars:
        role = biometric_role(scalar.key)
        value = scalar.text.strip()
        if role is None or not scalar.whole or scalar.number or _inline_media(value) is not None:
            continue
        found = _biometric_value(role, value)
        if found is not None:
            pi_type = "face" if role == "face" else "voice"
            confidence: Confidence = "medium" if role == "voice" else "high"
            yield PIMatch(type=pi_type, location=scalar.location, masked=found, confidence=confidence)


def _biometric_value(role: str, value: str) -> str | None:
    """What the value is, as shown in a match ("image reference (.jpg)", "template, 344 chars"), or None."""
    reference = _IMAGE_REF if role == "face" else _AUDIO_REF
    if len(value) <= _MAX_REF_CHARS and reference.fullmatch(value):
        suffix = re.search(r"\.(\w{2,5})(?:[?#]|$)", value)
        return f"{'image' if role == 'face' else 'audio'} reference (.{suffix.group(1).lower() if suffix else '?'})"
    if _TEMPLATE.fullmatch(value):
        return f"{'face' if role == 'face' else 'voice'} template, {len(value)} chars"
    return None
