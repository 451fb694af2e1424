"""Precision and recall from true/false positive and false negative counts, as the corpus check
(per rule) and the recogniser measurement (per personal-data type) both report them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        """None when nothing was reported: no precision to speak of, which is not 0 %."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """None when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None
