"""Lambda handler of Cordial's addProductToCart action.

Product Added puts a product in the contact's cart.

All the work is in the shared layer; this module only names the action.
"""

from cordial_destination.handler import make_handler

handler = make_handler("addProductToCart")
