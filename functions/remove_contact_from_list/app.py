"""Lambda handler of Cordial's removeContactFromList action.

A chosen track event removes the contact from a list.

All the work is in the shared layer; this module only names the action.
"""

from cordial_destination.handler import make_handler

handler = make_handler("removeContactFromList")
