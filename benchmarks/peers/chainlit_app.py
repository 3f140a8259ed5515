"""The Chainlit peer: a question streams the same stamped deltas as the project's model.

``chainlit run benchmarks/peers/chainlit_app.py --headless`` from the Chainlit venv
(.venv-chainlit, made by ``make bench``). ``bench n=100 rate=20 size=0`` sets the stream as
for the stamped model (benchmarks.stamps); each delta goes out with ``stream_token``, as a
Chainlit app streaming a model's tokens does.
"""

import asyncio
import time

import chainlit as cl

from benchmarks.stamps import FILL, parse_question, stamp


@cl.on_message
async def answer(message: cl.Message) -> None:
    params = parse_question(message.content)
    count, size = int(params["n"]), int(params["size"])
    interval = 1.0 / max(params["rate"], 0.001)
    piece = (FILL * (size // len(FILL) + 1))[:size] if size else ""
    reply = cl.Message(content="")
    next_at = time.monotonic()
    for _ in range(count):
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        await reply.stream_token(piece or stamp())
    await reply.send()
