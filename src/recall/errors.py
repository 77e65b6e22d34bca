"""Our own exceptions. The CLI turns any RecallError into one line and an exit code."""


class RecallError(Exception):
    """An error the learner can act on; its message is one line that says what to fix."""

    exit_code = 1
