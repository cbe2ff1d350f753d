"""Lambda handler of Cordial's upsertOrder action.

An order event creates or replaces the order.

All the work is in the shared layer; this module only names the action.
"""

from cordial_destination.handler import make_handler

handler = make_handler("upsertOrder")
