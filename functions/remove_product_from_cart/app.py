"""Lambda handler of Cordial's removeProductFromCart action.

Product Removed takes a product out of the cart.

All the work is in the shared layer; this module only names the action.
"""

from cordial_destination.handler import make_handler

handler = make_handler("removeProductFromCart")
