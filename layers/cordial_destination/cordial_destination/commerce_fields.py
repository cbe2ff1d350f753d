"""Fields of the cart and order actions, whose defaults follow Segment's e-commerce spec."""

from __future__ import annotations

from typing import Final

from cordial_destination.field_schema import Field, path, string

PRODUCT_ID: Final = string(
    "productID", "Id of the product.", path("$.properties.product_id"), required=True
)
QUANTITY: Final = Field(
    "qty",
    "integer",
    "Number of units.",
    required=True,
    default=path("$.properties.quantity"),
)

ADD_PRODUCT_TO_CART: Final = (
    PRODUCT_ID,
    string("sku", "Stock keeping unit of the product.", path("$.properties.sku"), required=True),
    QUANTITY,
    string("category", "Category of the product.", path("$.properties.category"), required=True),
    string("name", "Name of the product.", path("$.properties.name"), required=True),
    string("description", "Description of the product."),
    Field("itemPrice", "number", "Price of one unit.", default=path("$.properties.price")),
    string("url", "Address of the product's page.", path("$.properties.url")),
    string("imageUrl", "Address of the product's image.", path("$.properties.image_url")),
    Field(
        "properties",
        "object",
        "Further properties of the cart item.",
        default={
            "brand": path("$.properties.brand"),
            "variant": path("$.properties.variant"),
            "coupon": path("$.properties.coupon"),
        },
    ),
)

REMOVE_PRODUCT_FROM_CART: Final = (PRODUCT_ID, QUANTITY)

#: Keys of one order item; the paths of their defaults are relative to one product.
ORDER_ITEM: Final = (
    string("productID", "Id of the product.", path("$.product_id"), required=True),
    string("sku", "Stock keeping unit of the product.", path("$.sku"), required=True),
    string("category", "Category of the product.", path("$.category")),
    string("name", "Name of the product.", path("$.name"), required=True),
    # Fix: the reference maps brand under a misspelled key, so it never reaches Cordial.
    string("manufacturerName", "Brand of the product.", path("$.brand")),
    Field("itemPrice", "number", "Price of one unit.", default=path("$.price")),
    Field("qty", "integer", "Number of units.", default=path("$.quantity")),
    string("url", "Address of the product's page.", path("$.url")),
    string("imageUrl", "Address of the product's image.", path("$.image_url")),
    Field(
        "properties",
        "object",
        "Further properties of the item.",
        default={"variant": path("$.variant"), "coupon": path("$.coupon")},
    ),
)

#: Keys of the order's properties, each read from the Segment property of the same name.
ORDER_PROPERTIES: Final = (
    "affiliation",
    "revenue",
    "shipping",
    "tax",
    "discount",
    "coupon",
    "currency",
)

UPSERT_ORDER: Final = (
    string("orderID", "Id of the order.", path("$.properties.order_id"), required=True),
    Field(
        "purchaseDate",
        "datetime",
        "When the order was placed.",
        required=True,
        default=path("$.timestamp"),
    ),
    string(
        "status", "Status of the order: the Segment event name.", path("$.event"), required=True
    ),
    Field(
        "totalAmount",
        "number",
        "Total amount of the order.",
        required=True,
        default=path("$.properties.total"),
    ),
    Field(
        "properties",
        "object",
        "Further properties of the order.",
        default={name: path(f"$.properties.{name}") for name in ORDER_PROPERTIES},
    ),
    Field(
        "items",
        "array",
        "The products of the order, one item per element of properties.products.",
        required=True,
        default={
            "@arrayPath": [
                "$.properties.products",
                {field.key: field.default for field in ORDER_ITEM},
            ]
        },
        properties=ORDER_ITEM,
    ),
    # Sent only as a fixed, non-zero discount; otherwise as null (see actions.py).
    Field(
        "discountApplication",
        "object",
        "The order's discount: type fixed and the amount.",
        default={"type": "fixed", "amount": path("$.properties.discount")},
        properties=(
            Field("type", "string", "Kind of discount; only fixed.", choices=("fixed",)),
            Field("amount", "number", "Amount of the discount."),
        ),
    ),
)
