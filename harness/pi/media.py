"""Face and voice uploads (RECOGNISERS.md 10), recognised from the carrier: an image or audio body
(content type, data: URL or base64 magic) and where it goes (a face / liveness endpoint or key).
Whether a camera or recorder produced it is the probes' business (timeline order); the masked
value only says what was sent: "image/jpeg, 34 KB"."""

from __future__ import annotations

import re
from collections.abc import Iterator

from harness.pi.core import Group, has_hint, recogniser
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


# a data: URL or the base64 opening of an image or audio file
@recogniser("face", text="|".join(re.escape(p) for p in ("data:", *_IMAGE_B64, *_AUDIO_B64)), per_value=True)
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
