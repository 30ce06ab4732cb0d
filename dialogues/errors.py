"""Domain errors. Only adapters and the engine turn these into replies or log lines."""


class DialogueError(Exception):
    """Base for every error the functional core raises on purpose."""


class StaleButton(DialogueError):
    """A button press that is not valid for this person in their current state."""
