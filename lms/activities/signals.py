"""The one notification from activity kinds to progress: something a trainee did (or a trainer did
to their work) may have changed their completion or grade in an activity. Kinds send it and never
import progress; progress receives it and asks the kind (`is_complete`, `grade`)."""

from blinker import Namespace

_signals = Namespace()

# Sent with the activity as sender and user_id=<the trainee>.
activity_changed = _signals.signal("activity-changed")


def notify_changed(activity, user_id: int) -> None:
    activity_changed.send(activity, user_id=user_id)
