"""Switching the conversation's active path to another version (docs/protocol.md, "Branches").

Regenerate and edit make new versions as questions do (chat.question_services); a switch only
moves the path, under the conversation's row lock so that it never interleaves with a turn
being claimed, a decision or another switch, on any worker.
"""

import uuid
from dataclasses import dataclass, field

from django.db import transaction

from chat import paths
from chat.action_services import actions_settle_pending
from chat.events import Event
from chat.models import Conversation
from chat.question_services import Busy, message_of


@dataclass(frozen=True)
class Switched:
    changed: bool  # False: the message was on the active path already, down to its leaf
    announce: list[Event] = field(default_factory=list)  # the pending actions it declined


def branch_switch(*, conversation_id: uuid.UUID | str, message_id: object) -> Switched:
    """Make the active path the one through `message_id`, down to its newest leaf. Busy while
    an answer runs; pending actions of the path left behind are declined, as a new question
    declines them."""
    target = message_of(conversation_id, message_id, None, "switch_branch")
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        if conversation.turn_owner and not conversation.turn_claim_expired():
            raise Busy()
        leaf = paths.newest_leaf_below(conversation_id, target.pk)
        if leaf == paths.leaf_id(conversation_id):
            return Switched(changed=False)
        settled = actions_settle_pending(conversation_id=conversation_id)
        Conversation.objects.filter(pk=conversation_id).update(active_leaf_id=leaf)
    return Switched(changed=True, announce=settled)
