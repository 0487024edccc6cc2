"""Password strength estimated by zxcvbn (Dropbox's pattern-based guess counter)."""

from __future__ import annotations

from ..domain.model import StrengthEstimate
from ..domain.passwords import MAX_LENGTH


class ZxcvbnStrength:
    """Scores 0..4 with zxcvbn's feedback; imported on first use, off the cold-start path."""

    def estimate(self, password: str, user_inputs: list[str]) -> StrengthEstimate:
        """zxcvbn's score, warning and suggestions; user_inputs (email, name) count as easy to guess."""
        from zxcvbn import zxcvbn

        result = zxcvbn(password, user_inputs=user_inputs, max_length=MAX_LENGTH)
        feedback = result.get("feedback") or {}
        return StrengthEstimate(int(result["score"]), str(feedback.get("warning") or ""),
                                tuple(str(s) for s in feedback.get("suggestions") or ()))
