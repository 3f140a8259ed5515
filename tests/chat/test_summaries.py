"""Memory beyond the window: a long conversation is summarised after an answer, and the next
question's input is the system prompt, the summary, then the recent turns, valid for Bedrock."""

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from chat import summaries
from chat.models import Conversation, Message
from chat.services import message_append
from devkit.bedrock_emulator import text_response
from llm.history import SUMMARY_HEADING, PastMessage
from llm.offline import extractive_summary
from llm.prompts import SUMMARY_PROMPT
from llm.summary import transcript
from tests.chat.conftest import open_socket, receive_until
from tests.llm.test_agent_bedrock import assert_valid_converse

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(60)]


def long_history(conversation: Conversation, turns: int = 12) -> None:
    start = timezone.now() - timedelta(hours=1)
    for i in range(turns):
        message_append(
            conversation=conversation,
            role="user",
            content=f"Question {i}: what about tents for {i + 2} people? " + "detail " * 20,
            created_at=start + timedelta(seconds=2 * i),
        )
        message_append(
            conversation=conversation,
            role="assistant",
            content=f"Answer {i}. We have tents for {i + 2}. " + "more " * 20,
            created_at=start + timedelta(seconds=2 * i + 1),
        )


async def stored_summary(conversation: Conversation, within: float = 10.0) -> Conversation:
    async with asyncio.timeout(within):
        while True:
            fresh = await sync_to_async(Conversation.objects.get)(pk=conversation.pk)
            if fresh.summary:
                return fresh
            await asyncio.sleep(0.05)


async def test_after_an_answer_the_older_part_is_summarised_and_the_next_input_holds_it(
    bedrock, settings, make_visitor, connected
):
    settings.LLM_HISTORY_MAX_TOKENS = 400
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    await sync_to_async(long_history)(conversation)
    socket = await open_socket(visitor, conversation, connected)

    bedrock.push(text_response("Here is the 4-person tent."))
    bedrock.push(text_response("The customer is choosing a tent; sizes 2 to 13 were discussed."))
    await socket.send_json_to({"type": "user_message", "content": "Which is best for four?"})
    await receive_until(socket, "turn_ended")
    # Before the summary exists the input was trimmed, and valid all the same.
    first = bedrock.requests[0]["body"]
    assert_valid_converse(first["messages"])
    assert len(first["messages"]) < 25

    fresh = await stored_summary(conversation)
    summarising = bedrock.requests[1]
    assert summarising["stream"] is False  # not a turn: a plain call
    assert summarising["body"]["system"][0]["text"] == SUMMARY_PROMPT
    assert "Question 0" in summarising["body"]["messages"][0]["content"][0]["text"]
    assert fresh.summary == "The customer is choosing a tent; sizes 2 to 13 were discussed."
    through = await sync_to_async(Message.objects.get)(pk=fresh.summary_through_id)
    assert through.role == "assistant"

    bedrock.push(text_response("Yes, it is waterproof."))
    await socket.send_json_to({"type": "user_message", "content": "Is it waterproof?"})
    await receive_until(socket, "turn_ended")
    body = bedrock.requests[2]["body"]
    # The system prompt, then the summary (langchain-aws joins system messages into one block).
    system = body["system"][0]["text"]
    assert system.endswith(f"{SUMMARY_HEADING}\n{fresh.summary}")
    assert system.index("Corner Shop") < system.index(SUMMARY_HEADING)
    texts = [b.get("text", "") for m in body["messages"] for b in m["content"]]
    assert not any(t.startswith("Question 0") for t in texts)  # summarised, not repeated
    assert "Is it waterproof?" in texts and "Which is best for four?" in texts
    assert_valid_converse(body["messages"])


async def test_the_offline_model_writes_an_extractive_summary(
    settings, make_visitor, catalogue, connected
):
    settings.LLM_HISTORY_MAX_TOKENS = 400
    visitor = await make_visitor()
    conversation = await visitor.conversation()
    await sync_to_async(long_history)(conversation)
    socket = await open_socket(visitor, conversation, connected)
    await socket.send_json_to({"type": "user_message", "content": "hello"})
    await receive_until(socket, "turn_ended")

    fresh = await stored_summary(conversation)
    assert fresh.summary.startswith("The customer asked: Question 0: what about tents for 2")
    assert "The assistant said: Answer 0." in fresh.summary

    # The same history gives the same summary: it is what the rule makes of the transcript.
    def covered() -> list[PastMessage]:
        through = Message.objects.get(pk=fresh.summary_through_id)
        rows = Message.objects.filter(conversation=conversation, created_at__lte=through.created_at)
        return [PastMessage(role=m.role, content=m.content) for m in rows.order_by("created_at")]

    older = await sync_to_async(covered)()
    assert fresh.summary == extractive_summary(transcript("", older))


def test_a_short_conversation_is_not_summarised(db, settings):
    settings.LLM_HISTORY_MAX_TOKENS = 4000
    conversation = Conversation.objects.create(anonymous_key="k" * 20)
    long_history(conversation, turns=2)
    assert summaries.summary_plan(conversation_id=conversation.id) is None


def test_the_plan_keeps_the_newest_turns_whole_and_starts_them_at_a_question(db, settings):
    settings.LLM_HISTORY_MAX_TOKENS = 400
    conversation = Conversation.objects.create(anonymous_key="k" * 20)
    long_history(conversation)
    plan = summaries.summary_plan(conversation_id=conversation.id)
    assert plan is not None
    kept = Message.objects.filter(
        conversation=conversation, created_at__gt=Message.objects.get(pk=plan.through).created_at
    ).order_by("created_at")
    assert kept.first().role == "user" and plan.older[-1].role == "assistant"
    assert plan.older[0].content.startswith("Question 0")


def test_a_summary_stored_meanwhile_is_not_overwritten(db, settings):
    settings.LLM_HISTORY_MAX_TOKENS = 400
    conversation = Conversation.objects.create(anonymous_key="k" * 20)
    long_history(conversation)
    plan = summaries.summary_plan(conversation_id=conversation.id)
    assert summaries.summary_store(plan=plan, text="first") is True
    assert summaries.summary_store(plan=plan, text="stale") is False
    conversation.refresh_from_db()
    assert conversation.summary == "first"


def test_the_admin_shows_the_summary(admin_client, db):
    conversation = Conversation.objects.create(anonymous_key="k" * 20, summary="Wants a tent.")
    page = admin_client.get(f"/admin/chat/conversation/{conversation.pk}/change/")
    assert "Wants a tent." in page.content.decode()


def test_a_turn_of_a_short_conversation_plans_no_summary(settings):
    settings.LLM_HISTORY_MAX_TOKENS = 4000
    short = [PastMessage("user", "hi"), PastMessage("assistant", "Hello!")]
    assert summaries.due(short) is False
    assert summaries.due(None) is False
    settings.LLM_HISTORY_MAX_TOKENS = 10
    assert summaries.due([*short, PastMessage("user", "x" * 200)]) is True
