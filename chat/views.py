"""Chat pages and the conversations JSON API. Thin: parse, call one service, shape output."""

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from chat import broadcast, events, feedback_services, reaper, selectors, services
from chat.groups import conversation_group
from chat.protocol import is_storable_text
from chat.routing import WEBSOCKET_PREFIX
from chat.serializers import (
    action_to_dict,
    conversation_to_dict,
    feedback_to_dict,
    message_to_dict,
)
from llm.providers import provider_label
from shop.errors import ShopError, error_response
from shop.http import json_body, request_owner

TITLE_MAX_INPUT = 200


def _title(body: dict[str, Any], *, required: bool) -> str:
    title = body.get("title", "")
    if not isinstance(title, str) or (required and not title.strip()):
        raise ShopError("`title` must be a non-empty string.", code="invalid_message")
    if len(title) > TITLE_MAX_INPUT:
        raise ShopError(f"`title` is longer than {TITLE_MAX_INPUT} characters.", code="too_long")
    if not is_storable_text(title):
        raise ShopError(
            "`title` contains a NUL character or an unpaired surrogate.", code="invalid_message"
        )
    return title


# --- pages ------------------------------------------------------------------------------------


def chat_page(request: HttpRequest, conversation_id: str | None = None) -> HttpResponse:
    # The socket cannot set a cookie, so the page makes sure the session exists first.
    owner = request_owner(request, create=True)
    assert owner is not None
    if conversation_id is not None:
        conversation = selectors.conversation_get(owner=owner, conversation_id=conversation_id)
        if conversation is None:
            raise Http404("No such conversation.")
        reaper.settle_before_reading(conversation)
    config = {
        "conversationId": str(conversation_id) if conversation_id else None,
        "apiBase": reverse("chat:conversations"),
        "wsPath": WEBSOCKET_PREFIX,
        "chatPath": reverse("chat:page"),
        "provider": provider_label(),
        "maxLength": settings.CHAT_MAX_MESSAGE_CHARS,
        "feedbackReasons": settings.CHAT_FEEDBACK_REASONS,
        "user": request.user.get_username() if request.user.is_authenticated else None,
    }
    return render(request, "chat/chat.html", {"chat_config": config})


# --- JSON API ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def conversations(request: HttpRequest) -> JsonResponse:
    owner = request_owner(request, create=request.method == "POST")
    if request.method == "GET":
        query = request.GET.get("q", "")
        if not owner:
            items = []
        elif query.strip():
            items = selectors.conversation_search(owner=owner, query=query)[:200]
        else:
            items = selectors.conversation_list(owner=owner)[:200]
        return JsonResponse({"conversations": [conversation_to_dict(c) for c in items]})
    assert owner is not None
    try:
        title = _title(json_body(request), required=False)
    except ShopError as exc:
        return error_response(exc)
    conversation = services.conversation_create(owner=owner, title=title)
    return JsonResponse({"id": str(conversation.id), "title": conversation.title}, status=201)


@require_http_methods(["GET", "PATCH", "DELETE"])
def conversation_detail(request: HttpRequest, conversation_id: str) -> HttpResponse:
    owner = request_owner(request)
    conversation = (
        selectors.conversation_get(owner=owner, conversation_id=conversation_id) if owner else None
    )
    if conversation is None:
        return error_response(services.NotFound())
    if request.method == "GET":
        reaper.settle_before_reading(conversation)
        messages = selectors.message_list(
            conversation_id=conversation.id, every_branch=request.GET.get("all") == "1"
        )
        versions = selectors.message_versions(messages)
        actions = selectors.action_list(conversation_id=conversation.id)
        return JsonResponse(
            {
                "id": str(conversation.id),
                "title": conversation.title,
                "messages": [message_to_dict(m, versions.get(m.id)) for m in messages],
                "actions": [action_to_dict(a) for a in actions],
            }
        )
    if request.method == "PATCH":
        try:
            title = _title(json_body(request), required=True)
        except ShopError as exc:
            return error_response(exc)
        conversation = services.conversation_rename(conversation=conversation, title=title)
        return JsonResponse({"id": str(conversation.id), "title": conversation.title})
    services.conversation_delete(conversation=conversation)
    return HttpResponse(status=204)


@require_http_methods(["PUT"])
def message_feedback(request: HttpRequest, message_id: str) -> JsonResponse:
    """PUT /api/messages/<id>/feedback/: the same body and rules as the `feedback` frame."""
    owner = request_owner(request)
    try:
        if owner is None:
            raise feedback_services.MessageNotFound()
        rating = feedback_services.parse_rating(json_body(request))
        message, feedback = feedback_services.feedback_set(
            owner=owner, message_id=message_id, rating=rating
        )
    except ShopError as exc:
        return error_response(exc)
    shown = feedback_to_dict(feedback)
    broadcast.from_sync_code(
        conversation_group(message.conversation_id),
        events.feedback_event(message_id=str(message.id), feedback=shown),
        what="feedback",
    )
    return JsonResponse({"message_id": str(message.id), "feedback": shown})
