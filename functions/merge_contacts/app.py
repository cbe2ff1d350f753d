"""Lambda handler of Cordial's mergeContacts action.

An alias event folds the previous contact into the current one.

All the work is in the shared layer; this module only names the action.
"""

from cordial_destination.handler import make_handler

handler = make_handler("mergeContacts")
