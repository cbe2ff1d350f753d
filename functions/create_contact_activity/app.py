"""Lambda handler of Cordial's createContactactivity action.

A track or page event becomes a contact activity.

All the work is in the shared layer; this module only names the action.
"""

from cordial_destination.handler import make_handler

handler = make_handler("createContactactivity")
