"""The audit log: one line for each thing a volunteer did (or the command line, or a neighbour giving a
badge), written inside the transaction of what it records.

Who acted is always passed in: the rules that write these lines run without a request to read it from
(the console, the API, the command line and the network all call them)."""

from . import clock
from .models import Audit


def write_audit(action, target="", detail="", *, volunteer, by=None):
    """One line of the audit log. ``volunteer``: who acted (a models.Volunteer), or None with ``by``
    naming who acted when it was no volunteer (the command line, a neighbour's vouch)."""
    name = volunteer.name if volunteer is not None else (by or "?")
    Audit.create(volunteer=volunteer, volunteer_name=name, action=action,
                 target=target, detail=str(detail)[:500], created_at=clock.now())
