"""Telegram's limits read strictly: no sliding second over the rate, answers included, and a 429
costs only what it must."""

from __future__ import annotations

import asyncio
import itertools
import math
import random

import pytest

from infra.pacing import ChatBusyError, Lane, PaceLimits, Pacer, _Budget
from infra.settings import Settings
from jobs.delivery import DeliveryLimits
from sandbox import BotAPISandbox, ChatFault, RateLimits
from sandbox.limits import busiest
from storage.models import ChatType, DeliveryStatus
from storage.repositories import Storage
from tests.client import running_bot, until
from tests.test_delivery import delivering, news, subscribe

# --- the pacer alone -----------------------------------------------------------------------


async def grant_times(pacer: Pacer, count: int, lane: Lane = Lane.BROADCAST) -> list[float]:
    """`count` senders at once; when each was let through, in order."""
    times: list[float] = []

    async def sender() -> None:
        async with pacer.turn(lane):
            times.append(pacer.now())
            await asyncio.sleep(0.002)  # the request's round trip

    await asyncio.gather(*(sender() for _ in range(count)))
    return sorted(times)


async def test_no_window_holds_more_than_the_rate() -> None:
    pacer = Pacer(PaceLimits(rate=50))
    times = await grant_times(pacer, 130)
    assert busiest(times, 1.0) <= 50
    # ... and the rate is used: 129 intervals of 1.02 / 50 s.
    span = times[-1] - times[0]
    assert 129 / span >= 0.95 * 50


async def test_no_window_holds_more_wherever_in_its_round_trip_a_send_arrives() -> None:
    """Telegram counts a send when it arrives, anywhere between its start and its answer:
    slow, uneven round trips (up to 80 ms) and the latest or earliest arrival each time."""
    rng = random.Random(7)
    pacer = Pacer(PaceLimits(rate=40))
    early: list[float] = []
    late: list[float] = []

    async def sender() -> None:
        async with pacer.turn(Lane.BROADCAST):
            early.append(pacer.now())
            await asyncio.sleep(rng.uniform(0, 0.08))
        late.append(pacer.now())

    await asyncio.gather(*(sender() for _ in range(120)))
    assert busiest(sorted(early), 1.0) <= 40
    assert busiest(sorted(late), 1.0) <= 40


async def test_a_late_sender_catches_up_but_never_past_the_window() -> None:
    """Idle first (a full window's worth of tolerance unused), then a crowd: still no second
    over the rate."""
    pacer = Pacer(PaceLimits(rate=20, tolerance=20))  # a whole second to catch up
    await grant_times(pacer, 5)
    await asyncio.sleep(0.5)
    times = await grant_times(pacer, 45)
    assert busiest(times, 1.0) <= 20


async def test_answers_go_before_queued_copies() -> None:
    pacer = Pacer(PaceLimits(rate=20))
    order: list[str] = []

    async def send(name: str, lane: Lane) -> None:
        async with pacer.turn(lane):
            order.append(name)

    copies = [asyncio.create_task(send(f"copy {n}", Lane.BROADCAST)) for n in range(10)]
    await until(lambda: len(order) >= 2)  # a few copies went; the rest wait
    before = len(order)
    await send("answer", Lane.ANSWER)
    await asyncio.gather(*copies)
    assert before <= 6
    # The next slot, not behind the copies that were queued before it.
    assert order.index("answer") <= before + 1


async def test_paid_copies_do_not_lift_the_limit_of_answers() -> None:
    pacer = Pacer(PaceLimits(rate=1000, free_rate=10))
    answers: list[float] = []

    async def answer() -> None:
        async with pacer.turn(Lane.ANSWER):
            answers.append(pacer.now())

    async def copy() -> None:
        async with pacer.turn(Lane.BROADCAST, paid=True):
            pass

    await asyncio.gather(*(answer() for _ in range(25)), *(copy() for _ in range(200)))
    assert busiest(sorted(answers), 1.0) <= 10


def test_a_chat_gets_a_short_burst_then_one_a_second() -> None:
    pacer = Pacer(PaceLimits(chat_interval=1.0, chat_burst=3))
    for _ in range(3):
        assert pacer.chat_delay(7, group=False, now=100.0) == 0
        pacer.chat_sent(7, group=False, now=100.0)
    assert pacer.chat_delay(7, group=False, now=100.0) == pytest.approx(1.0)
    assert pacer.chat_delay(8, group=False, now=100.0) == 0  # another chat is free


def test_a_send_answered_late_keeps_the_next_its_interval_from_the_answer() -> None:
    """A request that left late (a loaded machine) may reach Telegram as late as its answer:
    the chat's next send waits its interval from then, not from when its turn came."""
    pacer = Pacer(PaceLimits(chat_interval=1.0, chat_burst=1, group_interval=3.0))
    pacer.chat_sent(7, group=False, now=100.0)
    pacer.chat_answered(7, group=False, now=100.8)
    assert pacer.chat_delay(7, group=False, now=101.0) == pytest.approx(0.8)
    assert pacer.chat_delay(7, group=False, now=101.8) == 0
    pacer.chat_sent(-5, group=True, now=200.0)
    pacer.chat_answered(-5, group=True, now=200.5)
    assert pacer.chat_delay(-5, group=True, now=203.0) == pytest.approx(0.5)
    # A burst answered at once keeps its burst: the answer moves nothing that was later.
    burst = Pacer(PaceLimits(chat_interval=1.0, chat_burst=3))
    for _ in range(3):
        burst.chat_sent(9, group=False, now=100.0)
    burst.chat_answered(9, group=False, now=100.05)
    assert burst.chat_delay(9, group=False, now=100.0) == pytest.approx(1.0)


def test_a_group_gets_twenty_a_minute_without_a_burst() -> None:
    pacer = Pacer(PaceLimits(group_interval=3.05))
    pacer.chat_sent(-5, group=True, now=10.0)
    assert pacer.chat_delay(-5, group=True, now=10.0) == pytest.approx(3.05)
    times = [10.0]
    for _ in range(25):
        now = times[-1] + pacer.chat_delay(-5, group=True, now=times[-1])
        pacer.chat_sent(-5, group=True, now=now)
        times.append(now)
    assert busiest(times, 60.0) <= 20


def test_one_flooded_chat_waits_alone_several_pause_everyone() -> None:
    pacer = Pacer(PaceLimits(flood_chats=3))
    assert not pacer.flooded(1, 5, group=False, now=50.0)
    assert pacer.chat_delay(1, group=False, now=50.0) == pytest.approx(5.0)
    assert pacer.paused_for(50.0) == 0
    assert not pacer.flooded(2, 5, group=False, now=50.2)
    assert pacer.paused_for(50.2) == 0  # two chats: could be theirs alone
    assert pacer.flooded(3, 5, group=False, now=50.4)
    assert pacer.paused_for(50.4) == pytest.approx(5.0)
    # Floods a second apart are not one flood.
    calm = Pacer(PaceLimits(flood_chats=3))
    for n, at in enumerate((10.0, 11.1, 12.2)):
        assert not calm.flooded(n, 5, group=False, now=at)


def test_floods_are_counted_and_a_flood_of_no_chat_pauses_everyone() -> None:
    """A 429 about no chat (an inline message's, say) is the whole bot's; a chat's flood
    keeps the longer of its wait and its pace; a second's window is half-open; /metrics
    counts floods and pauses."""
    pacer = Pacer(PaceLimits(chat_interval=0.25, group_interval=3.0, flood_chats=3))
    assert pacer.flooded(None, 4, group=False, now=0.5)
    assert pacer.paused_for(0.5) == pytest.approx(4.0)
    assert not pacer.flooded(-5, 2, group=True, now=0.0)  # a group: no burst on top
    assert pacer.chat_delay(-5, group=True, now=0.0) == pytest.approx(2.0)
    assert not pacer.flooded(6, 0.25, group=False, now=0.0)  # its burst is 0.5 s on top...
    assert pacer.chat_delay(6, group=False, now=0.0) == pytest.approx(0.25)  # ...kept for later
    for _ in range(3):
        pacer.chat_sent(-7, group=True, now=10.0)  # paced to 19.0
    assert not pacer.flooded(-7, 1, group=True, now=10.0)  # a short 429 shortens nothing
    assert pacer.chat_delay(-7, group=True, now=10.0) == pytest.approx(9.0)
    # Floods at 20.0, 20.5 and 21.0: the first is a second old at the third, so not with it.
    assert not pacer.flooded(1, 1, group=False, now=20.0)
    assert not pacer.flooded(2, 1, group=False, now=20.5)
    assert not pacer.flooded(3, 1, group=False, now=21.0)
    assert pacer.flooded(4, 1, group=False, now=21.2)  # 2, 3, 4 within a second
    assert pacer.flooded(5, 2, group=False, now=21.5)  # a longer pause: counted again
    assert pacer.flooded(None, 1.5, group=False, now=22.0)  # ends as that one: not again
    assert pacer.paused_for(22.0) == pytest.approx(1.5)
    assert (pacer.floods, pacer.pauses) == (10, 3)


async def test_a_slot_granted_to_a_busy_chat_goes_back_to_the_budget() -> None:
    """Two sends to one chat at once: the second is granted a slot, finds the chat's pace
    taken, gives the slot back and waits. The budgets get it back: then, with the window
    empty, exactly `rate` paid and `free_rate` other sends go at once (the next a second
    later, when the window frees: 0.9 s leaves a loaded machine its slack)."""
    pacer = Pacer(PaceLimits(rate=4, free_rate=2, chat_interval=0.2, chat_burst=1))

    async def send(chat: int, paid: bool = False) -> float:
        async with pacer.turn(Lane.BROADCAST, chat, paid=paid):
            return pacer.now()

    await asyncio.wait_for(asyncio.gather(send(1), send(1)), timeout=5)
    await asyncio.sleep(1.1)  # the window of those two sends ends
    start = pacer.now()
    free = await asyncio.wait_for(asyncio.gather(*(send(10 + n) for n in range(3))), 5)
    assert [at - start < 0.9 for at in sorted(free)] == [True, True, False]
    await asyncio.wait_for(asyncio.gather(send(2, True), send(2, True)), timeout=5)
    await asyncio.sleep(1.1)
    start = pacer.now()
    paid = await asyncio.wait_for(asyncio.gather(*(send(20 + n, True) for n in range(5))), 5)
    assert [at - start < 0.9 for at in sorted(paid)] == [True] * 4 + [False]
    # A paid send never counted in the free budget: its slot given back gives it nothing.
    await asyncio.wait_for(asyncio.gather(send(3, True), send(3, True)), timeout=5)
    await asyncio.sleep(1.1)
    start = pacer.now()
    free = await asyncio.wait_for(asyncio.gather(*(send(30 + n) for n in range(3))), 5)
    assert [at - start < 0.9 for at in sorted(free)] == [True, True, False]


# --- end to end: the bot against a strict sandbox ---------------------------------------------


async def test_broadcast_and_answers_together_keep_every_second_within_the_limit(
    settings: Settings, store: Storage
) -> None:
    """90 copies at 30/s while a user asks for help five times: every message counted, no
    second over 30, and Telegram never had to refuse one."""
    strict = RateLimits()  # sliding windows, every send counted
    async with BotAPISandbox(limits=strict) as sandbox:
        for chat in range(1000, 1090):
            await subscribe(store, chat, "UA-74")
        await store.chats.upsert(501, ChatType.PRIVATE, None, "uk")
        limits = DeliveryLimits(overall_per_second=30)
        async with (
            delivering(sandbox, settings, store, limits) as running,
            running_bot(sandbox, settings, store, delivery=running.worker),
        ):
            item_id = await running.publish(news())
            await sandbox.wait_until(lambda: sandbox.sent_total >= 5, timeout=10)  # under way
            for _ in range(5):
                sandbox.send_message(501, "/help", user_id=501)
            answers = await sandbox.wait_for(501, 5, timeout=15)
            counts = await running.settled(item_id, timeout=20)
        assert counts[DeliveryStatus.SENT] == 90
        assert all("/latest" in answer.plain_text for answer in answers)
        assert sandbox.errors[429] == 0
        assert sandbox.stats()["busiest_second"]["all"] <= 30


async def test_a_flooded_chat_does_not_hold_up_the_others(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """Two chats answer 429 (retry after 6 s) at once: they wait, the other 48 do not."""
    chats = range(2000, 2050)
    for chat in chats:
        await subscribe(store, chat, "UA-74")
    for chat in (2000, 2001):
        sandbox.set_fault(chat, ChatFault("flood", retry_after=6, times=1))
    limits = DeliveryLimits(overall_per_second=20, chat_interval=0.05, backoff_base=0.05)
    async with delivering(sandbox, settings, store, limits) as running:
        started = asyncio.get_running_loop().time()
        await running.publish(news())
        await sandbox.wait_until(lambda: all(sandbox.sent(chat) for chat in chats[2:]), timeout=15)
        others_done = asyncio.get_running_loop().time() - started
        await running.settled(timeout=15)
        flooded_done = asyncio.get_running_loop().time() - started
    # 48 copies at 20/s take 2.4 s; a pause for everyone would have added 6.
    assert others_done < 5
    assert flooded_done >= 6
    assert all(len(sandbox.sent(chat)) == 1 for chat in chats)


async def test_floods_in_many_chats_pause_everyone(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """Four chats answer 429 at once: that is the whole bot flooded, and everyone waits."""
    for chat in range(3000, 3030):
        await subscribe(store, chat, "UA-74")
    for chat in range(3000, 3004):
        sandbox.set_fault(chat, ChatFault("flood", retry_after=3, times=1))
    limits = DeliveryLimits(overall_per_second=10, chat_interval=0.05, backoff_base=0.05)
    async with delivering(sandbox, settings, store, limits) as running:
        started = asyncio.get_running_loop().time()
        await running.publish(news())
        await running.settled(timeout=20)
        elapsed = asyncio.get_running_loop().time() - started
        assert running.worker.pacer.pauses >= 1
    # 30 copies at 10/s take 3 s; the pause for everyone adds its 3 s.
    assert elapsed >= 5
    assert all(len(sandbox.sent(chat)) == 1 for chat in range(3000, 3030))


async def test_a_copy_after_the_chats_burst_waits_its_second_though_the_last_was_recorded(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """Five items to one chat, each published once the copy before it is recorded as sent
    (nothing of the chat in flight): three at once, then one a second, and Telegram (strict:
    a burst of three, then one a second) never refuses one."""
    sandbox.limits = RateLimits()
    await subscribe(store, 90, "UA-74")
    async with delivering(sandbox, settings, store, DeliveryLimits()) as running:
        for number in range(5):
            item_id = await running.publish(news(title=f"Новина {number}"))
            counts = await running.settled(item_id, timeout=15)
            assert counts[DeliveryStatus.SENT] == 1
    copies = sandbox.sent(90)
    assert [m.plain_text.split("\n")[0] for m in copies] == [f"Новина {n}" for n in range(5)]
    assert sandbox.errors[429] == 0
    arrived = [copy.arrived for copy in copies]
    assert arrived[3] - arrived[0] >= 1.0  # the fourth waited for the chat...
    assert arrived[4] - arrived[3] >= 1.0  # ...and so did the fifth


async def test_a_group_gets_its_copies_one_group_interval_apart(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """Groups and supergroups get no burst: each copy waits `group_interval` after the one
    before (3.05 s by default: 20 a minute; 0.5 s here), whether the items came at once or
    each after the last copy was recorded, while a private chat's pace lets them through."""
    sandbox.add_chat(-91, type="group", title="Громада")
    sandbox.add_chat(-10092, type="supergroup", title="Велика громада")
    await subscribe(store, -91, "UA-74", kind=ChatType.GROUP)
    await subscribe(store, -10092, "UA-74", kind=ChatType.SUPERGROUP)
    await subscribe(store, 93, "UA-74")
    limits = DeliveryLimits(chat_interval=0.05, group_interval=0.5)
    async with delivering(sandbox, settings, store, limits) as running:
        for number in range(3):  # at once
            await running.publish(news(title=f"Новина {number}"))
        await running.settled(timeout=15)
        for number in range(3, 6):  # one by one
            await running.settled(await running.publish(news(title=f"Новина {number}")))
    for group in (-91, -10092):
        arrived = [copy.arrived for copy in sandbox.sent(group)]
        assert len(arrived) == 6
        assert all(later - earlier >= 0.45 for earlier, later in itertools.pairwise(arrived))
    private = [copy.arrived for copy in sandbox.sent(93)]
    assert len(private) == 6 and private[2] - private[0] < 0.45


async def test_a_chat_that_must_wait_does_not_hold_up_the_others(
    sandbox: BotAPISandbox, settings: Settings, store: Storage
) -> None:
    """A copy whose chat has used its burst waits in the outbox, not in one of the worker's
    slots (15 at 30/s): the other chats of a broadcast are not held up behind 15 such chats."""
    busy, fresh = range(100, 115), range(200, 215)
    for chat in busy:
        await subscribe(store, chat, "UA-74")
    for chat in fresh:
        await subscribe(store, chat, "UA-46")
    async with delivering(sandbox, settings, store, DeliveryLimits(chat_interval=4.0)) as running:
        for number in range(3):  # the busy chats' burst, each copy recorded before the next
            await running.settled(await running.publish(news(title=f"Новина {number}")))
        item_id = await running.publish(news("UA", "Для всіх"))
        await running.settled(item_id, timeout=20)
    fresh_done = max(sandbox.sent(chat)[0].arrived for chat in fresh)
    busy_next = min(sandbox.sent(chat)[3].arrived for chat in busy)
    assert fresh_done < busy_next


def test_the_workers_own_limits_give_a_group_twenty_a_minute_and_a_chat_one_a_second() -> None:
    """README's figures, from DeliveryLimits' defaults as the worker's pacer gets them."""
    pacer = Pacer(DeliveryLimits().pace())

    def as_fast_as_allowed(chat: int, group: bool, count: int) -> list[float]:
        times: list[float] = []
        now = 0.0
        for _ in range(count):
            now += pacer.chat_delay(chat, group=group, now=now)
            pacer.chat_sent(chat, group=group, now=now)
            times.append(now)
        return times

    group = as_fast_as_allowed(-5, True, 60)
    assert busiest(group, 60.0) == 20 and busiest(group, 1.0) == 1
    private = as_fast_as_allowed(5, False, 60)
    assert busiest(private, 1.0) == 3  # a burst of three...
    assert busiest(private, 10.0) == 3 + 9  # ...then one a second


def test_paid_broadcasts_go_at_1000_a_second_and_everything_else_still_at_the_rate() -> None:
    paid = DeliveryLimits(overall_per_second=30, paid_broadcast=True).pace()
    assert (paid.rate, paid.free) == (1000, 30)  # /latest's answers do not pay
    unpaid = DeliveryLimits(overall_per_second=20).pace()
    assert (unpaid.rate, unpaid.free) == (20, 20)


def test_a_send_waits_for_the_second_of_an_answered_one_not_for_the_one_in_flight() -> None:
    """Two a second: one answered at 0.1 s, one in flight since 0.5 s. The next may start at
    1.1 s, when the answered one leaves the window, whenever the one in flight is answered."""
    budget = _Budget(rate=2, tolerance=3.0, catch_up=0.05)
    budget.start(0.0)
    budget.answered(0.1)
    budget.start(0.5)
    assert budget.ready_at(0.6) == 1.1
    budget.start(1.1)  # now two in flight: the next waits for an answer
    assert budget.ready_at(1.2) == math.inf


def test_a_pacer_that_met_a_hundred_thousand_chats_forgets_only_the_idle_ones() -> None:
    pacer = Pacer(PaceLimits(chat_interval=1.0, chat_burst=1))
    many = Pacer._FORGET_AFTER
    for chat in range(many):
        pacer.chat_sent(chat, group=False, now=0.0)
    pacer.chat_sent(many, group=False, now=0.5)  # every chat still within its second
    assert pacer.chat_delay(7, group=False, now=0.5) == 0.5
    pacer.chat_sent(many + 1, group=False, now=2.0)  # the idle ones are forgotten now
    assert pacer.chat_delay(7, group=False, now=2.0) == 0.0
    assert pacer.chat_delay(many + 1, group=False, now=2.0) == 1.0
    # Chat 7's answer came late, its entry forgotten meanwhile: its second counts from it.
    pacer.chat_answered(7, group=False, now=2.1)
    assert pacer.chat_delay(7, group=False, now=2.1) == pytest.approx(1.0)


# --- one chat's wait -----------------------------------------------------------------------


@pytest.mark.parametrize("group", [False, True])
async def test_a_send_that_waits_for_its_chat_sleeps_rather_than_take_slots_meanwhile(
    group: bool,
) -> None:
    """The chat's second send waits for it (half a second; a group its second, which a private
    chat's burst of three would not make it wait): it is granted one slot, when it may go, not
    one every 1/30 s meanwhile (each would hold up the other chats' sends)."""
    limits = PaceLimits(rate=30, chat_interval=0.5, chat_burst=3 if group else 1, group_interval=1)
    pacer = Pacer(limits)
    for _ in range(2):
        async with pacer.turn(Lane.BROADCAST, -7 if group else 7, group=group):
            pass
    assert pacer.granted == 2


async def test_a_groups_second_send_waits_the_group_interval_while_the_first_is_in_flight() -> (
    None
):
    """A group's pace counts from a send's start too, not only from its answer: the second
    copy, started while the first is still out (a slow round trip), waits `group_interval`
    (0.5 s here), not a private chat's interval (0.1 s)."""
    pacer = Pacer(PaceLimits(chat_interval=0.1, chat_burst=1, group_interval=0.5))
    started: list[float] = []

    async def send(hold: float) -> None:
        async with pacer.turn(Lane.BROADCAST, -5, group=True):
            started.append(pacer.now())
            await asyncio.sleep(hold)

    first = asyncio.create_task(send(2.0))
    await until(lambda: len(started) == 1)
    await asyncio.wait_for(send(0.0), timeout=5)
    assert started[1] - started[0] >= 0.45
    await first


async def test_two_sends_to_one_group_at_once_keep_the_group_interval() -> None:
    """Both sends find the group free and ask for a slot; the second, granted after the first
    took the group's turn, gives its slot back and waits the group's interval (0.5 s), which a
    private chat's burst (three, 1 s apart) would not have made it wait."""
    pacer = Pacer(PaceLimits(chat_interval=1.0, chat_burst=3, group_interval=0.5))
    started: list[float] = []

    async def send() -> None:
        async with pacer.turn(Lane.BROADCAST, -5, group=True):
            started.append(pacer.now())

    await asyncio.wait_for(asyncio.gather(send(), send()), timeout=5)
    assert started[1] - started[0] >= 0.45


async def test_a_deletion_does_not_wait_for_the_chats_pace() -> None:
    """Telegram does not count a deletion as a message: it goes at once to a chat that may
    not get another message for 5 s."""
    pacer = Pacer(PaceLimits(chat_interval=5.0, chat_burst=1))
    async with pacer.turn(Lane.BROADCAST, 7):
        pass
    assert pacer.chat_delay(7, group=False) > 4
    start = pacer.now()
    async with pacer.turn(Lane.BROADCAST, 7, counted=False):
        pass
    assert pacer.now() - start < 1


async def test_a_chat_busy_longer_than_the_wait_allowed_is_refused_with_its_delay() -> None:
    pacer = Pacer(PaceLimits(chat_interval=5.0, chat_burst=1))
    async with pacer.turn(Lane.ANSWER, 7, max_wait=3.0):
        pass
    with pytest.raises(ChatBusyError) as refused:
        async with pacer.turn(Lane.ANSWER, 7, max_wait=3.0):
            pass
    assert 4 < refused.value.delay <= 5
    assert pacer.granted == 1 and pacer.active == 0


@pytest.mark.parametrize("moment", ["waiting", "granted"])
async def test_a_send_cancelled_while_it_waits_or_as_its_slot_comes_leaves_the_budgets_whole(
    moment: str,
) -> None:
    """A send cancelled (the worker stopping, a handler timing out) never went, whether it was
    still waiting or its slot had just been granted: afterwards the budgets let through what
    they would have (two a second, one of them not paid), no more and no fewer."""
    pacer = Pacer(PaceLimits(rate=2, free_rate=1))
    pacer.flooded(None, 0.3, group=False)  # everyone waits 0.3 s

    async def send(paid: bool) -> float:
        async with pacer.turn(Lane.BROADCAST, paid=paid):
            return pacer.now()

    cancelled = asyncio.create_task(send(True))
    await until(lambda: pacer.active == 1)  # in the lane
    if moment == "granted":
        while pacer.granted == 0:  # noqa: ASYNC110 (sleep(0): cancelled before the task wakes)
            await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert pacer.granted == (1 if moment == "granted" else 0)
    await asyncio.sleep(1.4)  # the pause and the window of the slot given back end
    start = pacer.now()
    paid = await asyncio.wait_for(asyncio.gather(*(send(True) for _ in range(3))), 5)
    assert [at - start < 0.9 for at in sorted(paid)] == [True, True, False]
    await asyncio.sleep(1.1)
    start = pacer.now()
    free = await asyncio.wait_for(asyncio.gather(send(False), send(False)), 5)
    assert [at - start < 0.9 for at in sorted(free)] == [True, False]


async def test_a_paid_copy_is_not_held_up_by_answers_that_used_the_free_budget() -> None:
    """Answers have used the free rate (one a second here, in flight): a paid copy still goes
    at once, within the paid rate."""
    pacer = Pacer(PaceLimits(rate=4, free_rate=1))
    answered = asyncio.Event()

    async def answer() -> None:
        async with pacer.turn(Lane.ANSWER, 5):
            await answered.wait()

    held = asyncio.create_task(answer())
    await until(lambda: pacer.granted == 1)
    start = pacer.now()
    async with asyncio.timeout(5):
        async with pacer.turn(Lane.BROADCAST, 6, paid=True):
            went = pacer.now()
    assert went - start < 0.5
    answered.set()
    await held


async def test_a_pacer_below_two_a_second_sends_one_a_window() -> None:
    times = await grant_times(Pacer(PaceLimits(rate=1)), 2)
    assert times[1] - times[0] >= 0.95


async def test_the_pacer_counts_each_request_and_its_time_from_the_grant() -> None:
    """The mean round trip bench/broadcast.py prints: requests done, and their seconds."""
    pacer = Pacer()
    for hold in (0.1, 0.2):
        async with pacer.turn(Lane.ANSWER):
            await asyncio.sleep(hold)
    assert pacer.turns == 2
    assert 0.3 <= pacer.turn_seconds < 5
