import json
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from chat import paths
from chat.costs import message_cost, total_cost
from chat.models import Action, Conversation, Feedback, Message


def _usd(value: Decimal | None) -> str:
    """An estimated cost (LLM_PRICES) as the admin shows it."""
    return f"${value:.4f}" if value else "–"


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    show_change_link = True
    fields = [
        "created_at",
        "role",
        "status",
        "short_content",
        "tool_name",
        "output_tokens",
        "on_active_path",
    ]
    readonly_fields = fields
    ordering = ["created_at"]
    _active: set[uuid.UUID] = set()

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        # Inlines are made per request, so the path read here is this page's.
        self._active = set(paths.path_ids(obj.pk)) if obj is not None else set()
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description="content")
    def short_content(self, obj: Message) -> str:
        return obj.content[:200] + ("…" if len(obj.content) > 200 else "")

    @admin.display(description="shown", boolean=True)
    def on_active_path(self, obj: Message) -> bool:
        """False for an earlier version (a regenerated answer, an edited question)."""
        return obj.pk in self._active

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ActionInline(admin.TabularInline):
    """What the assistant proposed in the conversation and what the customer decided."""

    model = Action
    extra = 0
    can_delete = False
    fields = ["created_at", "tool", "summary", "status", "decided_at", "expires_at"]
    readonly_fields = fields
    ordering = ["created_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class HasStatusFilter(admin.SimpleListFilter):
    title = "message status"
    parameter_name = "message_status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(Message.Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(messages__status=self.value()).distinct()
        return queryset


class NegativeFeedbackFilter(admin.SimpleListFilter):
    title = "feedback"
    parameter_name = "feedback"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("down", "has negative feedback")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "down":
            return queryset.filter(messages__feedback__rating=Feedback.Rating.DOWN).distinct()
        return queryset


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "message_count", "cost", "last_activity", "created_at"]
    list_filter = [HasStatusFilter, NegativeFeedbackFilter, "created_at", "updated_at"]
    search_fields = ["title", "messages__content", "user__username", "user__email"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id",
        "user",
        "anonymous_key",
        "created_at",
        "updated_at",
        "turn_owner",
        "turn_claimed_until",
        "summary",
        "summary_through",
    ]
    inlines = [MessageInline, ActionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .annotate(
                _message_count=Count("messages"),
                _last=Max("messages__created_at"),
                _cost=total_cost("messages__"),
            )
        )

    @admin.display(description="cost (est.)", ordering="_cost")
    def cost(self, obj: Conversation) -> str:
        return _usd(obj._cost)  # type: ignore[attr-defined]

    @admin.display(description="owner")
    def owner(self, obj: Conversation) -> str:
        return obj.user.get_username() if obj.user else f"anonymous ({obj.anonymous_key[:6]}…)"

    @admin.display(description="messages", ordering="_message_count")
    def message_count(self, obj: Conversation) -> int:
        return obj._message_count  # type: ignore[attr-defined]

    @admin.display(description="last activity", ordering="_last")
    def last_activity(self, obj: Conversation) -> object:
        return obj._last or obj.updated_at  # type: ignore[attr-defined]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "conversation",
        "role",
        "status",
        "short_content",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "cost",
        "time_to_first_token_ms",
        "duration_ms",
    ]
    list_filter = ["role", "status", "created_at", "model_id"]
    search_fields = ["content", "conversation__title", "client_message_id"]
    list_select_related = ["conversation"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Message._meta.fields]

    @admin.display(description="content")
    def short_content(self, obj: Message) -> str:
        return obj.content[:80] + ("…" if len(obj.content) > 80 else "")

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_cost=message_cost())

    @admin.display(description="cost (est.)", ordering="_cost")
    def cost(self, obj: Message) -> str:
        return _usd(obj._cost)  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "conversation", "tool", "summary", "status", "decided_at"]
    list_filter = ["status", "tool", "created_at"]
    search_fields = ["summary", "conversation__title"]
    list_select_related = ["conversation"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Action._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class ReasonFilter(admin.SimpleListFilter):
    title = "reason"
    parameter_name = "reason"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(reason, reason) for reason in settings.CHAT_FEEDBACK_REASONS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            # As text, so that SQLite (no JSON containment) filters the same way.
            return queryset.filter(reasons__icontains=json.dumps(self.value()))
        return queryset


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """What customers said about answers, each linked to its place in the conversation."""

    list_display = ["updated_at", "rating", "reason_list", "short_answer", "model_id", "at"]
    list_filter = ["rating", ReasonFilter, "model_id", "updated_at"]
    search_fields = ["comment", "question", "answer"]
    list_select_related = ["message"]
    date_hierarchy = "updated_at"
    readonly_fields = [f.name for f in Feedback._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="reasons")
    def reason_list(self, obj: Feedback) -> str:
        return ", ".join(obj.reasons)

    @admin.display(description="answer")
    def short_answer(self, obj: Feedback) -> str:
        return obj.answer[:80] + ("…" if len(obj.answer) > 80 else "")

    @admin.display(description="in the conversation")
    def at(self, obj: Feedback) -> str:
        url = reverse("admin:chat_conversation_change", args=[obj.message.conversation_id])
        return format_html('<a href="{}#message-{}">open</a>', url, obj.message_id)


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserWithCostAdmin(UserAdmin):
    """Django's user admin, with what each user's conversations cost."""

    list_display = [*UserAdmin.list_display, "conversation_cost"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(_cost=total_cost("conversations__messages__"))

    @admin.display(description="assistant cost (est.)", ordering="_cost")
    def conversation_cost(self, obj: object) -> str:
        return _usd(obj._cost)  # type: ignore[attr-defined]
