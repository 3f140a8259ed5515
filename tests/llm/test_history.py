"""History from stored messages is always a request Bedrock's Converse accepts."""

import itertools

from langchain_aws.chat_models.bedrock_converse import _messages_to_bedrock
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from llm.history import PastMessage, build_model_input


def converse_problems(messages) -> list[str]:  # type: ignore[no-untyped-def]
    """The Converse API's structural rules, checked on the exact request langchain-aws sends."""
    bedrock, _ = _messages_to_bedrock(
        messages, None, model_id="anthropic.claude", provider="anthropic"
    )
    problems = []
    if not bedrock or bedrock[0]["role"] != "user":
        problems.append("does not start with a user turn")
    for prev, cur in itertools.pairwise(bedrock):
        if prev["role"] == cur["role"]:
            problems.append(f"two {cur['role']} turns in a row")
    for i, turn in enumerate(bedrock):
        for block in turn["content"]:
            if "text" in block and not block["text"].strip():
                problems.append("empty text block")
        if not turn["content"]:
            problems.append("empty turn")
        results = [b["toolResult"]["toolUseId"] for b in turn["content"] if "toolResult" in b]
        if results:
            before = bedrock[i - 1]["content"] if i else []
            uses = {b["toolUse"]["toolUseId"] for b in before if "toolUse" in b}
            if set(results) != uses:
                problems.append("tool results do not answer the tool uses just before")
        uses_here = [b["toolUse"]["toolUseId"] for b in turn["content"] if "toolUse" in b]
        if uses_here:
            after = bedrock[i + 1]["content"] if i + 1 < len(bedrock) else []
            answered = {b["toolResult"]["toolUseId"] for b in after if "toolResult" in b}
            if set(uses_here) != answered:
                problems.append("tool use without result")
    return problems


def call(call_id: str, name: str = "search_products") -> dict:
    return {"id": call_id, "name": name, "args": {"query": "shoes"}}


def test_full_tool_round_is_kept_with_its_results():
    past = [
        PastMessage("user", "shoes?"),
        PastMessage("assistant", "", tool_calls=[call("t1")]),
        PastMessage("tool", '{"products":[]}', tool_call_id="t1", tool_name="search_products"),
        PastMessage("assistant", "None found."),
    ]
    messages = build_model_input(past=past, question="And jackets?", max_tokens=10_000)
    assert [type(m) for m in messages] == [
        HumanMessage,
        AIMessage,
        ToolMessage,
        AIMessage,
        HumanMessage,
    ]
    assert messages[1].tool_calls[0]["id"] == "t1"
    assert messages[2].tool_call_id == "t1"
    assert converse_problems(messages) == []


def test_stopped_failed_interrupted_and_unanswered_history_stays_valid():
    past = [
        PastMessage("assistant", "Welcome!"),  # does not start with the user
        PastMessage("tool", "{}", tool_call_id="orphan"),  # result without its call
        PastMessage("user", "first question never answered"),
        PastMessage("user", "second question"),
        PastMessage("assistant", "", tool_calls=[call("t2")]),  # interrupted before the result
        PastMessage("assistant", ""),  # failed before any text
        PastMessage("user", "   "),  # blank
        PastMessage("assistant", "Partial answer that was stop"),  # stopped
        PastMessage("assistant", "", tool_calls=[call("t3"), call("t4", "list_categories")]),
        PastMessage("tool", "{}", tool_call_id="t3"),  # only one of two results
        PastMessage("user", "third"),
    ]
    messages = build_model_input(past=past, question="now?", max_tokens=10_000)
    assert converse_problems(messages) == []
    assert isinstance(messages[0], HumanMessage)
    assert "first question never answered" in messages[0].content
    assert "second question" in messages[0].content
    assert messages[-1].content.endswith("now?")
    assert not any(isinstance(m, ToolMessage) for m in messages)


def test_trimming_keeps_the_most_recent_and_never_starts_with_a_tool_result():
    past = []
    for i in range(40):
        past += [
            PastMessage("user", f"question {i} " + "x" * 200),
            PastMessage("assistant", "", tool_calls=[call(f"c{i}")]),
            PastMessage("tool", "r" * 400, tool_call_id=f"c{i}"),
            PastMessage("assistant", f"answer {i} " + "y" * 200),
        ]
    messages = build_model_input(past=past, question="latest", max_tokens=1000)
    assert converse_problems(messages) == []
    assert isinstance(messages[0], HumanMessage)
    assert messages[-1].content == "latest"
    assert "answer 39" in messages[-2].content
    assert "question 0 " not in " ".join(str(m.content) for m in messages)
    assert sum(len(str(m.content)) for m in messages) < 1000 * 4 + 1000


def test_a_question_longer_than_the_budget_is_still_sent():
    messages = build_model_input(past=[], question="z" * 50_000, max_tokens=100)
    assert len(messages) == 1 and messages[0].content == "z" * 50_000


def test_the_stored_estimate_matches_the_models_for_a_well_formed_history_and_never_undercounts():
    from llm.history import history_tokens, stored_tokens

    call = {"id": "c1", "name": "search_products", "args": {"query": "tent"}}
    product = {"product_id": 1, "name": "Tent", "url": "/p/tent/", "price": "99", "currency": "EUR"}
    well_formed = [
        PastMessage("user", "Do you have tents?", context=product),
        PastMessage("assistant", "Let me look.", tool_calls=[call]),
        PastMessage("tool", '{"products": []}', tool_call_id="c1", tool_name="search_products"),
        PastMessage("assistant", "None in stock, sorry." * 20),
    ]
    assert stored_tokens(well_formed) == history_tokens(well_formed)
    # A call whose result is missing is dropped for the model, and an empty question too.
    ill_formed = [
        *well_formed,
        PastMessage("assistant", "", tool_calls=[call]),
        PastMessage("user", " "),
    ]
    assert stored_tokens(ill_formed) > history_tokens(ill_formed)
