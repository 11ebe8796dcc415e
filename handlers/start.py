"""First contact: /start and /help."""

from __future__ import annotations

import html

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain.formatting import trim
from handlers.deps import provide
from handlers.filters import Access, access_of
from handlers.keyboards import start_keyboard
from handlers.permissions import AdminCheck
from handlers.subscriptions.steps import deep_link_region, subscribe_from_link
from infra.settings import Settings
from storage.models import ChatType
from storage.repositories import Storage


async def cmd_start(
    message: Message,
    command: CommandObject,
    bot: Bot,
    store: Storage,
    i18n: I18n,
    admin_check: AdminCheck,
) -> None:
    """/start [region-code]: a deep link subscribes at once; otherwise remember the chat,
    greet, and offer the two things to do first."""
    region = deep_link_region(command.args)
    if region is not None:
        await subscribe_from_link(message, region, bot, store, admin_check, i18n.current_locale)
        return
    code = " ".join((command.args or "").split())
    user = message.from_user
    await store.chats.upsert(
        message.chat.id,
        ChatType(message.chat.type),
        message.chat.title,
        user.language_code if user else None,
    )
    if user is not None and message.chat.type == ChatType.PRIVATE:
        await store.people.seen(user.id, user.full_name)  # for the audit log, if roles come
    name = html.escape(user.first_name) if user and message.chat.type == "private" else ""
    greeting = _("Hello, {name}!").format(name=name) if name else _("Hello!")
    unknown = []
    if code:
        # A link to the bot with a code it does not know (mistyped, or from an old version):
        # say so, then greet as usual.
        unknown = [
            "❔ "
            + _("The code “{code}” in the link is unknown to me.").format(
                code=html.escape(trim(code, 32))
            )
        ]
    text = "\n\n".join(
        [
            *unknown,
            f"👋 <b>{greeting}</b>",
            _(
                "I am Visnyk, a bot of regional news of Ukraine. I show the latest headlines "
                "of the 27 regions and all of Ukraine, and send new ones to the chats "
                "subscribed to them."
            ),
            _("To subscribe: /subscribe {example}, or /subscribe for a list.").format(
                example=_("Chernihiv")
            ),
            _("Choose a region or look at the latest news:"),
        ]
    )
    await message.answer(text, reply_markup=start_keyboard())


def help_text(access: Access | None) -> str:
    """The commands this user can use: editors and admins see theirs too."""
    lines = [
        "ℹ️ <b>" + _("Visnyk: regional news of Ukraine") + "</b>",
        "",
        "/latest — " + _("the 5 latest news items"),
        "/latest 10 — " + _("the 10 latest (from 1 to 20)"),
        "/region — " + _("choose a region from a list"),
        "/region " + _("Chernihiv") + " — " + _("news of a region by its name"),
        "/search " + _("taxes") + " — " + _("news with these words"),
        "/search " + _("Chernihiv") + ": " + _("taxes") + " — " + _("the same in one region"),
        "",
        "/subscribe — " + _("choose regions to get their new headlines"),
        "/subscribe " + _("Chernihiv") + ", " + _("Lviv") + " — " + _("subscribe by name"),
        "/subscriptions — " + _("this chat's subscriptions"),
        "/events — " + _("upcoming events in your regions"),
        "/unsubscribe " + _("Chernihiv") + " — " + _("unsubscribe from a region"),
        "/unsubscribe all — " + _("unsubscribe from everything"),
        "/stop — " + _("unsubscribe and delete what the bot keeps about this chat"),
        "",
        "/start — " + _("the main menu"),
        "/help — " + _("this help"),
        "",
        _("A region can be named any way: «Чернігів», «Чернігівщина», Chernihiv, UA-74."),
        _("In groups and channels, only admins change the subscriptions."),
    ]
    if access is not None and access.is_editor:
        lines += [
            "",
            "📝 <b>" + _("For editors") + "</b>",
            "/push — " + _("a breaking item: region, text, preview, send"),
            "/announce — " + _("an event with its date and place; reminders go by themselves"),
            "/correct 42 — " + _("new text for item №\u00a042, edited everywhere it was sent"),
            "/retract 42 — " + _("withdraw item №\u00a042 from every chat"),
            "/report 42 — " + _("how item №\u00a042 was delivered"),
            "/reschedule 42 — " + _("a new date or place for the event of announcement №\u00a042"),
            "/cancel_event 42 — "
            + _("cancelling that event, with a notice to every chat that got it"),
            "/cancel — " + _("leave a command midway"),
        ]
    if access is not None and access.is_coordinator:
        lines += [
            "",
            "🤝 <b>" + _("For coordinators of the network") + "</b>",
            "/network — " + _("the network at a glance"),
            "/members — " + _("members of your regions"),
            "/member " + _("name or №") + " — " + _("a member's card: history, changes, event"),
            "/admit " + _("Lviv") + " " + _("Name") + " — " + _("admit a member"),
            "/suspend 7 " + _("reason") + " — " + _("suspend member №7"),
            "/export_members — " + _("the list as CSV; /import_members in reply to a CSV"),
        ]
    if access is not None and access.is_admin:
        lines += [
            "",
            "🛠 <b>" + _("For administrators") + "</b>",
            "/grant 123456789 editor " + _("Chernihiv") + " — " + _("give a role"),
            "/revoke 123456789 — " + _("take roles away"),
            "/roles — " + _("who has which role, and the latest actions"),
            "/sources — " + _("feed sources and their health"),
            "/addsource https://… " + _("Chernihiv") + " — " + _("add a feed"),
            "/movesource 3 " + _("Chernihiv") + " — " + _("move a feed to another region"),
            "/delsource 3 — " + _("remove a feed"),
            "/stats — " + _("readers, news, feeds and delivery at a glance"),
        ]
    return "\n".join(lines)


async def cmd_help(message: Message, store: Storage, settings: Settings) -> None:
    """/help: the commands available to this user's roles."""
    user = message.from_user
    access = await access_of(user.id, store, settings) if user else None
    await message.answer(help_text(access))


def router(admin_check: AdminCheck) -> Router:
    start = Router(name=__name__)
    provide(start, admin_check=admin_check)  # deep links subscribe, and only admins may in groups
    start.message.register(cmd_start, CommandStart())
    start.message.register(cmd_help, Command("help"))
    start.channel_post.register(cmd_help, Command("help"))
    return start
