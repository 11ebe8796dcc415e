"""Demo data for the offline sandbox, written from the project's source document.

Illustrative only: the five "Останні новини Чернігівщини" headlines of 12 November 2025 with
their times and leads, and the article on the e-democracy conference in Chernihiv. The source
document gives no links, so the items have none; it gives the conference's days (23–24 May)
but no year or publication time, so the article is dated to the conference's last day.

The network's members: the document says that the network «Моніторинг-Груп» unites 13 regions
and that at the conference it formally admitted representatives of the Lviv, Zhytomyr, Kherson
and Poltava oblasts. It names no member organisations, no contacts, and none of the other
regions, so the demo holds just these four, named after what the document says, with no date
(the document gives no year) and the conference as where it happened.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.dates import event_html
from storage.events import NewEvent
from storage.members import MemberFields, MemberStatus
from storage.models import ItemKind, NewItem

KYIV = ZoneInfo("Europe/Kyiv")
CHERNIHIV = "UA-74"
CHERNIHIV_ADMINISTRATION = "Чернігівська ОВА"


def _at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KYIV)


DEMO_ITEMS: tuple[NewItem, ...] = (
    NewItem(
        region_code=CHERNIHIV,
        title=("Українське експертне середовище зміцнює свій потенціал у питаннях е-врядування"),
        summary=(
            "Всеукраїнська конференція з питань електронної демократії проходила в місті "
            "Чернігів 23 – 24 травня. Мережа “Моніторинг-Груп” сьогодні вже об’єднує 13 регіонів "
            "України; на конференції до неї прийняли представників Львівської, Житомирської, "
            "Херсонської та Полтавської областей."
        ),
        published_at=_at(2025, 5, 24, 18, 0),
    ),
    NewItem(
        region_code=CHERNIHIV,
        title=(
            "У січні-жовтні 2025 року на Чернігівщині сплачено 34,7 млрд гривень податків, "
            "зборів та єдиного внеску"
        ),
        summary=(
            "До бюджетів усіх рівнів Чернігівської області платниками податків у січні-жовтні "
            "2025 року сплачено 22 млрд грн податків, зборів та обов’язкових платежів."
        ),
        source_name=CHERNIHIV_ADMINISTRATION,
        published_at=_at(2025, 11, 12, 10, 50),
    ),
    NewItem(
        region_code=CHERNIHIV,
        title=(
            "«Гроші ходять за людиною»: у Комарівській громаді реалізується експериментальний "
            "соціальний проєкт"
        ),
        summary=(
            "Заступниця голови ОДА Жанна Шерстюк учора, 11 листопада, перебувала з робочим "
            "візитом у Комарівській громаді Ніжинського району."
        ),
        source_name=CHERNIHIV_ADMINISTRATION,
        published_at=_at(2025, 11, 12, 15, 12),
    ),
    NewItem(
        region_code=CHERNIHIV,
        title="У Ніжині запрацював третій на Чернігівщині офіс «Зроблено в Україні»",
        summary=(
            "Відкрили його сьогодні на базі місцевої філії Чернігівського обласного центру "
            "зайнятості."
        ),
        source_name=CHERNIHIV_ADMINISTRATION,
        published_at=_at(2025, 11, 12, 15, 19),
    ),
    NewItem(
        region_code=CHERNIHIV,
        title=(
            "Шукала легкого заробітку в Інтернеті та втратила майже 73 тисячі гривень: поліція "
            "Чернігівщини застерігає громадян від шахрайських схем"
        ),
        summary=(
            "Поліція закликає громадян не довіряти заманливим оголошенням в інтернеті про "
            "«легкий заробіток»: ставити «лайки» та викупати віртуальний товар, «дивитися відео "
            "і заробляти» тощо."
        ),
        source_name=CHERNIHIV_ADMINISTRATION,
        published_at=_at(2025, 11, 12, 15, 24),
    ),
    NewItem(
        region_code=CHERNIHIV,
        title=(
            "Екологічне виховання – шлях до збереження природи для майбутніх поколінь: брифінг "
            "у Чернігівський ОВА"
        ),
        summary=(
            "Екологічне виховання – один із важливих напрямів діяльності Департаменту екології "
            "та природних ресурсів ОДА. Про це сьогодні розповіла заступниця директора "
            "Департаменту Віталіна Синіговець на брифінгу в медіацентрі ОВА."
        ),
        source_name=CHERNIHIV_ADMINISTRATION,
        published_at=_at(2025, 11, 12, 15, 28),
    ),
)


# The conference where the four were admitted; Chernihiv hosted it (the document does not say
# whether Chernihiv oblast itself is a member, so it is not recorded as one).
CONFERENCE = "Всеукраїнська конференція з питань електронної демократії, Чернігів, 23–24 травня"
# The four oblasts the document names as admitted at the conference: Lviv, Zhytomyr, Kherson,
# Poltava. Only these are named; the other regions of the 13 are not.
DEMO_MEMBERS: tuple[MemberFields, ...] = tuple(
    MemberFields(
        name=f"Представники {adjective} області",
        region_code=code,
        status=MemberStatus.ADMITTED,
        since=None,  # the document gives the days (23–24 May) but no year
        event_note=CONFERENCE,
    )
    for adjective, code in (
        ("Львівської", "UA-46"),
        ("Житомирської", "UA-18"),
        ("Херсонської", "UA-65"),
        ("Полтавської", "UA-53"),
    )
)
# Shown under /network: what the document says of the network that no member row holds. The
# note is data, so it is kept once per language (storage.members.NETWORK_NOTE): English
# readers get the English one.
DEMO_NETWORK_NOTE = (
    "Джерело каже, що Мережа «Моніторинг-Груп» об’єднує 13 регіонів України, але називає лише "
    "чотири з них — Львівську, Житомирську, Херсонську та Полтавську області, прийняті на "
    "конференції в Чернігові 23–24 травня. Тут показано лише їх."
)
DEMO_NETWORK_NOTE_EN = (
    "The source says that the Monitoring Group network unites 13 regions of Ukraine, but names "
    "only four of them: Lviv, Zhytomyr, Kherson and Poltava oblasts, admitted at the "
    "conference in Chernihiv on 23–24 May. Only these are shown here."
)

# The conference itself, as an event (announced by the demo's admin): the four members are
# noted as having taken part in it. The document gives the days, not the year; the demo takes
# the year of its article (2025), and Chernihiv as the place.
CONFERENCE_EVENT = NewEvent(
    region_code=CHERNIHIV,
    title="Всеукраїнська конференція з питань електронної демократії",
    starts_at=_at(2025, 5, 23, 0, 0),
    ends_at=_at(2025, 5, 25, 0, 0),  # all day on the 23rd and the 24th
    all_day=True,
    place="Чернігів",
    description="",
    created_by=1000,  # the demo's admin
)
CONFERENCE_ANNOUNCEMENT = NewItem(
    region_code=CHERNIHIV,
    title=CONFERENCE_EVENT.title,
    kind=ItemKind.EVENT,
    published_at=_at(2025, 5, 20, 10, 0),
    author_id=1000,
    body_html=event_html(CONFERENCE_EVENT, KYIV),
)
