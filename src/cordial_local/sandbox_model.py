"""The sandbox's model of one Cordial account: contacts, lists, carts, orders, activities.

This follows "How the sandbox models Cordial" in the spec. Where Cordial's behaviour is not
documented the choice made here is stated on the method that makes it. The model is not
thread-safe; the sandbox server holds its lock around every call.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cordial_local.sandbox_schema import ACTION_FIELDS

DEFAULT_ATTRIBUTES = frozenset(
    {"segment_id", "first_name", "last_name", "phone_number", "birth_date", "city", "country"}
)


@dataclass
class Contact:
    id: str
    identities: dict[str, str] = field(default_factory=dict)
    anonymous_ids: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Identifiers:
    """The usable identifiers of one request; empty strings and unknown keys are not usable."""

    identities: dict[str, str]
    segment: tuple[str, str] | None
    anonymous_id: str | None

    def usable(self) -> bool:
        return bool(self.identities) or self.segment is not None or self.anonymous_id is not None


class CordialAccount:
    """State of one account, changed by `apply(slug, body)` with an already-checked body."""

    def __init__(self, known_attributes: Iterable[str] | None = None) -> None:
        self.known_attributes = frozenset(
            DEFAULT_ATTRIBUTES if known_attributes is None else known_attributes
        )
        self.contacts: dict[str, Contact] = {}
        self.lists: dict[str, dict[str, Any]] = {}
        self.carts: dict[str, dict[str, dict[str, Any]]] = {}
        self.orders: dict[str, dict[str, Any]] = {}
        self.activities: list[dict[str, Any]] = []
        self.merges: list[dict[str, Any]] = []
        self.ignored_attributes: set[str] = set()
        self._contact_numbers = itertools.count(1)
        self._actions: dict[str, Callable[[Contact, dict[str, Any]], None]] = {
            "createContactactivity": self.create_contact_activity,
            "upsertContact": self.upsert_contact,
            "addContactToList": self.add_contact_to_list,
            "removeContactFromList": self.remove_contact_from_list,
            "addProductToCart": self.add_product_to_cart,
            "removeProductFromCart": self.remove_product_from_cart,
            "upsertOrder": self.upsert_order,
            "mergeContacts": self.merge_contacts,
        }

    def apply(self, slug: str, body: dict[str, Any]) -> bool:
        """Apply one request; False when it has no usable identifier and was ignored."""
        ids = self.identifiers(body)
        if not ids.usable():
            return False

        contact = self.find(ids) or self._create()
        # Identifiers first, so that a merge's target keeps its own over the folded contact's.
        self._attach(contact, ids)
        self._actions[slug](contact, body)
        return True

    def identifiers(self, body: dict[str, Any]) -> Identifiers:
        identities = {k: v for k, v in body.get("userIdentities", {}).items() if v}
        key, segment_id = body.get("segmentIdKey"), body.get("segmentId")
        # The segment id lives in a contact attribute, so an undeclared key cannot hold it.
        segment = (key, segment_id) if segment_id and key in self.known_attributes else None
        return Identifiers(identities, segment, body.get("anonymousId") or None)

    def find(self, ids: Identifiers) -> Contact | None:
        """Lookup order: each userIdentities pair in body order, segmentIdKey, anonymousId."""
        return next(self._holders(ids), None)

    def create_contact_activity(self, contact: Contact, body: dict[str, Any]) -> None:
        self.activities.append(
            {
                "contact": contact.id,
                "action": body["action"],
                "time": body.get("time"),
                "properties": body.get("properties"),
            }
        )

    def upsert_contact(self, contact: Contact, body: dict[str, Any]) -> None:
        for name, value in body.get("attributes", {}).items():
            if name in self.known_attributes:
                contact.attributes[name] = value
            else:
                self.ignored_attributes.add(name)

    def add_contact_to_list(self, contact: Contact, body: dict[str, Any]) -> None:
        group_id = body["groupId"]
        name = body.get("listName") or f"segment_{group_id}"
        members = self.lists.setdefault(name, {"groupId": group_id, "members": []})["members"]
        if contact.id not in members:
            members.append(contact.id)

    def remove_contact_from_list(self, contact: Contact, body: dict[str, Any]) -> None:
        # The request names only the group, so every list made for that group loses the contact.
        for cordial_list in self.lists.values():
            if cordial_list["groupId"] == body["groupId"] and contact.id in cordial_list["members"]:
                cordial_list["members"].remove(contact.id)

    def add_product_to_cart(self, contact: Contact, body: dict[str, Any]) -> None:
        line = {k: body[k] for k in ACTION_FIELDS["addProductToCart"] if k in body}
        self._add_line(self.carts.setdefault(contact.id, {}), line)

    def remove_product_from_cart(self, contact: Contact, body: dict[str, Any]) -> None:
        cart = self.carts.get(contact.id, {})
        line = cart.get(body["productID"])
        if line is None:
            return

        line["qty"] -= body["qty"]
        if line["qty"] <= 0:
            del cart[body["productID"]]

    def upsert_order(self, contact: Contact, body: dict[str, Any]) -> None:
        order = {k: body[k] for k in ACTION_FIELDS["upsertOrder"] if k in body}
        self.orders[body["orderID"]] = {"contact": contact.id, **order}

    def merge_contacts(self, into: Contact, body: dict[str, Any]) -> None:
        """Fold the contact whose segment id or anonymous id is `previousId` into `into`.

        `into` keeps its own identities and attributes and takes the previous contact's
        where it has none; carts add up; lists, orders and activities move over.
        """
        previous = self._previous_contact(body)
        self.merges.append(
            {
                "previousId": body["previousId"],
                "from": None if previous is None else previous.id,
                "into": into.id,
            }
        )
        if previous is None or previous is into:
            return

        del self.contacts[previous.id]
        self._fold_contact(previous, into)
        for line in self.carts.pop(previous.id, {}).values():
            self._add_line(self.carts.setdefault(into.id, {}), line)
        for cordial_list in self.lists.values():
            self._replace_member(cordial_list["members"], previous.id, into.id)
        for record in (*self.orders.values(), *self.activities):
            if record["contact"] == previous.id:
                record["contact"] = into.id

    def snapshot(self) -> dict[str, Any]:
        contacts = {
            c.id: {
                "identities": c.identities,
                "anonymousIds": c.anonymous_ids,
                "attributes": c.attributes,
            }
            for c in self.contacts.values()
        }
        state = {
            "contacts": contacts,
            "lists": self.lists,
            "carts": self.carts,
            "orders": self.orders,
            "activities": self.activities,
            "merges": self.merges,
            "ignoredAttributes": sorted(self.ignored_attributes),
        }
        return copy.deepcopy(state)

    def _holders(self, ids: Identifiers) -> Iterator[Contact]:
        contacts = list(self.contacts.values())
        for key, value in ids.identities.items():
            yield from (c for c in contacts if c.identities.get(key) == value)
        if ids.segment is not None:
            key, value = ids.segment
            yield from (c for c in contacts if c.attributes.get(key) == value)
        if ids.anonymous_id is not None:
            yield from (c for c in contacts if ids.anonymous_id in c.anonymous_ids)

    def _unheld(self, ids: Identifiers) -> bool:
        return self.find(ids) is None

    def _create(self) -> Contact:
        contact = Contact(id=f"c{next(self._contact_numbers)}")
        self.contacts[contact.id] = contact
        return contact

    def _attach(self, contact: Contact, ids: Identifiers) -> None:
        """Give `contact` the request's identifiers it lacks, unless another contact holds them.

        An identifier the contact already has with another value is kept: identifiers are
        unique and stable, and changing them is not what these actions ask for.
        """
        for key, value in ids.identities.items():
            if key not in contact.identities and self._unheld(
                Identifiers({key: value}, None, None)
            ):
                contact.identities[key] = value
        segment = ids.segment
        if (
            segment
            and segment[0] not in contact.attributes
            and self._unheld(Identifiers({}, segment, None))
        ):
            contact.attributes[segment[0]] = segment[1]
        if ids.anonymous_id and self._unheld(Identifiers({}, None, ids.anonymous_id)):
            contact.anonymous_ids.append(ids.anonymous_id)

    def _previous_contact(self, body: dict[str, Any]) -> Contact | None:
        previous_id = body["previousId"]
        key = body.get("segmentIdKey")
        segment = (key, previous_id) if key in self.known_attributes else None
        return self.find(Identifiers({}, segment, previous_id or None))

    @staticmethod
    def _fold_contact(previous: Contact, into: Contact) -> None:
        into.identities = previous.identities | into.identities
        into.attributes = previous.attributes | into.attributes
        for anonymous_id in previous.anonymous_ids:
            if anonymous_id not in into.anonymous_ids:
                into.anonymous_ids.append(anonymous_id)

    @staticmethod
    def _add_line(cart: dict[str, dict[str, Any]], line: dict[str, Any]) -> None:
        existing = cart.get(line["productID"])
        qty = line["qty"] + (existing["qty"] if existing else 0)
        cart[line["productID"]] = {**line, "qty": qty}

    @staticmethod
    def _replace_member(members: list[str], old: str, new: str) -> None:
        if old not in members:
            return
        if new in members:
            members.remove(old)
        else:
            members[members.index(old)] = new
