"""Writes of actions: proposing one, the customer's decision (which runs it), expiry.

An action is a write tool's call waiting for the conversation's owner (chat.models.Action).
Every change to a conversation's actions locks the conversation's row first, so a decision,
a new question and the expiry pass never interleave on one conversation, on any worker.
Approving runs the tool in the transaction that stores the approval: the write happens if and
only if the approval is stored, once, whatever is resent or raced.
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chat import events, turn_statements
from chat.events import Event
from chat.models import Action, Conversation, Message
from chat.selectors import question_before
from chat.serializers import action_to_dict, message_to_dict
from chat.services import tool_message_create, turn_claim, turn_release
from llm.tools import cards_for, run_approved
from llm.tools.spec import parse_result
from metrics.record import action_status_changed
from shop.errors import ShopError
from shop.owners import Owner

DECLINED = {"declined": "The customer declined this action, so nothing was changed."}
MOVED_ON = {
    "declined": "The customer asked something else instead of deciding, so nothing was changed."
}
EXPIRED = {"expired": "The customer did not decide in time, so nothing was changed."}


class ActionNotFound(ShopError):
    code = "not_found"
    default_detail = "No such action in this conversation."


class ActionDecided(ShopError):
    code = "action_decided"
    default_detail = "This action was already decided."


@dataclass(frozen=True)
class Decided:
    """What a decision did: the group events to announce, in order (the action's states and
    its tool result), and, when it was the round's last decision, the question whose answer
    now continues under the caller's token."""

    action: dict[str, Any]  # its state now
    announced: list[Event] = field(default_factory=list)
    resume: Message | None = None
    refused: ShopError | None = None  # set when nothing was decided (already decided, expired)


def action_propose(
    *,
    conversation_id: uuid.UUID | str,
    message_id: uuid.UUID | str,
    tool_call_id: str,
    tool: str,
    args: dict[str, Any],
    summary: str,
) -> Action:
    now = timezone.now()
    action = Action.objects.create(
        conversation_id=conversation_id,
        message_id=message_id,
        tool_call_id=tool_call_id,
        tool=tool,
        args=args,
        summary=summary[:300],
        created_at=now,
        expires_at=now + timedelta(seconds=settings.CHAT_ACTION_TIMEOUT_SECONDS),
    )
    _count(action)
    return action


def _count(action: Action) -> None:
    """Count the action's new status once the change is stored (a rollback counts nothing)."""
    tool, status = action.tool, action.status
    transaction.on_commit(lambda: action_status_changed(tool, status))


def _lock_conversation(conversation_id: uuid.UUID | str) -> None:
    Conversation.objects.select_for_update().filter(pk=conversation_id).first()


def _close(action: Action, status: str, result: dict[str, Any], *, tool_result: str) -> list[Event]:
    """Give the action its final state and the model its tool result (with the cards); the
    events that tell the conversation's sockets."""
    action.status = status
    action.result = result
    action.decided_at = action.decided_at or timezone.now()
    action.save(update_fields=["status", "result", "decided_at"])
    _count(action)
    message = tool_message_create(
        conversation_id=action.conversation_id,
        tool_name=action.tool,
        tool_call_id=action.tool_call_id,
        content=tool_result,
        ok=status == Action.Status.DONE,
        cards=cards_for(action.tool, tool_result) if status == Action.Status.DONE else [],
    )
    return [
        events.action_event(action_to_dict(action)),
        events.message_event(message_to_dict(message)),
    ]


def _close_as(action: Action, status: str, outcome: dict[str, str]) -> list[Event]:
    return _close(action, status, outcome, tool_result=_dump(outcome))


def _run(action: Action, owner: Owner) -> list[Event]:
    try:
        # A savepoint: a tool that fails half-way undoes its own writes, not the approval.
        with transaction.atomic():
            text = run_approved(action.tool, owner=owner, args=action.args)
    except ShopError as exc:
        text = _dump({"error": exc.detail, "code": exc.code})
    data = parse_result(text) or {"error": "unreadable result"}
    status = Action.Status.FAILED if "error" in data else Action.Status.DONE
    return _close(action, status, data, tool_result=text)


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False)


def _round_decided(message_id: uuid.UUID) -> bool:
    return not Action.objects.filter(message_id=message_id, status=Action.Status.PENDING).exists()


def action_decide(
    *,
    owner: Owner,
    conversation_id: uuid.UUID | str,
    action_id: Any,
    approve: bool,
    token: str,
) -> Decided:
    """Store the owner's decision on a pending action and, when approved, run it.

    When it was the last pending action of its round, the turn is claimed with `token` for the
    answer to continue (`resume`); if another turn holds the claim (the one that proposed it,
    still ending), that turn continues instead (turn_release_unless_decided).
    """
    try:
        pk = uuid.UUID(str(action_id))
    except ValueError:
        raise ActionNotFound() from None
    with transaction.atomic():
        _lock_conversation(conversation_id)
        action = Action.objects.filter(pk=pk, conversation_id=conversation_id).first()
        if action is None:
            raise ActionNotFound()
        if action.status == Action.Status.PENDING and action.expires_at <= timezone.now():
            return Decided(
                announced=_close_as(action, Action.Status.EXPIRED, EXPIRED),
                action=action_to_dict(action),
                refused=ActionDecided("This action expired before it was decided."),
            )
        if action.status != Action.Status.PENDING:
            return Decided(
                action=action_to_dict(action),
                refused=ActionDecided(f"This action is already {action.status}."),
            )
        action.decided_at = timezone.now()
        if approve:
            action.status = Action.Status.APPROVED
            action.save(update_fields=["status", "decided_at"])
            _count(action)
            announced = [events.action_event(action_to_dict(action)), *_run(action, owner)]
        else:
            announced = _close_as(action, Action.Status.REJECTED, DECLINED)
        resume = None
        if _round_decided(action.message_id) and turn_claim(
            conversation_id=conversation_id, token=token
        ):
            resume = question_before(conversation_id=conversation_id, message_id=action.message_id)
    return Decided(action=action_to_dict(action), announced=announced, resume=resume)


def actions_settle_pending(*, conversation_id: uuid.UUID | str) -> list[Event]:
    """Before a new question: pending actions become rejected (or expired, when due), so that
    every tool call of the history is answered. The caller holds the conversation's lock."""
    now = timezone.now()
    settled: list[Event] = []
    for action in turn_statements.pending_actions(conversation_id):
        if action.expires_at <= now:
            settled += _close_as(action, Action.Status.EXPIRED, EXPIRED)
        else:
            settled += _close_as(action, Action.Status.REJECTED, MOVED_ON)
    return settled


def actions_expire_due() -> list[tuple[str, list[Event]]]:
    """Expire every pending action past its time: (conversation id, the events to announce)."""
    due = (
        Action.objects.filter(status=Action.Status.PENDING, expires_at__lte=timezone.now())
        .values_list("conversation_id", flat=True)
        .distinct()
    )
    expired = []
    for conversation_id in list(due):
        with transaction.atomic():
            _lock_conversation(conversation_id)
            actions = Action.objects.filter(
                conversation_id=conversation_id,
                status=Action.Status.PENDING,
                expires_at__lte=timezone.now(),
            )
            states: list[Event] = []
            for action in actions:
                states += _close_as(action, Action.Status.EXPIRED, EXPIRED)
        if states:
            expired.append((str(conversation_id), states))
    return expired


def turn_release_unless_decided(
    *,
    conversation_id: uuid.UUID | str,
    token: str,
    message_id: uuid.UUID | str,
    leaf_id: uuid.UUID | None = None,
) -> bool:
    """End a turn that paused on its round's actions: release its claim, unless every action
    of the round was decided meanwhile (the deciding worker could not claim the turn while
    this one held it); then keep the claim and return True, for this worker to continue."""
    with transaction.atomic():
        _lock_conversation(conversation_id)
        actions = Action.objects.filter(message_id=message_id)
        if actions.exists() and not actions.filter(status=Action.Status.PENDING).exists():
            return True
        turn_release(conversation_id=conversation_id, token=token, leaf_id=leaf_id)
    return False
