"""The frames that ask for an answer: a question, an edit, a regenerate, and the switch
between the versions they make (docs/protocol.md, "Branches").

Each is parsed (chat.protocol), accepted under the rules of a question
(chat.question_services) and answered by a turn of this worker (chat.turns). Mixed into the
consumer (chat.consumers), which holds the socket's state and its error handling.
"""

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from chat import branch_services, events, question_services, turns
from chat.delivery import SocketView
from chat.events import Event, Frame
from chat.protocol import (
    Edit,
    Regenerate,
    UserMessage,
    client_message_id_of,
    parse_edit,
    parse_regenerate,
    parse_switch_branch,
    parse_user_message,
)
from chat.question_services import Accepted
from chat.serializers import message_to_dict
from chat.worker import Worker
from llm import providers
from shop.errors import ShopError
from shop.owners import Owner

T = TypeVar("T")
P = TypeVar("P")


class AskFrames:
    owner: Owner | None
    conversation_id: str
    worker: Worker
    view: SocketView
    last_event_at: float

    if TYPE_CHECKING:

        async def _service(
            self, call: Callable[[], T], *, what: str, client_message_id: str | None = None
        ) -> T | None: ...

        async def send_json(self, frame: Frame) -> None: ...

        async def send_error(
            self, error: ShopError, *, client_message_id: str | None = None
        ) -> None: ...

        async def _announce(self, announced: list[Event]) -> None: ...

        async def _send_history(
            self,
            title: str | None = None,
            *,
            reason: str = events.HISTORY_CONNECTED,
            client_message_id: str | None = None,
        ) -> None: ...

    async def on_user_message(self, frame: dict[str, Any]) -> None:
        def accept(question: UserMessage, token: str) -> Callable[[], Accepted]:
            return partial(
                question_services.question_accept,
                **self._asker(token),
                content=question.content,
                client_message_id=question.client_message_id,
                product_id=question.product_id,
            )

        await self._ask(frame, parse_user_message, accept, what="question")

    async def on_edit(self, frame: dict[str, Any]) -> None:
        def accept(edit: Edit, token: str) -> Callable[[], Accepted]:
            return partial(
                question_services.question_accept,
                **self._asker(token),
                content=edit.content,
                client_message_id=edit.client_message_id,
                edit_of=edit.message_id,
            )

        await self._ask(frame, parse_edit, accept, what="edit")

    async def on_regenerate(self, frame: dict[str, Any]) -> None:
        def accept(regenerate: Regenerate, token: str) -> Callable[[], Accepted]:
            return partial(
                question_services.answer_again,
                **self._asker(token),
                message_id=regenerate.message_id,
                client_message_id=regenerate.client_message_id,
            )

        await self._ask(frame, parse_regenerate, accept, what="regenerate")

    def _asker(self, token: str) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "conversation_id": self.conversation_id,
            "token": token,
            "answer_model_id": providers.current().model_id,
        }

    async def _ask(
        self,
        frame: dict[str, Any],
        parse: Callable[[dict[str, Any]], P],
        accept: Callable[[P, str], Callable[[], Accepted]],
        *,
        what: str,
    ) -> None:
        """A question, an edit or a regenerate: parsed, accepted under the rules of a
        question (chat.question_services), then answered by a turn of this worker."""
        received_at = time.monotonic()
        client_message_id = client_message_id_of(frame)
        token = turns.new_token()
        try:
            parsed = parse(frame)
        except ShopError as exc:
            await self.send_error(exc, client_message_id=client_message_id)
            return
        accepted = await self._service(
            accept(parsed, token), what=what, client_message_id=client_message_id
        )
        await self._answer(
            accepted, token=token, received_at=received_at, request_id=client_message_id
        )

    async def _answer(
        self,
        accepted: Accepted | None,
        *,
        token: str,
        received_at: float,
        request_id: str | None = None,
    ) -> None:
        """Start the answer to an accepted question (a resend only gets the stored message)."""
        assert self.owner is not None
        if accepted is None:
            return
        if accepted.duplicate:
            resent = accepted.resent or accepted.question
            await self.send_json(events.message_frame(message_to_dict(resent)))
            return
        await self._announce(accepted.announce)
        self.view.turn_started(str(accepted.question.id))
        self.last_event_at = time.monotonic()
        turns.start_turn(
            worker=self.worker,
            owner=self.owner,
            question=accepted.question,
            token=token,
            received_at=received_at,
            past=accepted.past,
            answer=accepted.answer,
            branched=accepted.branched,
            versions=accepted.versions,
            request_id=request_id,
        )

    async def on_switch_branch(self, frame: dict[str, Any]) -> None:
        client_message_id = client_message_id_of(frame)
        try:
            message_id = parse_switch_branch(frame)
        except ShopError as exc:
            await self.send_error(exc, client_message_id=client_message_id)
            return
        switched = await self._service(
            partial(
                branch_services.branch_switch,
                conversation_id=self.conversation_id,
                message_id=message_id,
            ),
            what="switch",
            client_message_id=client_message_id,
        )
        if switched is None:
            return
        await self._announce(switched.announce)
        if switched.changed:
            await self._announce([events.path_changed_event(client_message_id=client_message_id)])
        else:
            # Nothing changed: this socket may be behind, and only it asked.
            await self._send_history(
                reason=events.HISTORY_UNCHANGED, client_message_id=client_message_id
            )
