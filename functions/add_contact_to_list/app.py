"""Lambda handler of Cordial's addContactToList action.

A group event adds the contact to a list.

All the work is in the shared layer; this module only names the action.
"""

from cordial_destination.handler import make_handler

handler = make_handler("addContactToList")
