"""Lambda handler of Cordial's upsertContact action.

An identify event creates or updates a contact.

All the work is in the shared layer; this module only names the action.
"""

from cordial_destination.handler import make_handler

handler = make_handler("upsertContact")
