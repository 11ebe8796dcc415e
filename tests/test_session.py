"""The bot's session: JSON bodies for plain requests, multipart for files, same answers."""

from __future__ import annotations

from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.factory import build_bot
from infra.settings import Settings
from sandbox import SANDBOX_TOKEN, BotAPISandbox


async def test_json_and_multipart_requests_reach_the_server_intact(
    sandbox: BotAPISandbox, settings: Settings
) -> None:
    bot = build_bot(
        settings.model_copy(update={"telegram_api_url": sandbox.base_url}), token=SANDBOX_TOKEN
    )
    try:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Чернігів", callback_data="r:show:UA-74")]]
        )
        sent = await bot.send_message(42, "<b>Привіт</b> &amp; «лапки»", reply_markup=markup)
        assert sent.text == "Привіт & «лапки»"
        document = await bot.send_document(
            42, BufferedInputFile("ім'я;місто\n".encode(), filename="members.csv"), caption="CSV"
        )
        assert document.document is not None
    finally:
        await bot.session.close()
    message, upload = sandbox.sent(42)
    assert message.plain_text == "Привіт & «лапки»"
    assert message.buttons == [[{"text": "Чернігів", "callback_data": "r:show:UA-74"}]]
    assert message.params["parse_mode"] == "HTML"
    assert upload.document == ("members.csv", "ім'я;місто\n".encode())
