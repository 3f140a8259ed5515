"""Conversations and their messages. Django rows are the only store of chat history."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

DEFAULT_TITLE = "New chat"  # until the first question names the conversation


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Owner: a user, or an anonymous visitor's key (kept in their session; see shop.owners).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="conversations",
    )
    anonymous_key = models.CharField(max_length=64, blank=True, default="")
    title = models.CharField(max_length=200, default=DEFAULT_TITLE)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # One turn at a time across workers: an atomic claim that expires unless heartbeated.
    turn_owner = models.CharField(max_length=64, blank=True, default="")
    turn_claimed_until = models.DateTimeField(null=True, blank=True)
    # Memory beyond the window (chat.summaries): what the messages up to `summary_through`
    # said; the model reads it instead of them.
    summary = models.TextField(blank=True, default="")
    summary_through = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The active path (chat.paths): this message's ancestors, then below it the newest child
    # at each step. Kept at the path's last message whenever no turn is appending to it; a
    # regenerate, an edit or a switch moves it to another branch.
    active_leaf = models.ForeignKey(
        "Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["user", "-updated_at"], name="conv_user_updated"),
            models.Index(fields=["anonymous_key", "-updated_at"], name="conv_anon_updated"),
            models.Index(
                fields=["turn_claimed_until"],
                name="conv_claimed",
                condition=~Q(turn_owner=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(anonymous_key=""), name="conv_has_owner"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def turn_claim_expired(self) -> bool:
        """A turn holds the claim but stopped renewing it: its worker died."""
        return bool(
            self.turn_owner
            and self.turn_claimed_until is not None
            and self.turn_claimed_until < timezone.now()
        )


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user"
        ASSISTANT = "assistant"
        TOOL = "tool"

    class Status(models.TextChoices):
        COMPLETE = "complete"
        STREAMING = "streaming"
        STOPPED = "stopped"
        ERROR = "error"
        INTERRUPTED = "interrupted"
        BLOCKED = "blocked"  # a guardrail intervened: the text is the guardrail's

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    # The message this one follows (null for a first question): messages form a tree whose
    # branches are the versions made by regenerate and edit (chat.paths).
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        db_index=False,
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    content = models.TextField(blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.COMPLETE)
    # NULL, not "", when absent: uniqueness applies only to ids a client gave.
    client_message_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    # assistant: the tool calls it asked for [{"id","name","args"}]; tool: which call it answers
    tool_calls = models.JSONField(default=list, blank=True)
    tool_name = models.CharField(max_length=64, blank=True, default="")
    tool_call_id = models.CharField(max_length=128, blank=True, default="")
    model_id = models.CharField(max_length=200, blank=True, default="")
    # input_tokens counts all of the input; of it, cache_read_tokens came from Bedrock's prompt
    # cache and cache_write_tokens were written to it (each priced apart: LLM_PRICES).
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    cache_read_tokens = models.PositiveIntegerField(null=True, blank=True)
    cache_write_tokens = models.PositiveIntegerField(null=True, blank=True)
    time_to_first_token_ms = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True, default="")
    # tool: what its result showed, built from the shop's data (chat.cards); see docs/protocol.md
    cards = models.JSONField(default=list, blank=True)
    # user: the product page the question was asked on, as read from the catalogue
    context = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="msg_conv_created"),
            models.Index(fields=["parent", "created_at"], name="msg_parent_created"),
            models.Index(
                fields=["conversation"],
                name="msg_streaming",
                condition=Q(status="streaming"),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "client_message_id"],
                condition=Q(client_message_id__isnull=False),
                name="msg_unique_client_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.content[:40]}"


class Action(models.Model):
    """A write the model proposed; it runs only once the conversation's owner approves it.

    One per tool call of a write tool (`message` is the assistant message that made the call).
    The decision and the write happen in one transaction (chat.services.action_decide), so an
    action is never run twice and never run without a stored approval.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"
        EXPIRED = "expired"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="actions")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="actions")
    tool_call_id = models.CharField(max_length=128)
    tool = models.CharField(max_length=64)
    args = models.JSONField(default=dict, blank=True)
    summary = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["expires_at"], name="action_pending", condition=Q(status="pending")
            ),
            models.Index(fields=["conversation", "created_at"], name="action_conv_created"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["message", "tool_call_id"], name="action_one_per_call")
        ]

    def __str__(self) -> str:
        return f"{self.tool} ({self.status})"


class Feedback(models.Model):
    """A customer's rating of one answer, with a snapshot of what was rated (the question,
    the answer, the tools used, the model and the prompt version), so that it can become an
    evaluation case even after the conversation changes (manage.py export_feedback)."""

    class Rating(models.TextChoices):
        UP = "up"
        DOWN = "down"

    # One per answer: an answer belongs to one conversation, which has one owner.
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="feedback")
    rating = models.CharField(max_length=4, choices=Rating.choices)
    reasons = models.JSONField(default=list, blank=True)
    comment = models.TextField(blank=True, default="")
    question = models.TextField(blank=True, default="")
    answer = models.TextField(blank=True, default="")
    tools = models.JSONField(default=list, blank=True)  # names of the tools the answer used
    model_id = models.CharField(max_length=200, blank=True, default="")
    prompt_version = models.CharField(max_length=16, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["rating", "-updated_at"], name="feedback_rating")]

    def __str__(self) -> str:
        return f"{self.rating}: {self.answer[:40]}"
