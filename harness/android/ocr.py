"""Text and button boxes on a screenshot, for dialogs the UI hierarchy cannot see (a WebView, Skyline).

rapidocr (PP-OCR models shipped in its wheel, ONNX Runtime) reads the text lines with their boxes;
OpenCV finds the panels and button-like rectangles around them, so that a button's bounds are the
control's, not just its letters'. The engine is loaded once per process (about a second).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

Box = tuple[int, int, int, int]  # x, y, width, height in screen pixels

_engine: Any = None
_engine_lock = threading.Lock()


@dataclass(frozen=True)
class TextBox:
    text: str
    box: Box
    score: float

    @property
    def center(self) -> tuple[int, int]:
        x, y, w, h = self.box
        return x + w // 2, y + h // 2


def _ocr_engine() -> Any:
    global _engine
    with _engine_lock:
        if _engine is None:
            from rapidocr_onnxruntime import RapidOCR

            _engine = RapidOCR()
        return _engine


def _decode(png: bytes) -> Any:
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError("not an image the OCR can read (PNG/JPEG expected)")
    return image


def image_size(png: bytes) -> tuple[int, int]:
    height, width = _decode(png).shape[:2]
    return int(width), int(height)


def read_text(png: bytes, min_score: float = 0.5) -> list[TextBox]:
    """Every text line rapidocr reads, top to bottom, with its axis-aligned box."""
    result, _ = _ocr_engine()(_decode(png))
    boxes: list[TextBox] = []
    for points, text, score in result or []:
        if float(score) < min_score or not str(text).strip():
            continue
        xs = [int(p[0]) for p in points]
        ys = [int(p[1]) for p in points]
        boxes.append(TextBox(str(text).strip(), (min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)), float(score)))
    return sorted(boxes, key=lambda b: (b.box[1], b.box[0]))


def rectangles(png: bytes) -> list[Box]:
    """Filled rectangles (panels, buttons) found at a few brightness thresholds."""
    import cv2

    gray = cv2.cvtColor(_decode(png), cv2.COLOR_BGR2GRAY)
    height, width = gray.shape
    found: set[Box] = set()
    for threshold in (100, 160, 200, 235, 248):
        for mode in (cv2.THRESH_BINARY, cv2.THRESH_BINARY_INV):
            _, binary = cv2.threshold(gray, threshold, 255, mode)
            contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
            for contour in contours:
                x, y, w, h = cv2.boundingRect(contour)
                if w < 40 or h < 24 or (w >= width - 2 and h >= height - 2):
                    continue
                if cv2.contourArea(contour) >= 0.85 * w * h:  # a filled rectangle, not a glyph outline
                    found.add((int(x), int(y), int(w), int(h)))
    return sorted(found, key=lambda b: b[2] * b[3])


def contains(outer: Box, point: tuple[int, int]) -> bool:
    x, y, w, h = outer
    return x <= point[0] <= x + w and y <= point[1] <= y + h


def enclosing(rects: list[Box], text: TextBox, max_area: float) -> Box | None:
    """The smallest rectangle around a text that is bigger than the text and smaller than ``max_area``."""
    for rect in rects:  # sorted small to large
        if rect[2] * rect[3] > max_area:
            break
        if contains(rect, text.center) and rect[2] >= text.box[2] and rect[3] > text.box[3]:
            return rect
    return None
